"""Drafts: the wizard's data for a request, saved step by step, priced and screened as it is typed.

A draft's data travels as a plain dict (``DraftData``: the Booking's step columns plus the agency
slug), so a step's form can overlay unsaved input for the live preview without writing anything.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal import quote_forms
from portal.bookings import lifecycle
from portal.bookings.queries import agency_by_slug
from portal.bookings.states import Action, TransitionError
from portal.extensions import db
from portal.models import Agency, Booking, BookingStatus, User
from portal.models.bookings import STEPS
from portal.pricing import RateCard
from portal.pricing.request import Location, QuoteRequest
from portal.pricing.screening import screen
from portal.pricing.staffing import recommend

DraftData = dict[str, Any]

# The contract with the rate card about attire: a card that has a screening question with this key
# (kcpd.toml's ``[screening.plain_clothes]``, with its approval effect) makes the wizard ask what the
# officers wear, as a uniform / plain clothes choice stored in ``Booking.plain_clothes``, and answers
# the question "yes" for plain clothes. A card without it is never asked and is always "uniform".
PLAIN_CLOTHES_KEY = "plain_clothes"


def asks_attire(card: RateCard) -> bool:
    return card.screening_question(PLAIN_CLOTHES_KEY) is not None

STEP_FIELDS = {
    "location": ("site_name", "street", "city", "state", "zip_code"),
    "work": ("job_type", "venue_kind", "attendance", "screening", "plain_clothes"),
    "shifts": ("schedule", "priority", "offered_rates", "shift_rows"),
    "orders": ("instructions", "contact_name", "contact_phone"),
}
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
_SHIFT_ROW_FIELDS = ("date", "start", "end", "end_date", "officers", "vehicles")


# -- draft data --------------------------------------------------------------------------------
def empty_data(agency_slug: str = "") -> DraftData:
    return {
        "agency": agency_slug, "site_name": "", "street": "", "city": "", "state": "", "zip_code": "",
        "job_type": None, "venue_kind": None, "attendance": None, "screening": {}, "plain_clothes": False,
        "schedule": None, "priority": None, "offered_rates": {}, "shift_rows": [],
        "instructions": "", "contact_name": "", "contact_phone": "",
    }


def draft_data(booking: Booking) -> DraftData:
    data = empty_data(booking.agency.slug)
    for names in STEP_FIELDS.values():
        for name in names:
            value = getattr(booking, name)
            data[name] = dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
    return data


def apply_shift_formdata(card: RateCard, formdata, data: DraftData) -> None:
    """Copy the shifts step's submitted text into the draft data (as entered: drafts may be half done)."""
    data["shift_rows"] = quote_forms.rows_of(formdata)
    data["schedule"] = (formdata.get("schedule") or None) if len(card.schedules) > 1 else None
    data["priority"] = formdata.get("priority") or None
    data["offered_rates"] = {
        r.key: str(formdata.get(f"offered_{r.key}", "")).strip()[:12]
        for r in card.ranks
        if card.rates_are_minimums and str(formdata.get(f"offered_{r.key}", "")).strip()
    }


def shift_formdata(card: RateCard, data: DraftData) -> MultiDict:
    """The shifts form's fields from draft data (to bind ``quote_forms``' form again)."""
    out = MultiDict()
    if data.get("schedule"):
        out.add("schedule", data["schedule"])
    if data.get("priority"):
        out.add("priority", data["priority"])
    for rank, value in (data.get("offered_rates") or {}).items():
        out.add(f"offered_{rank}", value)
    return quote_forms.with_rows(out, data.get("shift_rows") or [{}])


def save_step(booking: Booking, step: str, data: DraftData, *, advance_to: str | None = None) -> None:
    """Store one step's data on a draft, and how far the employer has got."""
    if not booking.is_draft:
        raise TransitionError(booking.status, "edit")
    if step == "location" and data.get("agency") and data["agency"] != booking.agency.slug:
        found = agency_by_slug(data["agency"])
        if found is not None:
            booking.agency = found[0]
    for name in STEP_FIELDS.get(step, ()):
        setattr(booking, name, data[name])
    if advance_to and STEPS.index(advance_to) > STEPS.index(booking.step):
        booking.step = advance_to
    db.session.commit()


def _reference() -> str:
    while True:
        ref = "DD-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Booking.id).where(Booking.reference == ref)) is None:
            return ref


def create_draft(user: User, agency: Agency, data: DraftData, *, step: str = "location") -> Booking:
    """A new draft for the user's organisation, holding whatever ``data`` already says."""
    booking = Booking(
        reference=_reference(), organisation_id=user.organisation_id, created_by_id=user.id, agency=agency,
        status=BookingStatus.DRAFT, step=step,
    )
    for names in STEP_FIELDS.values():
        for name in names:
            setattr(booking, name, data[name])
    db.session.add(booking)
    db.session.commit()
    return booking


