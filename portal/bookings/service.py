"""The booking service: drafts, step data, pricing a draft, attachments, submission, status changes.

Views call these; they never price, change a status or touch the upload folder themselves.
A draft's data travels as a plain dict (``DraftData``: the Booking's step columns plus the agency
slug), so a step's form can overlay unsaved input for the live preview without writing anything.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any

from flask import abort, current_app
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict

from portal import accounts, cards, quote_forms
from portal.bookings import states
from portal.extensions import db
from portal.formatting import money
from portal.models import (
    Agency,
    ApprovalStatus,
    Attachment,
    Booking,
    BookingEvent,
    BookingShift,
    BookingStatus,
    Organisation,
    RateCardVersion,
    User,
)
from portal.models.bookings import STEPS
from portal.models.types import utcnow
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


# -- ownership -------------------------------------------------------------------------------
def get_booking_for(user: User, booking_id: int) -> Booking:
    """The booking if it belongs to the user's organisation; 404 otherwise (never 403: no probing)."""
    booking = None
    if user.is_authenticated and user.organisation_id is not None:
        booking = db.session.scalar(
            select(Booking).where(Booking.id == booking_id, Booking.organisation_id == user.organisation_id)
        )
    if booking is None:
        abort(404)
    return booking


def bookings_of(user: User) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.organisation_id == user.organisation_id, Booking.status != BookingStatus.CANCELLED)
            .order_by(Booking.updated_at.desc(), Booking.id.desc())
        )
    )


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
        abort(404)
    return version, cards.card_of(version)


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
        raise states.TransitionError("a submitted booking is not edited through the wizard")
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
    transition(booking, BookingStatus.CANCELLED, actor=user, note="Draft discarded by the employer.")
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


# -- submission --------------------------------------------------------------------------------
@dataclass
class Problem:
    step: str  # the wizard step that fixes it; "" when no step can (the agency declined the employer)
    message: str


def refusal(organisation: Organisation | None, agency: Agency) -> str | None:
    """Why the agency takes no requests from the organisation (it denied or suspended it), or None."""
    approval = organisation.approval_for(agency) if organisation is not None else None
    if approval is None:
        return None
    if approval.status == ApprovalStatus.DENIED:
        return f"{agency.short_name} has declined to work with {organisation.legal_name}."
    if approval.status == ApprovalStatus.SUSPENDED:
        return f"{agency.short_name} has suspended its work with {organisation.legal_name}."
    return None


class SubmitRefused(Exception):
    def __init__(self, problems: list[Problem], result=None):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.result = result  # the draft as check_draft priced it, for the review page to show


def check_draft(booking: Booking, card: RateCard, *, now: datetime) -> tuple[list[Problem], Any]:
    """Re-validate every step from the stored data, with the same forms; price with the current card."""
    from portal.employer import forms

    data = draft_data(booking)
    problems: list[Problem] = []
    refused = refusal(booking.organisation, booking.agency)
    if refused:
        problems.append(Problem("", f"{refused} It takes no requests from your organisation."))

    def form_problems(step: str, form) -> None:
        form.validate()
        for name, messages in form.errors.items():
            label = getattr(getattr(form, name, None), "label", None)
            for message in messages if isinstance(messages, list) else [messages]:
                problems.append(Problem(step, f"{label.text if label else name}: {message}"))

    location = forms.LocationForm(
        formdata=MultiDict({k: data[k] or "" for k in forms.LocationForm.FIELDS}), meta={"csrf": False}
    )
    location.agency.choices = [(booking.agency.slug, booking.agency.name)]
    form_problems("location", location)
    for block in advice(card, data, now=now, location_only=True).blocks:
        problems.append(Problem("location", block["message"]))
    work = forms.work_form_class(card)(formdata=MultiDict(forms.work_formdata(card, data)), meta={"csrf": False})
    form_problems("work", work)
    orders = forms.OrdersForm(
        formdata=MultiDict({k: data[k] or "" for k in forms.OrdersForm.FIELDS}), meta={"csrf": False}
    )
    form_problems("orders", orders)

    result = price(card, data, now=now)
    if result.quote is None:
        for message in result.missing + result.problems:
            problems.append(Problem("shifts", message))
        for messages in result.field_errors.values():
            problems.extend(Problem("shifts", m) for m in messages)
    else:
        for block in result.quote["blocks"]:
            problems.append(Problem("shifts", f"{card.short_name} will not take this request: {block['message']}"))
    return problems, result


