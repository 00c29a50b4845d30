"""The site administrator's lookups across every agency: organisations, users and bookings, searched and paged.

Searches are case-insensitive on SQLite and PostgreSQL alike (``ILIKE``; SQLite's ``LIKE`` folds ASCII) and
treat ``%`` and ``_`` in what was typed as themselves. A list reads the ids of its first ``MAX_LISTED`` matches in
one query (so a search scans the table at most once, and a list without one stops after a thousand rows of an
index instead of counting 100,000 bookings), then the rows of the page asked for, with what they show loaded in a
fixed number of queries (never one per row). Past the thousandth match the list says "more than 1,000" and asks
for a narrower search. Lookups raise ``NotFound``; they never abort or commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.bookings import queries as booking_queries
from portal.bookings.queries import NotFound
from portal.bookings.states import BookingStatus
from portal.extensions import db
from portal.models import Agency, Booking, BookingEvent, EmployerApproval, Organisation, Role, User

PAGE_SIZE = 25
# Bookings an employer submitted (drafts, kept or thrown away, are the employer's own business)
SUBMITTED = Booking.submitted_at.is_not(None)
BOOKING_STATUSES = tuple(s for s in BookingStatus if s != BookingStatus.DRAFT)
REFERENCE = re.compile(r"[Dd][Dd]-[A-Za-z0-9]{6}")  # a booking's whole reference (portal.bookings.drafts)


def contains(column, text: str):
    """``column`` holds ``text`` anywhere, ignoring case; ``%``, ``_`` and ``\\`` in ``text`` match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


MAX_LISTED = 1000  # matches a list pages through (40 pages); past it, a narrower search


@dataclass(frozen=True)
class Page(booking_queries.Page):
    more: bool = False  # there are more than ``total`` matches; only the first ``total`` are listed


def _ids(ids: Select, page: int) -> tuple[list[int], Page]:
    """The ids of page ``page`` (kept within range) of ``ids`` (ordered), and the page without its rows."""
    found = list(db.session.scalars(ids.limit(MAX_LISTED + 1)))
    total = min(len(found), MAX_LISTED)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    return found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], Page([], page, pages, total, len(found) > MAX_LISTED)


def _with_rows(empty: Page, ids: list[int], rows: dict) -> Page:
    return replace(empty, rows=[rows[i] for i in ids if i in rows])


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
    wanted, empty = _ids(ids.order_by(Organisation.legal_name, Organisation.id), page)
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
    return _with_rows(empty, wanted, found)


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
    wanted, empty = _ids(ids.order_by(User.email, User.id), page)
    found = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(wanted)).options(joinedload(User.organisation), joinedload(User.agency))
    )} if wanted else {}
    return _with_rows(empty, wanted, found)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


# -- bookings ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookingFilter:
    search: str = ""  # part of a reference, site name or organisation name; or a whole reference
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
    if f.search and REFERENCE.fullmatch(f.search):
        ids = ids.where(Booking.reference == f.search.upper())  # a whole reference: its unique index, no scan
    elif f.search:
        orgs = select(Organisation.id).where(contains(Organisation.legal_name, f.search))  # (a small table)
        ids = ids.where(or_(contains(Booking.reference, f.search), contains(Booking.site_name, f.search),
                            Booking.organisation_id.in_(orgs)))
    wanted, empty = _ids(ids.order_by(Booking.id.desc()), page)
    found = {row[0].id: row for row in db.session.execute(
        select(Booking, Organisation.legal_name, Agency.short_name, Agency.time_zone, booking_queries._paid_cents())
        .join(Organisation, Organisation.id == Booking.organisation_id).join(Agency, Agency.id == Booking.agency_id)
        .where(Booking.id.in_(wanted)))} if wanted else {}
    return _with_rows(empty, wanted, found)


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