def discard_draft(booking: Booking, user: User) -> None:
    """Throw a draft away. Only a draft: a discard racing a submission finds the booking submitted and
    raises TransitionError, leaving the submission alone."""
    lifecycle.apply(booking, Action.DISCARD, actor=user, note="Draft discarded by the employer.")
    db.session.commit()


# -- pricing -----------------------------------------------------------------------------------
def request_extra(card: RateCard, data: DraftData) -> dict[str, Any]:
    """The request fields the steps other than shifts collected (location, screening, venue)."""
    extra: dict[str, Any] = {}
    location = {"city": data.get("city") or "", "state": data.get("state") or "", "zip": data.get("zip_code") or ""}
    if any(location.values()):
        extra["location"] = location
    answers = {k: True for k, v in (data.get("screening") or {}).items() if v and card.screening_question(k)}
    if data.get("plain_clothes") and asks_attire(card):
        answers[PLAIN_CLOTHES_KEY] = True
    if answers:
        extra["screening"] = answers
    venue: dict[str, Any] = {}
    if data.get("venue_kind") and card.staffing is not None and card.staffing.venue(data["venue_kind"]):
        venue["kind"] = data["venue_kind"]
    if isinstance(data.get("attendance"), int) and data["attendance"] >= 0:
        venue["attendance"] = data["attendance"]
    if venue:
        extra["venue"] = venue
    return extra


def shift_extra(card: RateCard, data: DraftData) -> dict[str, Any] | None:
    job_type = data.get("job_type")
    return {"job_type": job_type} if job_type and card.job_type(job_type) else None


def price(card: RateCard, data: DraftData, *, now: datetime) -> quote_forms.Preview:
    """The draft priced exactly as the API and submission price it. Nothing is written."""
    return quote_forms.preview(
        card.slug, card, shift_formdata(card, data), now=now, extra=request_extra(card, data),
        shift_extra=shift_extra(card, data),
    )


@dataclass
class Advice:
    """What the agency's rules say about the answers so far, before any shift is priced."""

    blocks: list[dict[str, str]] = field(default_factory=list)
    approvals: list[dict[str, str]] = field(default_factory=list)
    notices: list[dict[str, str]] = field(default_factory=list)
    recommendation: dict[str, Any] | None = None

    @property
    def empty(self) -> bool:
        return not (self.blocks or self.approvals or self.notices or self.recommendation)


def advice(card: RateCard, data: DraftData, *, now: datetime, location_only: bool = False) -> Advice:
    """Jurisdiction and screening outcomes, from the engine's own screening rules."""
    extra = request_extra(card, data)
    loc = extra.get("location")
    venue = extra.get("venue", {})
    request = QuoteRequest(
        agency=card.slug, schedule=card.default_schedule.key, submitted_at=now.astimezone(card.zone), shifts=(),
        location=Location(loc["city"], loc["state"], loc["zip"]) if loc else None,
        screening=frozenset() if location_only else frozenset(extra.get("screening", {})),
        venue_kind=None if location_only else venue.get("kind"),
        attendance=None if location_only else venue.get("attendance"),
    )
    screened = screen(request, card)
    approval_codes = {a.code for a in screened.approvals}
    rec = None if location_only else recommend(card, request.venue_kind, request.attendance)
    return Advice(
        blocks=[n.to_dict() for n in screened.blocks],
        approvals=[a.to_dict() for a in screened.approvals],
        notices=[n.to_dict() for n in screened.notices
                 if n.code not in approval_codes and not (location_only and n.code == "location_unchecked")],
        recommendation=rec.to_dict() if rec else None,
    )


def location_warning(card: RateCard, data: DraftData) -> dict[str, str] | None:
    """A warning when the address is outside the agency's own city, for a card that does not restrict its
    officers to it (a card that does blocks such a request: ``advice``); None inside, or while incomplete."""
    j = card.jurisdiction
    city, state = " ".join((data.get("city") or "").split()), (data.get("state") or "").strip()
    if j is None or j.restrict or not (city and state):
        return None
    if city.casefold() == j.city.casefold() and state.casefold() in {s.casefold() for s in (j.state, *j.state_names)}:
        return None
    return {"code": "outside_city", "source": j.source,
            "message": f"{card.short_name} is the police department of {j.city}, {j.state}, and this address is in "
                       f"{city}, {state}. Check the address: {card.short_name} decides whether it works outside "
                       f"{j.city} when it reviews the request."}
