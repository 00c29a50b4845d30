"""The employer's side: dashboard ("My requests"), approvals by agencies, and the request wizard.

The wizard is five steps at ``/employer/requests/<id>/<step>``. Each step URL answers GET (the
form, filled from the draft) and POST (validate, save the draft, go on; 422 with the messages
beside the fields when something is wrong). With ``HX-Request`` the same URL returns only the
``wizard`` block of the page; ``.../preview`` binds the step's form class to what the employer has
typed so far and returns the live panel (200, never writes). Without JavaScript every step is a
plain form post and a full page.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from jinja2_fragments.flask import render_block
from werkzeug.datastructures import MultiDict

from portal import accounts, clock, formatting, pagecache, payments, quote_forms
from portal.access import restrict_blueprint
from portal.bookings import attachments, drafts, forms, queries, submission
from portal.bookings.states import TransitionError
from portal.extensions import db
from portal.htmx import is_fragment, see_other
from portal.models import Agency, Booking, BookingStatus, Role
from portal.models.bookings import STEP_LABELS, STEPS
from portal.pricing.validate import SLUG_RE

bp = Blueprint("employer", __name__, url_prefix="/employer")
restrict_blueprint(bp, Role.EMPLOYER)

WIZARD = "employer/wizard.html"


def _now() -> datetime:
    return clock.now()


@bp.get("/")
@pagecache.cached(lambda: [f"org:{current_user.organisation_id}"])
def dashboard():
    """My bookings: drafts, upcoming and past bookings (each list paged), and the agencies' reviews."""
    agencies = db.session.scalars(db.select(Agency).order_by(Agency.name)).all()
    organisation = current_user.organisation
    rows = []
    for agency in agencies:  # each agency's review of the organisation: status, and its background check if any
        approval, required = organisation.approval_for(agency), accounts.background_check_required(agency)
        rows.append((agency, approval, accounts.check_standing(approval, required=required) if approval else None,
                     required))
    now = _now()
    upcoming = queries.employer_bookings(current_user, past=False, now=now, page=_page_arg("upcoming"))
    past = queries.employer_bookings(current_user, past=True, now=now, page=_page_arg("past"))
    return render_template(
        "employer/dashboard.html", organisation=organisation, rows=rows, drafts=queries.drafts_of(current_user),
        upcoming=upcoming, past=past, now=now, step_labels=STEP_LABELS, discard_form=forms.DiscardForm(),
        next_shifts=queries.next_shifts([row[0].id for row in upcoming.rows], now),
    )


def _page_arg(name: str) -> int:
    text = request.args.get(name, "1")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else 1


@bp.post("/agencies/<slug>/approval")
def request_approval(slug: str):
    if not SLUG_RE.fullmatch(slug):
        abort(404)
    agency = db.first_or_404(db.select(Agency).where(Agency.slug == slug))
    accounts.request_approval(current_user, agency)
    flash(f"{agency.name} will review your organisation. We'll show the decision here.", "success")
    return redirect(url_for("employer.dashboard"))


# -- rendering ---------------------------------------------------------------------------------
def _respond(html: str, status: int = 200, *, push: str | None = None) -> Response:
    response = make_response(html, status)
    if is_fragment():
        response.headers["HX-Push-Url"] = push or "false"
    return response


def _page(status: int = 200, *, push: str | None = None, **ctx) -> Response:
    """The wizard page, or only its ``wizard`` block for htmx."""
    if is_fragment():
        return _respond(render_block(WIZARD, "wizard", fragment=True, **ctx), status, push=push)
    return _respond(render_template(WIZARD, **ctx), status)


