"""The request wizard's step forms. The shifts step is ``portal.quote_forms``' form for the card.

Each form reads and writes the draft's plain data (``portal.bookings.drafts.DraftData`` keys), so
the same class validates a step submit, binds the live preview, and re-validates at submission.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from portal.bookings.drafts import PLAIN_CLOTHES_KEY, asks_attire
from portal.forms import STATE_CHOICES, WholeNumberField, phone_number, strip, us_zip
from portal.pricing import RateCard
from portal.pricing.request import MAX_ATTENDANCE

_required = DataRequired(message="This field is required.")


class LocationForm(FlaskForm):
    agency = SelectField("Agency", [_required], choices=[], default="")
    site_name = StringField("Site or event name", [_required, Length(max=200)], filters=[strip])
    street = StringField("Street address", [_required, Length(max=200)], filters=[strip])
    city = StringField("City", [_required, Length(max=120)], filters=[strip])
    state = SelectField("State", [_required], choices=STATE_CHOICES, default="")
    zip_code = StringField("ZIP code", [_required, us_zip], filters=[strip])

    FIELDS = ("agency", "site_name", "street", "city", "state", "zip_code")

    def apply(self, data: dict[str, Any]) -> None:
        """Copy what the form says into the draft data (also when it does not validate: previews)."""
        for name in self.FIELDS:
            value = self[name].data
            data[name] = value.strip() if isinstance(value, str) else ""
        data["state"] = data["state"].upper()[:2]
        data["zip_code"] = data["zip_code"][:10]


def work_form_class(card: RateCard) -> type[FlaskForm]:
    """The venue-and-work form for a card: its job types, venue kinds and screening questions."""
    cls = card._cache.get("portal.work_form")
    if cls is None:
        cls = card._cache["portal.work_form"] = _build_work_form(card)
    return cls


def screening_questions(card: RateCard):
    """The card's yes/no questions the wizard asks as checkboxes (attire has its own choice)."""
    return [q for q in card.screening if q.key != PLAIN_CLOTHES_KEY]


def _build_work_form(card: RateCard) -> type[FlaskForm]:
    jobs = card.job_types
    venues = card.staffing.venues if card.staffing else ()

    class WorkForm(FlaskForm):
        job_type = SelectField(
            "Kind of work",
            [_required],
            default="",
            choices=[SelectChoice("", "Choose the kind of work"), *(SelectChoice(j.key, j.label) for j in jobs)],
        )
        attendance = WholeNumberField(
            "Expected attendance",
            [Optional(), NumberRange(0, MAX_ATTENDANCE, f"Enter a number from 0 to {MAX_ATTENDANCE:,}.")],
            description="How many people you expect at the busiest time. Leave empty if it does not apply.",
            render_kw={"min": 0, "inputmode": "numeric"},
        )

        def apply(self, data: dict[str, Any]) -> None:
            data["job_type"] = self.job_type.data or None
            data["venue_kind"] = (self.venue_kind.data or None) if hasattr(self, "venue_kind") else None
            data["attendance"] = self.attendance.data if isinstance(self.attendance.data, int) else None
            data["plain_clothes"] = hasattr(self, "attire") and self.attire.data == "plain"
            data["screening"] = {q.key: bool(self[f"q_{q.key}"].data) for q in screening_questions(card)}

    if card.staffing is not None:
        WorkForm.venue_kind = SelectField(
            "Venue",
            default="",
            choices=[SelectChoice("", "Not one of these"), *(SelectChoice(v.key, v.label) for v in venues)],
            description=f"{card.short_name} recommends a staffing level for these venues.",
        )
    if asks_attire(card):  # only a card with the plain_clothes screening question (see PLAIN_CLOTHES_KEY)
        WorkForm.attire = RadioField(
            "What officers wear",
            [InputRequired("Choose uniform or plain clothes.")],
            choices=[SelectChoice("uniform", "Uniform"), SelectChoice("plain", "Plain clothes")],
            default="uniform",
            description=card.screening_question(PLAIN_CLOTHES_KEY).help,
        )
    for q in screening_questions(card):
        setattr(WorkForm, f"q_{q.key}", BooleanField(q.question, description=q.help))
    return WorkForm


