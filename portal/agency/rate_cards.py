"""The agency's rate card in the back office: the history of its versions, what each changed, its TOML; and, for
agency administrators, a new version: uploaded (a file or pasted), checked (every problem with its location),
previewed against a sample request beside the current version, given the moment it takes effect, confirmed.

Coordinators (agency staff) see the history, the changes and the TOML: they quote for callers and should know
which rates apply and from when. Uploading and cancelling a scheduled version are the administrators' (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Response, abort, flash, render_template, request, url_for
from flask_login import current_user

from portal import card_diff, cards, clock, quoting
from portal.agency.forms import RateCardForm
from portal.agency.views import bp
from portal.bookings.forms import DiscardForm
from portal.htmx import see_other
from portal.models import RateCardVersion

SAMPLE_WEEKS = 2  # the sample request: a weekday evening two weeks out, 18:00-23:00, two officers
SAMPLE_START, SAMPLE_END, SAMPLE_OFFICERS = "18:00", "23:00", "2"
MAX_SAMPLE_OFFICERS = 200


def _admin_only() -> None:
    if not current_user.is_agency_admin:
        abort(403)


def _version(number: int) -> RateCardVersion:
    found = cards.version_number(current_user.agency, number)
    if found is None:
        abort(404)
    return found


@bp.get("/rate-card")
def rate_card():
    agency = current_user.agency
    return render_template("agency/rate_card.html", agency=agency, versions=cards.history(agency),
                           cancel_form=DiscardForm())


@bp.get("/rate-card/versions/<int:number>")
def rate_card_version(number: int):
    agency = current_user.agency
    version = _version(number)
    before = cards.predecessor(version)
    now = clock.now()
    status = cards.status_of(version, cards.current_version(agency, now=now), now)
    changes = card_diff.by_section(card_diff.changes(before.source_text, version.source_text)) if before else []
    lines = card_diff.text_diff(before.source_text, version.source_text, f"version {before.version}",
                                f"version {version.version}") if before else []
    return render_template("agency/rate_card_version.html", agency=agency, version=version, status=status,
                           before=before, changes=changes, lines=lines)


@bp.get("/rate-card/versions/<int:number>.toml")
def rate_card_toml(number: int):
    version = _version(number)
    filename = f"{current_user.agency.slug}-rate-card-v{version.version}.toml"
    return Response(version.source_text, mimetype="application/toml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.post("/rate-card/versions/<int:number>/cancel")
def cancel_rate_card_version(number: int):
    _admin_only()
    version = _version(number)
    if DiscardForm().validate():
        try:
            cards.cancel_version(version, by=current_user)
            flash(f"Version {version.version} is cancelled: it will not take effect.", "success")
        except cards.ScheduleError as e:
            flash(str(e), "error")
    return see_other(url_for("agency.rate_card"))


# -- a new version ---------------------------------------------------------------------------------------------

@dataclass
class Upload:
    """What the form asked for, read: the card text, the moment, the sample request (None where unreadable)."""

    text: str | None = None
    activates_at: datetime | None = None
    sample: dict | None = None


def _sample_day(today: date) -> date:
    day = today + timedelta(weeks=SAMPLE_WEEKS)
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)  # a weekend: the Monday


def _new_form(posted: bool) -> RateCardForm:
    """The form bound to the request's fields and file when ``posted``, else empty with the sample's defaults."""
    if posted:
        return RateCardForm()
    form = RateCardForm(formdata=None)
    form.sample_date.data = _sample_day(clock.now().astimezone(current_user.agency.zone).date()).isoformat()
    form.sample_start.data, form.sample_end.data = SAMPLE_START, SAMPLE_END
    form.sample_officers.data = SAMPLE_OFFICERS
    return form


def _read_text(form: RateCardForm) -> str | None:
    """The card's text: the file if one was chosen, else what was pasted. Errors go beside the field used."""
    upload = form.file.data
    field = form.file if upload is not None and upload.filename else form.source
    if field is form.file:
        raw = upload.stream.read(cards.MAX_CARD_BYTES + 1)
    else:
        raw = (form.source.data or "").encode("utf-8", "surrogatepass")
    if len(raw) > cards.MAX_CARD_BYTES:
        field.errors = [f"The card is larger than {cards.MAX_CARD_BYTES // 1024} KB."]
        return None
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        field.errors = ["The card must be UTF-8 text."]
        return None
    if not text.strip():
        field.errors = ["Choose the card's TOML file, or paste the card."]
        return None
    return text