def _context(step: str, *, booking: Booking | None, card, data: dict, form, now: datetime, **extra) -> dict:
    """Everything the wizard template needs: the step's form, the live panel and the advice box."""
    result = extra.pop("priced", None)
    if step == "review" and booking is not None and card is not None and result is None and "problems" not in extra:
        # the review shows what check_draft finds and the quote it priced: the draft is priced once
        extra["problems"], result = submission.check_draft(booking, card, now=now)
    if result is not None:  # the step already priced the draft (and marked its form)
        advice = drafts.advice(card, data, now=now)
    elif card is not None:
        result = drafts.price(card, data, now=now)
        advice = drafts.advice(card, data, now=now, location_only=step == "location")
    else:
        result, advice = None, drafts.Advice()
    if booking is not None:
        step_url = url_for("employer.step", booking_id=booking.id, step=step)
        preview_url = url_for("employer.preview", booking_id=booking.id, step=step)
        reached = STEPS.index(booking.step)
    else:
        step_url, preview_url, reached = url_for("employer.new_request"), url_for("employer.new_preview"), 0
    ctx = {
        "step": step, "steps": STEPS, "step_labels": STEP_LABELS, "reached": reached, "booking": booking,
        "card": card, "data": data, "form": form, "preview": result, "advice": advice,
        "step_url": step_url, "preview_url": preview_url,
        "screening_questions": forms.screening_questions(card) if card else [],
    }
    if step == "location" and card is not None:  # beside the address: the agency's jurisdiction, block or warning
        blocks = [b for b in advice.blocks if b["code"] == "outside_jurisdiction"]
        ctx["location_check"] = {**blocks[0], "block": True} if blocks else drafts.location_warning(card, data)
    ctx.update(extra)
    if step == "orders" and booking is not None:
        ctx.setdefault("upload_form", forms.UploadForm())
    if step == "review" and booking is not None and card is not None:
        ctx["employer_review"] = (submission.needs_employer_review(booking, current_user), card.employer_review)
        ctx["approval"] = current_user.organisation.approval_for(booking.agency)
        ctx["refusal"] = submission.refusal(current_user.organisation, booking.agency)
        ctx.setdefault("review_form", forms.ReviewForm())
        ctx["payments_enabled"] = payments.client.enabled()
        org = current_user.organisation
        ctx["saved_card"] = org.card_label if org.payment_method_id else ""
        ctx["asks_attire"] = drafts.asks_attire(card)
        ctx["screening_yes"] = [k for k, v in (data.get("screening") or {}).items() if v]
        ctx["job_label"] = next((j.label for j in card.job_types if j.key == data.get("job_type")), "")
        ctx["venue_label"] = next(
            (v.label for v in (card.staffing.venues if card.staffing else ()) if v.key == data.get("venue_kind")), ""
        )
    return ctx


def _agency_choices() -> list[tuple[str, str]]:
    """For a location form that is rendered or validated (a preview needs neither: it skips the query)."""
    return [("", "Choose an agency"), *queries.bookable_agencies()]


def _location_form(data: dict | None = None) -> forms.LocationForm:
    if data is None:
        form = forms.LocationForm()
    else:
        form = forms.LocationForm(formdata=MultiDict({k: data.get(k) or "" for k in forms.LocationForm.FIELDS}))
    form.agency.choices = _agency_choices()
    return form


def _card_of_slug(slug: str | None):
    found = queries.agency_by_slug(slug)
    if found is None:
        return None, None
    from portal import cards

    return found[0], cards.card_of(found[1])


def _jurisdiction_errors(form: forms.LocationForm, card, data: dict, now: datetime) -> bool:
    blocks = drafts.advice(card, data, now=now, location_only=True).blocks
    for block in blocks:
        source = f" (Source: {formatting.cited(block['source'], card)})" if block.get("source") else ""
        form.city.errors = [*form.city.errors, block["message"] + source]
    return bool(blocks)


# -- new request -------------------------------------------------------------------------------
_QUOTE_FIELD = re.compile(r"^(?:schedule|priority|offered_\w{1,40})$")