def work_formdata(card: RateCard, data: dict[str, Any]) -> dict[str, Any]:
    """The work form's fields from draft data (to bind it again)."""
    out: dict[str, Any] = {
        "job_type": data.get("job_type") or "",
        "venue_kind": data.get("venue_kind") or "",
        "attendance": "" if data.get("attendance") is None else str(data["attendance"]),
    }
    if asks_attire(card):
        out["attire"] = "plain" if data.get("plain_clothes") else "uniform"
    for q in screening_questions(card):
        if (data.get("screening") or {}).get(q.key):
            out[f"q_{q.key}"] = "y"
    return out


class OrdersForm(FlaskForm):
    instructions = TextAreaField(
        "Instructions for the officers",
        [_required, Length(max=5000, message="Keep the instructions under 5,000 characters.")],
        description="Where to report, what to watch, who to call, parking, radio channel.",
        filters=[strip],
        render_kw={"rows": 7},
    )
    contact_name = StringField("On-site contact", [_required, Length(max=120)], filters=[strip])
    contact_phone = TelField("Contact phone", [_required, phone_number], filters=[strip])

    FIELDS = ("instructions", "contact_name", "contact_phone")
    # What a draft keeps of unchecked text (an upload saves the fields as typed): the columns' sizes
    # for the contact, and room to spare over the 5,000-character limit the step checks.
    DRAFT_LIMITS: ClassVar[dict[str, int]] = {"instructions": 20_000, "contact_name": 120, "contact_phone": 32}

    def apply(self, data: dict[str, Any]) -> None:
        for name in self.FIELDS:
            data[name] = (self[name].data or "").strip()

    def apply_draft(self, data: dict[str, Any]) -> None:
        """Copy the text as typed, valid or not (a draft may be half done), cut to what the draft keeps."""
        for name in self.FIELDS:
            data[name] = str(self[name].data or "").strip()[: self.DRAFT_LIMITS[name]]


class UploadForm(FlaskForm):
    attachment = FileField(
        "Add a file", description="PDF, PNG, JPEG, GIF or WebP, up to 5 MB each.",
        render_kw={"form": "step-form"},  # part of the orders step's form: an upload saves the typed text too
    )


_STRIPE_ID = r"^[A-Za-z0-9_]{3,255}$"


class PayForm(FlaskForm):
    """Pay (or retry) with the saved card, or with the card Stripe.js just confirmed (``setup_intent``)."""

    setup_intent = HiddenField(validators=[Optional(), Regexp(_STRIPE_ID, message="The card was not confirmed.")])
    card = RadioField("Pay with", default="saved", validators=[Optional()],
                      choices=[SelectChoice("saved", "The saved card"), SelectChoice("new", "Another card")])


class ReviewForm(PayForm):
    """The review step's submit: the confirmation, and the card for the deposit (see ``PayForm``)."""

    accept = BooleanField(
        "I confirm these details and accept the agency's cancellation terms shown in the quote.",
        [DataRequired("Tick the box to confirm the request.")],
    )


class DiscardForm(FlaskForm):
    """CSRF only: discard a draft."""


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason (the employer sees it)", [_required, Length(max=400)], filters=[strip],
                           render_kw={"rows": 3})


class ApprovalRecordForm(FlaskForm):
    code = HiddenField(validators=[_required, Length(max=64)])
    approved_by = StringField("Approved by (name and rank)", [_required, Length(max=120)], filters=[strip])
    note = StringField("Note (optional)", [Optional(), Length(max=400)], filters=[strip])


class CancelForm(FlaskForm):
    """What to cancel: the whole booking, one shift, or fewer positions on one shift (``remove_<rank>``
    fields, read by the view), and the fee the employer saw (confirmed only if it still applies)."""

    scope = RadioField("Cancel", default="booking", choices=[
        SelectChoice("booking", "The whole booking"), SelectChoice("shift", "One shift"),
        SelectChoice("reduce", "Fewer officers on one shift")])
    shift = IntegerField("Shift", validators=[Optional(), NumberRange(min=1, max=10_000)])
    confirmed_fee = IntegerField(validators=[Optional(), NumberRange(min=0, max=10**12)])