def submit(booking: Booking, user: User, *, now: datetime) -> bool:
    """Submit a draft: re-validate, re-price with the current card at ``now``, freeze the quote.

    Returns False when the booking was already submitted (a second click: nothing happens).
    Raises SubmitRefused listing what to fix. The client never sends a price.
    """
    locked = _lock(booking.id)
    if locked.status != BookingStatus.DRAFT:
        db.session.rollback()
        return False
    version, card = card_for(locked)
    problems, result = check_draft(locked, card, now=now)
    if problems:
        db.session.rollback()
        raise SubmitRefused(problems, result)
    q = result.quote
    locked.shifts.clear()
    for i, (requested, quoted) in enumerate(zip(result.body["shifts"], q["shifts"], strict=True)):
        starts_at, ends_at = datetime.fromisoformat(quoted["start"]), datetime.fromisoformat(quoted["end"])
        local_start, local_end = datetime.fromisoformat(requested["start"]), datetime.fromisoformat(requested["end"])
        locked.shifts.append(BookingShift(
            position=i, local_date=local_start.date(), local_start=local_start.time(),
            local_end=local_end.time(), local_end_date=ends_at.date(),
            starts_at=starts_at, ends_at=ends_at, requested=dict(requested["positions"]),
            positions=dict(quoted["positions"]), vehicles=quoted["vehicles"], job_type=quoted["job_type"],
            total_cents=quoted["total_cents"],
        ))
    locked.quote = q
    locked.rate_card_version_id = version.id
    locked.total_cents = q["total_cents"]
    locked.deposit_cents = q["deposit_cents"]
    locked.submitted_at = now
    locked.step = "review"
    transition(locked, BookingStatus.AWAITING_DEPOSIT, actor=user,
               note=f"Submitted with a quote of {money(q['total_cents'])} on rate card version {version.version}.")
    db.session.commit()
    approval = user.organisation.approval_for(locked.agency) if user.organisation else None
    if approval is None:
        accounts.request_approval(user, locked.agency)  # the agency now sees the organisation pending
    return True


def needs_employer_review(booking: Booking, user: User) -> bool:
    approval = user.organisation.approval_for(booking.agency) if user.organisation else None
    return approval is None or approval.status != ApprovalStatus.APPROVED


# -- status changes ----------------------------------------------------------------------------
def _lock(booking_id: int) -> Booking:
    return db.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update().execution_options(populate_existing=True)
    )


def transition(booking: Booking, to: BookingStatus, *, actor: User | None, note: str = "") -> BookingEvent:
    """The one way a booking's status changes: checked against the table, row locked, event appended.

    The update is guarded by the status read under the lock, so two racing requests cannot both
    apply it (the loser gets TransitionError). The caller commits.
    """
    locked = _lock(booking.id)
    current = locked.status
    states.check(current, to)
    result = db.session.execute(
        update(Booking).where(Booking.id == locked.id, Booking.status == current).values(status=to)
    )
    if result.rowcount != 1:
        raise states.TransitionError("the booking changed meanwhile")
    event = BookingEvent(booking=locked, actor_id=actor.id if actor else None, from_status=current,
                         to_status=str(to), note=note[:500])
    db.session.add(event)
    return event


# -- attachments -------------------------------------------------------------------------------
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 10
_EXTENSIONS = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "gif": "image/gif", "webp": "image/webp",
}
_LABELS = {"application/pdf": "a PDF", "image/png": "a PNG image", "image/jpeg": "a JPEG image",
           "image/gif": "a GIF image", "image/webp": "a WebP image"}


