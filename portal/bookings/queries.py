"""Looking bookings up, always scoped: an employer sees its organisation's, an agency its own.

Lookups raise ``NotFound`` (views answer 404, never 403: no probing for other tenants' ids); they
never abort or commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from portal import cards
from portal.bookings.states import BookingStatus
from portal.extensions import db
from portal.models import Agency, Booking, Organisation, Payment, PaymentStatus, RateCardVersion, Refund, User
from portal.models.payments import RefundStatus
from portal.pricing import RateCard


class NotFound(LookupError):
    """No such booking for this user (or it belongs to someone else)."""


# What a booking's page reads of it anyway, joined into the one query that finds it
_PAGE_LOADS = (joinedload(Booking.agency), joinedload(Booking.organisation), joinedload(Booking.rate_card_version))


def get_booking_for(user: User, booking_id: int) -> Booking:
    """The booking if it belongs to the user's organisation."""
    booking = None
    if user.is_authenticated and user.organisation_id is not None:
        booking = db.session.scalar(
            select(Booking).where(Booking.id == booking_id, Booking.organisation_id == user.organisation_id)
            .options(*_PAGE_LOADS)
        )
    if booking is None:
        raise NotFound(booking_id)
    return booking


def get_booking_for_agency(user: User, booking_id: int) -> Booking:
    """A submitted booking of the user's agency (drafts are the employer's own business)."""
    booking = None
    if user.is_authenticated and user.agency_id is not None:
        booking = db.session.scalar(
            select(Booking).where(Booking.id == booking_id, Booking.agency_id == user.agency_id,
                                  Booking.status.not_in((BookingStatus.DRAFT, BookingStatus.AWAITING_DEPOSIT)))
            .options(*_PAGE_LOADS)
        )
    if booking is None:
        raise NotFound(booking_id)
    return booking


def lock(booking_id: int) -> Booking:
    """The booking row, locked until the transaction ends (PostgreSQL; SQLite serialises writers), and
    re-read so what the caller sees is what the lock protects."""
    booking = db.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update().execution_options(populate_existing=True)
    )
    if booking is None:
        raise NotFound(booking_id)
    return booking


# -- agencies and cards ------------------------------------------------------------------------
def bookable_agencies() -> list[tuple[str, str]]:
    """``(slug, name)`` of every agency with a rate card, by name: the wizard's agency list, in one query."""
    has_card = select(RateCardVersion.id).where(RateCardVersion.agency_id == Agency.id).exists()
    return [(slug, name) for slug, name in db.session.execute(
        select(Agency.slug, Agency.name).where(has_card).order_by(Agency.name)
    )]


def agency_by_slug(slug: str | None) -> tuple[Agency, RateCardVersion] | None:
    """The agency and its current card version; None for an unknown or malformed slug (never sent to the
    database: a NUL byte is an error on PostgreSQL)."""
    return cards.current_for_slug(slug or "")


def card_for(booking: Booking) -> tuple[RateCardVersion, RateCard]:
    """The agency's current card: a draft is always priced with it."""
    version = cards.current_version(booking.agency)
    if version is None:
        raise NotFound(booking.id)
    return version, cards.card_of(version)


def card_of_booking(booking: Booking) -> RateCard:
    """The card a submitted booking was priced with (a draft: the agency's current one)."""
    if booking.rate_card_version is not None:
        return cards.card_of(booking.rate_card_version)
    return card_for(booking)[1]


# -- lists ------------------------------------------------------------------------------------------
PAGE_SIZE = 25


@dataclass(frozen=True)
class Page:
    rows: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _paginate(ids: Select, rows: Select, order: tuple, page: int, per_page: int = PAGE_SIZE) -> Page:
    """One page of a booking list. ``ids`` selects the matching ``Booking.id``s (with their joins and
    filters: counted, sorted and cut to the page); ``rows`` gives the columns shown, read for that page's
    ids only, so per-row work (what was paid) is done for 25 bookings, not for every match."""
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    wanted = list(db.session.scalars(ids.order_by(*order).limit(per_page).offset((page - 1) * per_page)))
    found = {row[0].id: row for row in db.session.execute(rows.where(Booking.id.in_(wanted)))} if wanted else {}
    return Page([found[i] for i in wanted if i in found], page, pages, total)


def _paid_cents():
    """Per booking: what was paid and not refunded (a correlated subquery, for lists)."""
    paid = (select(func.coalesce(func.sum(Payment.amount_cents), 0))
            .where(Payment.booking_id == Booking.id, Payment.status == PaymentStatus.SUCCEEDED)
            .correlate(Booking).scalar_subquery())
    refunded = (select(func.coalesce(func.sum(Refund.amount_cents), 0))
                .where(Refund.booking_id == Booking.id, Refund.status != RefundStatus.FAILED)
                .correlate(Booking).scalar_subquery())
    return (paid - refunded).label("paid_cents")


def drafts_of(user: User) -> list[Booking]:
    return list(db.session.scalars(
        select(Booking)
        .where(Booking.organisation_id == user.organisation_id, Booking.status == BookingStatus.DRAFT)
        .order_by(Booking.updated_at.desc(), Booking.id.desc())
    ))