def _quote_fields(source) -> MultiDict:
    """The public quote's shift and rate fields in ``source`` (its link's query, or the location form's
    hidden copies of them), cleaned as ``quote_forms.rows_of`` cleans rows: to carry into a new draft."""
    rows = quote_forms.rows_of(source)
    others = MultiDict([(k, str(v)[:40]) for k, v in source.items(multi=True) if _QUOTE_FIELD.match(k)])
    if not rows and not others:
        return MultiDict()
    return quote_forms.with_rows(others, rows)


@bp.route("/requests/new", methods=["GET", "POST"])
def new_request():
    """The location step of a request that has no draft yet.

    The draft is created only when this form is posted (CSRF-checked). A GET writes nothing, also
    the public quote's "Request these officers" link (``?agency=<slug>&shifts-0-date=...``): it
    shows this step with the agency chosen and the quote's fields in hidden inputs, and the POST
    copies those shifts into the new draft.
    """
    now = _now()
    carried = _quote_fields(request.args if request.method == "GET" else request.form)
    if request.method == "GET":
        slug = request.args.get("agency")
        agency, card = _card_of_slug(slug) if slug else (None, None)
        if slug and card is None:
            flash("That agency does not take requests here. Choose one below.", "warning")
            return redirect(url_for("employer.new_request"))
        org = current_user.organisation
        data = drafts.empty_data(agency.slug if agency else "")
        data.update(site_name="", street=org.street, city=org.city, state=org.state, zip_code=org.zip_code)
        form = _location_form(data)
    else:
        form = _location_form()
        agency, card = _card_of_slug(form.agency.data)
        data = drafts.empty_data(form.agency.data or "")
        form.apply(data)
    if card is not None and carried:
        drafts.apply_shift_formdata(card, carried, data)
    if request.method == "POST" and form.validate() and card is not None \
            and not _jurisdiction_errors(form, card, data, now):
        booking = drafts.create_draft(current_user, agency, data, step="work")
        count = len(data["shift_rows"])
        if count:
            flash(f"We copied {count} shift{'s' if count != 1 else ''} from your quote into draft "
                  f"{booking.reference}. You will find {'them' if count != 1 else 'it'} at the Shifts step.",
                  "success")
        return redirect(url_for("employer.step", booking_id=booking.id, step="work"), 303)
    status = 422 if request.method == "POST" else 200
    ctx = _context("location", booking=None, card=card, data=data, form=form, now=now, carried=carried,
                   carried_shifts=len(quote_forms.rows_of(carried)))
    push = (request.full_path.rstrip("?") if status == 200 else None)
    return _page(status, push=push, **ctx)


@bp.post("/requests/new/preview")
def new_preview():
    form = forms.LocationForm(meta={"csrf": False})
    _, card = _card_of_slug(form.agency.data)
    data = drafts.empty_data(form.agency.data or "")
    form.apply(data)
    carried = _quote_fields(request.form)
    if card is not None and carried:
        drafts.apply_shift_formdata(card, carried, data)
    ctx = _context("location", booking=None, card=card, data=data, form=form, now=_now(), location_oob=True)
    return _respond(render_block(WIZARD, "live", **ctx))


# -- steps -------------------------------------------------------------------------------------
def _step_or_404(step: str) -> str:
    if step not in STEPS:
        abort(404)
    return step


@bp.route("/requests/<int:booking_id>/<step>", methods=["GET", "POST"])
def step(booking_id: int, step: str):
    booking = queries.get_booking_for(current_user, booking_id)
    step = _step_or_404(step)
    if step == "review" and request.method == "POST":
        # the review's form posts to the review's own address: a refused submission is shown there, an
        # address that opens the review again (``submit``'s older address stays for clients that use it)
        return submit(booking_id)
    if not booking.is_draft:
        return redirect(url_for("employer.booking", booking_id=booking.id), 303)
    if STEPS.index(step) > STEPS.index(booking.step):
        return redirect(url_for("employer.step", booking_id=booking.id, step=booking.step), 303)
    _, card = queries.card_for(booking)
    now = _now()
    data = drafts.draft_data(booking)
    here = url_for("employer.step", booking_id=booking.id, step=step)
    if request.method == "GET":
        ctx = _context(step, booking=booking, card=card, data=data, form=_bind_saved(step, card, data), now=now)
        return _page(push=here, **ctx)
    handler = {"location": _post_location, "work": _post_work, "shifts": _post_shifts, "orders": _post_orders}
    return handler[step](booking, card, data, now)