class AttachmentError(ValueError):
    pass


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes prove, or None."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "bookings"
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_attachment(booking: Booking, user: User, upload: FileStorage | None) -> Attachment:
    """Store a checked file on a draft. The limit of MAX_ATTACHMENTS holds under parallel uploads: the
    files are counted after the booking row is written (see below), and the new one is added in the same
    transaction."""
    if not booking.is_draft:
        raise AttachmentError("Files can be added while the request is a draft.")
    if upload is None or not upload.filename:
        raise AttachmentError("Choose a file to attach.")
    if len(booking.attachments) >= MAX_ATTACHMENTS:
        raise AttachmentError(f"A request holds at most {MAX_ATTACHMENTS} files; remove one first.")
    ext = PurePath(upload.filename.replace("\\", "/")).suffix.lower().lstrip(".")
    expected = _EXTENSIONS.get(ext)
    if expected is None:
        raise AttachmentError("Attach a PDF or an image (PNG, JPEG, GIF or WebP).")
    content = upload.stream.read(MAX_ATTACHMENT_BYTES + 1)
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError(f"The file is larger than {_size(MAX_ATTACHMENT_BYTES)}. Please attach a smaller file.")
    if not content:
        raise AttachmentError("The file is empty.")
    actual = sniff(content[:16])
    if actual != expected:
        raise AttachmentError(f"The file is named .{ext} but its content is not {_LABELS[expected]}.")
    name = display_name(upload.filename, ext)
    # Writing the booking row first (its updated_at) locks it until commit, on both databases: PostgreSQL
    # holds the row lock, SQLite the one writer's lock (pysqlite starts the transaction at the first write,
    # so a SELECT ... FOR UPDATE would lock nothing there). A parallel upload waits here, then counts what
    # this one committed; without the lock, 20 parallel uploads to a draft with 9 files stored 11 to 21.
    draft = (Booking.id == booking.id) & (Booking.status == BookingStatus.DRAFT)
    if db.session.execute(update(Booking).where(draft).values(updated_at=utcnow())).rowcount != 1:
        db.session.rollback()
        raise AttachmentError("Files can be added while the request is a draft.")
    count = select(func.count(Attachment.id)).where(Attachment.booking_id == booking.id)
    if db.session.scalar(count) >= MAX_ATTACHMENTS:
        db.session.rollback()
        raise AttachmentError(f"A request holds at most {MAX_ATTACHMENTS} files; remove one first.")
    stored = secrets.token_hex(16)
    path = upload_dir() / stored
    with open(path, "xb") as out:
        out.write(content)
    path.chmod(0o600)
    attachment = Attachment(
        booking=booking, original_name=name, stored_name=stored, content_type=actual, size_bytes=len(content),
        uploaded_by_id=user.id,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment


def display_name(filename: str, ext: str) -> str:
    """The name to show and download a file under: the employer's own, in any script (план.pdf, 地图.pdf),
    without folders, control or formatting characters, at most 120 characters; else ``attachment.<ext>``.

    It is only ever shown (escaped) and sent as the download name: the file is stored under a random name.
    """
    name = unicodedata.normalize("NFC", PurePath(filename.replace("\\", "/")).name)
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    stem = " ".join(name[: -len(ext) - 1].split()).strip(" .")[:120 - len(ext) - 1]
    return f"{stem}.{ext}" if stem else f"attachment.{ext}"


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def attachment_path(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name


def get_attachment(booking: Booking, attachment_id: int) -> Attachment:
    found = next((a for a in booking.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    return found


def remove_attachment(booking: Booking, attachment: Attachment) -> None:
    if not booking.is_draft:
        raise AttachmentError("Files can be removed while the request is a draft.")
    path = attachment_path(attachment)
    db.session.delete(attachment)
    db.session.commit()
    path.unlink(missing_ok=True)