def _read_moment(form: RateCardForm) -> tuple[bool, datetime | None]:
    """``(readable, moment)``: empty is None (as soon as it can), else the agency's wall clock."""
    text = (form.activates_at.data or "").strip()
    if not text:
        return True, None
    try:
        local = datetime.fromisoformat(text)
        if local.tzinfo is not None or not 1970 <= local.year <= 9000:
            raise ValueError
    except ValueError:
        form.activates_at.errors = ["Give a date and time like 2027-01-01 00:00."]
        return False, None
    return True, local.replace(tzinfo=current_user.agency.zone)


def _read_sample(form: RateCardForm) -> dict | None:
    """The sample request as an API request body (without prices): one shift; the end on the next day when it is
    not after the start."""
    try:
        day = date.fromisoformat((form.sample_date.data or "").strip())
        if not 1970 <= day.year <= 8999:
            raise ValueError
    except ValueError:
        form.sample_date.errors = ["Give a date like 2027-01-15."]
    times = {}
    for name in ("sample_start", "sample_end"):
        try:
            times[name] = time.fromisoformat((form[name].data or "").strip())
        except ValueError:
            form[name].errors = ["Give a time like 18:00."]
    officers = (form.sample_officers.data or "").strip()
    if not (officers.isascii() and officers.isdigit() and len(officers) <= 3
            and 1 <= int(officers) <= MAX_SAMPLE_OFFICERS):
        form.sample_officers.errors = [f"Give a number of officers from 1 to {MAX_SAMPLE_OFFICERS}."]
    if any(form[n].errors for n in ("sample_date", "sample_start", "sample_end", "sample_officers")):
        return None
    start, end = times["sample_start"], times["sample_end"]
    end_day = day if end > start else day + timedelta(days=1)
    return {"agency": current_user.agency.slug, "shifts": [{
        "start": f"{day.isoformat()}T{start:%H:%M}", "end": f"{end_day.isoformat()}T{end:%H:%M}",
        "officers": int(officers)}]}


def _new_page(form: RateCardForm, *, status: int = 200, **context):
    agency = current_user.agency
    latest = cards.latest_version(agency)
    return render_template("agency/rate_card_new.html", agency=agency, form=form, latest=latest,
                           max_kb=cards.MAX_CARD_BYTES // 1024, **context), status


@bp.route("/rate-card/new", methods=["GET", "POST"])
def new_rate_card():
    _admin_only()
    if request.method == "GET":
        return _new_page(_new_form(posted=False))
    form = _new_form(posted=True)
    if not form.validate():  # the CSRF token
        return _new_page(form, status=422)
    agency = current_user.agency
    now = clock.now()
    text = _read_text(form)
    readable, moment = _read_moment(form)
    sample = _read_sample(form)
    if text is None or not readable:
        return _new_page(form, status=422)
    review = cards.check_upload(text, agency, today=now.astimezone(agency.zone).date())
    form.source.data = text  # a file's text is carried on in the text box: what is previewed is what is confirmed
    if review.problems:
        return _new_page(form, status=422, problems=review.problems, warnings=review.warnings)
    schedule_problem = cards.activation_problem(agency, moment, now)
    if schedule_problem:
        form.activates_at.errors = [schedule_problem]
    current = cards.current_version(agency, now=now)
    before = cards.latest_version(agency)
    context = {
        "review": review, "warnings": review.warnings, "card": review.card,
        "current": current, "current_card": cards.card_of(current) if current else None,
        "comparison": quoting.compare(cards.card_of(current) if current else None, review.card, sample, now=now)
        if sample else None,
        "changes": card_diff.by_section(card_diff.changes(before.source_text, text)) if before else [],
        "moment": max(moment or now, now + cards.ACTIVATION_DELAY),
    }
    sha = cards.sha256_of(text)
    confirmed = request.form.get("action") == "confirm"
    if confirmed and form.checked.data != sha:
        flash("The card changed since its preview: check the preview below, then confirm.", "warning")
    elif confirmed and not schedule_problem:
        try:
            version, _created = cards.import_card(text, by=current_user, activates_at=moment, now=now)
        except cards.ScheduleError as e:  # another administrator scheduled a version meanwhile
            form.activates_at.errors = [str(e)]
        else:
            flash(f"Version {version.version} saved: it takes effect "
                  f"{version.activates_at.astimezone(agency.zone):%a %-d %b %Y at %H:%M:%S} ({agency.time_zone}).",
                  "success")
            return see_other(url_for("agency.rate_card"))
    form.checked.data = sha
    return _new_page(form, status=422 if form.activates_at.errors else 200, **context)