def _bind_saved(step: str, card, data: dict):
    if step == "location":
        return _location_form(data)
    if step == "work":
        return forms.work_form_class(card)(formdata=MultiDict(forms.work_formdata(card, data)))
    if step == "shifts":
        return quote_forms.bind(card, drafts.shift_formdata(card, data))
    if step == "orders":
        return forms.OrdersForm(formdata=MultiDict({k: data[k] or "" for k in forms.OrdersForm.FIELDS}))
    return forms.ReviewForm()


def _next(booking: Booking, step: str) -> Response:
    following = STEPS[STEPS.index(step) + 1]
    return redirect(url_for("employer.step", booking_id=booking.id, step=following), 303)


def _invalid(step: str, booking: Booking, card, data: dict, form, now: datetime, **extra) -> Response:
    ctx = _context(step, booking=booking, card=card, data=data, form=form, now=now, **extra)
    return _page(422, **ctx)


def _post_location(booking, card, data, now):
    form = _location_form()
    form.apply(data)
    _, new_card = _card_of_slug(form.agency.data)
    card = new_card or card
    if form.validate() and new_card is not None and not _jurisdiction_errors(form, card, data, now):
        drafts.save_step(booking, "location", data, advance_to="work")
        return _next(booking, "location")
    return _invalid("location", booking, card, data, form, now)


def _post_work(booking, card, data, now):
    form = forms.work_form_class(card)()
    form.apply(data)
    if form.validate():
        blocks = drafts.advice(card, data, now=now).blocks
        if not blocks:
            drafts.save_step(booking, "work", data, advance_to="shifts")
            return _next(booking, "work")
        return _invalid("work", booking, card, data, form, now, stop=blocks)
    return _invalid("work", booking, card, data, form, now)


def _post_shifts(booking, card, data, now):
    action = request.form.get("action", "next")
    if action != "next":
        formdata, errors = quote_forms.apply_row_action(request.form, action)
        drafts.apply_shift_formdata(card, formdata, data)
        drafts.save_step(booking, "shifts", data)
        form = quote_forms.bind(card, formdata)
        priced = drafts.price(card, data, now=now)
        quote_forms.apply_errors(form, priced.field_errors)
        loose = quote_forms.apply_errors(form, {k: v for k, v in errors.items() if k.startswith("shifts-")})
        ctx = _context(
            "shifts", booking=booking, card=card, data=data, form=form, now=now, priced=priced,
            problems=loose + errors.get("", []), repeat_errors=errors,
            repeat_values={k: v for k, v in formdata.items() if k.startswith("repeat_weeks-")} if errors else {},
        )
        return _page(422 if errors else 200, **ctx)
    read_rows = quote_forms.rows_of(request.form)
    rows = [r for r in read_rows if any(v.strip() for v in r.values())] or [{}]
    formdata = quote_forms.with_rows(request.form, rows)
    form = quote_forms.bind(card, formdata)
    drafts.apply_shift_formdata(card, formdata, data)
    result = drafts.price(card, data, now=now)
    errors = {**{name: [message] for name, message in result.needs.items()}, **result.field_errors}
    quote_forms.apply_errors(form, errors)
    problems = quote_forms.dropped_rows_message(read_rows) + result.problems
    if result.quote and result.quote["blocks"]:
        problems += [f"{card.short_name} will not take this request: {b['message']}" for b in result.quote["blocks"]]
    ok = bool(result.quote) and not errors and not problems
    drafts.save_step(booking, "shifts", data, advance_to="orders" if ok else None)
    if ok:
        return _next(booking, "shifts")
    return _invalid("shifts", booking, card, data, form, now, priced=result, problems=problems,
                    stop=(result.quote or {}).get("blocks"))


