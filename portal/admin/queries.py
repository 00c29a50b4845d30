"""The site administrator's lookups across every agency: organisations, users and bookings, searched and paged.

Searches are case-insensitive on SQLite and PostgreSQL alike (``ILIKE``; SQLite's ``LIKE`` folds ASCII) and
treat ``%`` and ``_`` in what was typed as themselves. Each list is a count and one page of ids, then the rows of
that page with what they show loaded in a fixed number of queries (never one per row). Lookups raise
``NotFound``; they never abort or commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.bookings import queries as booking_queries
from portal.bookings.queries import NotFound, Page
from portal.bookings.states import BookingStatus
from portal.extensions import db
from portal.models import Agency, Booking, BookingEvent, EmployerApproval, Organisation, Role, User

PAGE_SIZE = 25
# Bookings an employer submitted (drafts, kept or thrown away, are the employer's own business)
SUBMITTED = Booking.submitted_at.is_not(None)
BOOKING_STATUSES = tuple(s for s in BookingStatus if s != BookingStatus.DRAFT)


def contains(column, text: str):
    """``column`` holds ``text`` anywhere, ignoring case; ``%``, ``_`` and ``\\`` in ``text`` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _page(ids: Select, page: int, per_page: int = PAGE_SIZE) -> tuple[list[int], int, int, int]:
    """The ids of one page of ``ids`` (already ordered), the page number kept within range, pages and total."""
    total = db.session.scalar(select(func.count()).select_from(ids.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    return list(db.session.scalars(ids.limit(per_page).offset((page - 1) * per_page))), page, pages, total


def _in_order(ids: list[int], rows: dict) -> list:
    return [rows[i] for i in ids if i in rows]


# -- organisations -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    bookings: int  # submitted bookings, every agency


def organisations(search: str = "", *, page: int = 1) -> Page:
    """Employer organisations whose name or city holds ``search``, or with a member whose email does; by name.
    Rows are ``OrganisationRow`` with the members and the approvals (with their agency) loaded."""
    ids = select(Organisation.id)
    if search:
        member = select(User.id).where(User.organisation_id == Organisation.id, contains(User.email, search))
        ids = ids.where(or_(contains(Organisation.legal_name, search), contains(Organisation.city, search),
                            member.exists()))
    wanted, page, pages, total = _page(ids.order_by(Organisation.legal_name, Organisation.id), page)
    found: dict[int, OrganisationRow] = {}
    if wanted:
        counts = dict(db.session.execute(
            select(Booking.organisation_id, func.count()).where(Booking.organisation_id.in_(wanted), SUBMITTED)
            .group_by(Booking.organisation_id)).all())
        for org in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(wanted))
            .options(selectinload(Organisation.members),
                     selectinload(Organisation.approvals).joinedload(EmployerApproval.agency))
        ):
            found[org.id] = OrganisationRow(org, counts.get(org.id, 0))
    return Page(_in_order(wanted, found), page, pages, total)


# -- users -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UserFilter:
    search: str = ""  # name or email
    role: Role | None = None
    active: bool | None = None


def users(f: UserFilter, *, page: int = 1) -> Page:
    """Every kind of user, by email; rows are ``User`` with their organisation or agency loaded."""
    ids = select(User.id)
    if f.search:
        ids = ids.where(or_(contains(User.full_name, f.search), contains(User.email, f.search)))
    if f.role is not None:
        ids = ids.where(User.role == f.role.value)
    if f.active is not None:
        ids = ids.where(User.active == f.active)
    wanted, page, pages, total = _page(ids.order_by(User.email), page)
    found = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(wanted)).options(joinedload(User.organisation), joinedload(User.agency))
    )} if wanted else {}
    return Page(_in_order(wanted, found), page, pages, total)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


# -- bookings ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookingFilter:
    search: str = ""  # reference, site name or organisation name
    agency_id: int | None = None
    status: str = ""  # a BookingStatus, or "" for all
    first_shift_from: date | None = None  # the first shift starts on or after this day, in its agency's time
    first_shift_to: date | None = None  # ... on or before this day
    organisation_id: int | None = None


def _starts_from(day: date, agency_list: list[Agency]):
    """The booking's first shift starts on ``day`` or later in its own agency's time zone (one clause per agency:
    there are a handful)."""
    return or_(false(), *(and_(Booking.agency_id == a.id, Booking.starts_at >= datetime.combine(day, time(0), a.zone))
                          for a in agency_list))


def bookings(f: BookingFilter, *, page: int = 1) -> Page:
    """Submitted bookings of every agency, newest first. Rows are ``(booking, organisation name, agency short
    name, agency time zone, paid cents)``."""
    ids = select(Booking.id).where(SUBMITTED)
    if f.agency_id is not None:
        ids = ids.where(Booking.agency_id == f.agency_id)
    if f.organisation_id is not None:
        ids = ids.where(Booking.organisation_id == f.organisation_id)
    if f.status:
        ids = ids.where(Booking.status == f.status)
    if f.first_shift_from or f.first_shift_to:
        agency_list = list(db.session.scalars(select(Agency)))
        if f.first_shift_from:
            ids = ids.where(_starts_from(f.first_shift_from, agency_list))
        if f.first_shift_to and f.first_shift_to < date.max:
            ids = ids.where(~_starts_from(f.first_shift_to + timedelta(days=1), agency_list))
    if f.search:
        org = select(Organisation.id).where(Organisation.id == Booking.organisation_id,
                                            contains(Organisation.legal_name, f.search))
        ids = ids.where(or_(contains(Booking.reference, f.search), contains(Booking.site_name, f.search),
                            org.exists()))
    rows = (select(Booking, Organisation.legal_name, Agency.short_name, Agency.time_zone, booking_queries._paid_cents())
            .join(Organisation, Organisation.id == Booking.organisation_id)
            .join(Agency, Agency.id == Booking.agency_id))
    return booking_queries._paginate(ids, rows, (Booking.id.desc(),), page, PAGE_SIZE)


def get_booking(booking_id: int) -> Booking:
    """Any submitted booking, with what its page reads loaded alongside."""
    booking = db.session.scalar(
        select(Booking).where(Booking.id == booking_id, SUBMITTED)
        .options(joinedload(Booking.agency), joinedload(Booking.organisation), joinedload(Booking.created_by),
                 joinedload(Booking.rate_card_version), selectinload(Booking.shifts),
                 selectinload(Booking.events).joinedload(BookingEvent.actor))
    )
    if booking is None:
        raise NotFound(booking_id)
    return booking


def agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.name)))
