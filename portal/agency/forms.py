"""The back office's forms. They check the CSRF token and carry what was typed; the rules live in the services
(``portal.staffing``), which name the field at fault, so a form and a CSV row are checked alike."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import strip
from portal.models.accounts import REFERENCE_MAX


class OfficerForm(FlaskForm):
    full_name = StringField("Name", filters=[strip], render_kw={"maxlength": 120, "autocomplete": "off"})
    badge_number = StringField("Badge number", filters=[strip], render_kw={"maxlength": 32, "autocomplete": "off"})
    rank = SelectField("Rank", choices=[], validate_choice=False)


class ImportForm(FlaskForm):
    file = FileField("CSV file", description="Columns name, badge_number, rank (key or name), and optionally active "
                                             "(yes or no), with those names on the first line. A known badge number "
                                             "updates that officer.")


class AssignForm(FlaskForm):
    position = HiddenField()
    officer = SelectField("Officer", choices=[], validate_choice=False)


class AttendanceForm(FlaskForm):
    clock_in = StringField("Clock-in", render_kw={"type": "datetime-local"})
    clock_out = StringField("Clock-out", render_kw={"type": "datetime-local"})
    note = StringField("Note (optional)", [Length(max=300)], filters=[strip],
                       description="Why it changed, for a correction.")


class UnfilledForm(FlaskForm):
    reason = TextAreaField("Why (the employer sees it)", [DataRequired("Say why the shift cannot be staffed."),
                                                          Length(max=300)], filters=[strip], render_kw={"rows": 2})


class NoteForm(FlaskForm):
    body = TextAreaField("Note", filters=[strip], render_kw={"rows": 3, "maxlength": 5000})
    shift = SelectField("Shift", choices=[], validate_choice=False)
    file = FileField("Photo or document (optional)", description="PDF, PNG, JPEG, GIF or WebP, up to 5 MB.")


class RateCardForm(FlaskForm):
    """A new version of the agency's rate card: the TOML (a file, or pasted), when it takes effect, and the sample
    request it is previewed with. ``checked`` carries the sha256 of the text last previewed: only that text can be
    confirmed."""

    file = FileField("TOML file", description="The card as one .toml file (docs/rate-cards.md), up to 256 KB.")
    source = TextAreaField("Or paste the card", render_kw={"rows": 12, "spellcheck": "false", "class": "code-input"})
    activates_at = StringField("Takes effect", render_kw={"type": "datetime-local"})
    sample_date = StringField("Date", render_kw={"type": "date"})
    sample_start = StringField("From", render_kw={"type": "time"})
    sample_end = StringField("To", render_kw={"type": "time"})
    sample_officers = StringField("Officers", render_kw={"inputmode": "numeric", "maxlength": 3, "size": 4})
    checked = HiddenField()


class BackgroundCheckForm(FlaskForm):
    """A background check of an employer: the outcome and a short reference, never the criminal history."""

    outcome = SelectField("Outcome", choices=[SelectChoice("", "Choose…"), SelectChoice("cleared", "Cleared"),
                                   SelectChoice("not_cleared", "Not cleared")],
                          validators=[DataRequired("Choose the outcome of the check.")])
    reference = StringField("Reference (optional)", [Length(max=REFERENCE_MAX)], filters=[strip],
                            description="A case or transaction number (MULES, case.net). Never write the criminal "
                                        "history itself: only who checked, when and the outcome are kept.",
                            render_kw={"maxlength": REFERENCE_MAX, "autocomplete": "off"})