def _post_orders(booking, card, data, now):
    form = forms.OrdersForm()
    form.apply(data)
    upload_form = forms.UploadForm()
    if form.validate():
        if not _attach_chosen_file(booking, upload_form):  # a file chosen but not uploaded yet goes along
            drafts.save_step(booking, "orders", data)
            return _invalid("orders", booking, card, data, form, now, upload_form=upload_form)
        drafts.save_step(booking, "orders", data, advance_to="review")
        return _next(booking, "orders")
    return _invalid("orders", booking, card, data, form, now)


def _attach_chosen_file(booking: Booking, upload_form: forms.UploadForm) -> bool:
    """Attach the file chosen in the orders step, if any; False with the reason beside the field."""
    chosen = upload_form.attachment.data
    if chosen is None or not getattr(chosen, "filename", ""):
        return True
    try:
        attachments.add_attachment(booking, current_user, chosen)
    except attachments.AttachmentError as e:
        upload_form.attachment.errors = [str(e)]
        return False
    return True


def _save_orders_text(booking: Booking) -> None:
    """Uploading or removing a file posts the orders step's form: keep what was typed, checked or not.

    Nothing moves on: the step's own submit still checks the fields. A post without those fields
    (an older page) leaves the saved text alone.
    """
    if not booking.is_draft or not any(name in request.form for name in forms.OrdersForm.FIELDS):
        return
    data = drafts.draft_data(booking)
    forms.OrdersForm(meta={"csrf": False}).apply_draft(data)
    drafts.save_step(booking, "orders", data)


@bp.post("/requests/<int:booking_id>/<step>/preview")
def preview(booking_id: int, step: str):
    """The live panel for what the step's form says right now. Binds the step's form class; never writes."""
    booking = queries.get_booking_for(current_user, booking_id)
    step = _step_or_404(step)
    _, card = queries.card_for(booking)
    data = drafts.draft_data(booking)
    now = _now()
    if not booking.is_draft:
        form = None
    elif step == "location":
        form = forms.LocationForm(meta={"csrf": False})
        form.apply(data)
        _, new_card = _card_of_slug(form.agency.data)
        card = new_card or card
    elif step == "work":
        form = forms.work_form_class(card)(meta={"csrf": False})
        form.apply(data)
    elif step == "shifts":
        form = None
        drafts.apply_shift_formdata(card, request.form, data)
    elif step == "orders":
        form = forms.OrdersForm(meta={"csrf": False})
    else:
        form = None
    ctx = _context(step, booking=booking, card=card, data=data, form=form, now=now, problems=[],
                   location_oob=step == "location")
    return _respond(render_block(WIZARD, "live", **ctx))


def _flash_result(result: payments.actions.PayResult) -> None:
    category = {"paid": "success", "saved": "success", "already": "info", "requires_action": "warning",
                "in_progress": "info"}.get(result.outcome, "error")
    if result.message:
        flash(result.message, category)


def _setup_intent(form: forms.PayForm) -> str | None:
    """The card just confirmed in the browser, unless the employer chose the saved card."""
    if form.card.data == "saved" and current_user.organisation.payment_method_id:
        return None
    return form.setup_intent.data or None