def employer_bookings(user: User, *, past: bool, now: datetime, page: int = 1) -> Page:
    """Submitted bookings of the user's organisation: upcoming (soonest first) or past (latest first).
    Rows are ``(booking, agency short name, paid cents)``."""
    org = Booking.organisation_id == user.organisation_id
    submitted = Booking.submitted_at.is_not(None)  # not drafts, nor drafts thrown away
    over = or_(Booking.ends_at <= now, Booking.ends_at.is_(None),
               Booking.status.in_((BookingStatus.CANCELLED, BookingStatus.DENIED)))
    ids = select(Booking.id).where(org, submitted, over if past else ~over)
    order = (Booking.starts_at.desc(), Booking.id.desc()) if past else (Booking.starts_at, Booking.id)
    rows = select(Booking, Agency.short_name, _paid_cents()).join(Agency, Agency.id == Booking.agency_id)
    return _paginate(ids, rows, order, page)


QUEUE_STATUSES = tuple(s for s in BookingStatus if s not in (BookingStatus.DRAFT, BookingStatus.AWAITING_DEPOSIT))
# A shift is closed out within 7 calendar days of working it (KCPD policy 630-9 III.G); later, it is flagged.
CLOSE_OUT_DAYS = 7
OPEN_WORK = (BookingStatus.APPROVED, BookingStatus.PARTIALLY_STAFFED, BookingStatus.STAFFED, BookingStatus.IN_PROGRESS)


@dataclass(frozen=True)
class QueueFilter:
    status: str = "submitted"  # a status, or "" for all
    date_from: datetime | None = None  # shifts from (first start on or after)
    date_to: datetime | None = None  # first start before
    search: str = ""  # reference or employer name
    overdue_at: datetime | None = None  # only bookings with a shift not closed out 7 days after it ended then


def _overdue(now: datetime):
    """A booking still open for work with a shift that ended more than ``CLOSE_OUT_DAYS`` before ``now`` and is not
    closed out (a correlated EXISTS, for filters)."""
    from portal.models import BookingShift, ShiftState

    late = (select(BookingShift.id)
            .where(BookingShift.booking_id == Booking.id, BookingShift.state == ShiftState.ACTIVE,
                   BookingShift.closed_at.is_(None), BookingShift.ends_at < now - timedelta(days=CLOSE_OUT_DAYS))
            .correlate(Booking).exists())
    return and_(Booking.status.in_(OPEN_WORK), late)


def overdue_among(booking_ids: list[int], now: datetime) -> set[int]:
    """Which of these bookings have a shift overdue for close-out."""
    if not booking_ids:
        return set()
    return set(db.session.scalars(select(Booking.id).where(Booking.id.in_(booking_ids), _overdue(now))))


def overdue_count(agency_id: int, now: datetime) -> int:
    return db.session.scalar(select(func.count(Booking.id)).where(Booking.agency_id == agency_id, _overdue(now))) or 0


def agency_queue(agency_id: int, f: QueueFilter, *, page: int = 1) -> Page:
    """The agency's requests, filtered; new ones first by the shift date. Rows are ``(booking, employer
    legal name, paid cents)``."""
    ids = select(Booking.id).where(
        Booking.agency_id == agency_id,
        Booking.status == f.status if f.status else Booking.status.in_(QUEUE_STATUSES))
    if f.overdue_at is not None:
        ids = ids.where(_overdue(f.overdue_at))
    if f.date_from is not None:
        ids = ids.where(Booking.starts_at >= f.date_from)
    if f.date_to is not None:
        ids = ids.where(Booking.starts_at < f.date_to)
    if f.search:
        text = f.search.lower()  # a "%" or "_" typed is that character, not a wildcard
        ids = ids.join(Organisation, Organisation.id == Booking.organisation_id).where(
            or_(func.lower(Booking.reference).contains(text, autoescape=True),
                func.lower(Organisation.legal_name).contains(text, autoescape=True)))
    rows = (select(Booking, Organisation.legal_name, _paid_cents())
            .join(Organisation, Organisation.id == Booking.organisation_id))
    return _paginate(ids, rows, (Booking.starts_at, Booking.id), page)


def queue_counts(agency_id: int) -> dict[str, int]:
    """How many of the agency's bookings are in each status (for the queue's tabs)."""
    rows = db.session.execute(
        select(Booking.status, func.count()).where(and_(Booking.agency_id == agency_id,
                                                        Booking.status.in_(QUEUE_STATUSES)))
        .group_by(Booking.status))
    return {status: n for status, n in rows.all()}  # noqa: C416 - rows, not pairs


def next_shifts(booking_ids: list[int], now: datetime) -> dict[int, tuple[datetime, int]]:
    """For each booking: the start of its next shift still booked, and how many shifts are still to come."""
    from portal.models import BookingShift, ShiftState

    if not booking_ids:
        return {}
    rows = db.session.execute(
        select(BookingShift.booking_id, func.min(BookingShift.starts_at), func.count())
        .where(BookingShift.booking_id.in_(booking_ids), BookingShift.state == ShiftState.ACTIVE,
               BookingShift.starts_at > now)
        .group_by(BookingShift.booking_id))
    return {booking_id: (start, n) for booking_id, start, n in rows}