# -- submit, status page, discard ------------------------------------------------------------------
@bp.post("/requests/<int:booking_id>/submit")
def submit(booking_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    if not booking.is_draft:
        flash(f"Request {booking.reference} was already submitted.", "info")
        return redirect(url_for("employer.booking", booking_id=booking.id), 303)
    if STEPS.index(booking.step) < STEPS.index("review"):
        return redirect(url_for("employer.step", booking_id=booking.id, step=booking.step), 303)
    _, card = queries.card_for(booking)
    now = _now()
    form = forms.ReviewForm()
    if not form.validate():
        ctx = _context("review", booking=booking, card=card, data=drafts.draft_data(booking), form=form, now=now,
                       review_form=form)
        return _page(422, **ctx)
    try:
        done = submission.submit(booking, current_user, now=now)
    except submission.SubmitRefused as refused:
        ctx = _context("review", booking=booking, card=card, data=drafts.draft_data(booking), form=form, now=now,
                       review_form=form, problems=refused.problems, priced=refused.result)
        return _page(422, **ctx)
    booking = queries.get_booking_for(current_user, booking_id)
    if booking.status == BookingStatus.CANCELLED:  # discarded in another tab before this submission
        flash(f"Draft {booking.reference} was discarded, so it was not submitted.", "info")
        return see_other(url_for("employer.dashboard"))
    if done:
        flash(f"Request {booking.reference} was sent to {booking.agency.short_name}. Next: the deposit, then the "
              "agency's review.", "success")
    if booking.status == BookingStatus.AWAITING_DEPOSIT and payments.client.enabled() and (
            form.setup_intent.data or current_user.organisation.payment_method_id):
        # the deposit, with the card just confirmed or the saved one (also for a second click or another
        # tab: the payment is started once, and a repeat only finds it)
        _flash_result(payments.actions.pay_deposit(booking, current_user, setup_intent_id=_setup_intent(form)))
    elif not done:
        flash(f"Request {booking.reference} was already submitted.", "info")
    return see_other(url_for("employer.booking", booking_id=booking.id))


@bp.post("/requests/<int:booking_id>/discard")
def discard(booking_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    if forms.DiscardForm().validate():
        try:
            drafts.discard_draft(booking, current_user)
        except TransitionError:  # submitted meanwhile (another tab): the submission stands
            db.session.rollback()
            flash(f"Request {booking.reference} was already submitted; it was not discarded.", "info")
            return redirect(url_for("employer.booking", booking_id=booking.id), 303)
        flash(f"Draft {booking.reference} was discarded.", "info")
    return redirect(url_for("employer.dashboard"), 303)


# -- attachments -----------------------------------------------------------------------------------
@bp.post("/requests/<int:booking_id>/attachments")
def upload(booking_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    if not booking.is_draft:
        abort(404)
    _, card = queries.card_for(booking)
    form = forms.UploadForm()
    if form.validate():
        _save_orders_text(booking)
        try:
            attachments.add_attachment(booking, current_user, form.attachment.data)
        except attachments.AttachmentError as e:
            form.attachment.errors = [str(e)]
        else:
            return redirect(url_for("employer.step", booking_id=booking.id, step="orders"), 303)
    data = drafts.draft_data(booking)
    orders = forms.OrdersForm(formdata=MultiDict({k: data[k] or "" for k in forms.OrdersForm.FIELDS}))
    ctx = _context("orders", booking=booking, card=card, data=data, form=orders, now=_now(), upload_form=form)
    return _page(422, **ctx)


@bp.get("/requests/<int:booking_id>/attachments/<int:attachment_id>")
def download(booking_id: int, attachment_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    attachment = attachments.get_attachment(booking, attachment_id)
    return attachments.send_stored(attachment.stored_name, attachment.content_type, attachment.original_name)


@bp.post("/requests/<int:booking_id>/attachments/<int:attachment_id>/delete")
def delete_attachment(booking_id: int, attachment_id: int):
    booking = queries.get_booking_for(current_user, booking_id)
    attachment = attachments.get_attachment(booking, attachment_id)
    if forms.DiscardForm().validate():
        _save_orders_text(booking)
        try:
            attachments.remove_attachment(booking, attachment)
        except attachments.AttachmentError:
            abort(404)
    return redirect(url_for("employer.step", booking_id=booking.id, step="orders"), 303)


from portal.employer import billing as _billing  # noqa: E402, F401  (billing history, printable invoice, exports)
from portal.employer import bookings as _bookings  # noqa: E402, F401  (the submitted bookings' routes)
