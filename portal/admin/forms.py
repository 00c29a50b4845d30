from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, EmailField, PasswordField, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.admin.queries import BOOKING_STATUSES
from portal.extensions import db
from portal.forms import strip
from portal.models import Agency, Role

_required = DataRequired(message="This field is required.")


class AgencyUserForm(FlaskForm):
    """Create a coordinator or administrator for an agency."""

    full_name = StringField("Full name", [_required, Length(max=120)], filters=[strip])
    email = EmailField("Email", [_required, Email(message="Enter an email address."), Length(max=254)], filters=[strip])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.AGENCY_STAFF.value, "Coordinator (staff)"),
            SelectChoice(Role.AGENCY_ADMIN.value, "Administrator"),
        ],
    )
    agency = SelectField("Agency", coerce=str)
    password = PasswordField("Initial password", [_required, Length(max=256)])

    def __init__(self, *args, with_agency: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_agency:
            agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
            self.agency.choices = [SelectChoice(a.slug, a.name) for a in agencies]
        else:
            del self.agency


def create_agency_user(form: AgencyUserForm, agency: Agency) -> bool:
    """Create the user the validated form describes, at ``agency``; on a refusal put the reason beside
    its field and return False. Shared by the site admin's and the agency admin's pages."""
    from flask import flash

    from portal import accounts

    try:
        accounts.create_user(
            form.email.data, form.password.data, Role(form.role.data), full_name=form.full_name.data, agency=agency
        )
    except accounts.AccountError as e:
        getattr(form, e.field).errors.append(e.message)
        return False
    flash(f"{form.email.data} can now sign in to the {agency.short_name} back office.", "success")
    return True


# -- the search forms (GET: no CSRF token; a field that does not validate is left out of the search, its message
# beside it) ------------------------------------------------------------------------------------------
SEARCH_MAX = 80


def _within_years(form, field) -> None:
    if field.data is not None and not 2000 <= field.data.year <= 2099:
        raise ValidationError("Enter a date from 2000 to 2099.")


def _search(label: str) -> SearchField:
    return SearchField(label, [Optional(), Length(max=SEARCH_MAX, message=f"Enter at most {SEARCH_MAX} characters.")],
                       filters=[strip], render_kw={"maxlength": SEARCH_MAX})


class SearchForm(FlaskForm):
    """Bound to the query string. ``value(name)``: the field's data, or None when it did not validate."""

    class Meta:
        csrf = False

    q = _search("Search")

    def value(self, name: str):
        f = self._fields[name]
        return None if f.errors else f.data

    @property
    def search(self) -> str:
        return self.value("q") or ""


class OrganisationSearchForm(SearchForm):
    q = _search("Name, city or member's email")


class UserSearchForm(SearchForm):
    q = _search("Name or email")
    role = SelectField("Role", default="",
                       choices=[SelectChoice("", "Any role")] + [SelectChoice(r.value, r.label) for r in Role])
    active = SelectField("Status", default="", choices=[
        SelectChoice("", "Active or disabled"), SelectChoice("active", "Active"), SelectChoice("disabled", "Disabled")])


class BookingSearchForm(SearchForm):
    q = _search("Reference, site or organisation")
    agency = SelectField("Agency", default="", choices=[])
    status = SelectField("Status", default="", choices=[SelectChoice("", "Any status")]
                         + [SelectChoice(s.value, s.label) for s in BOOKING_STATUSES])
    date_from = DateField("First shift from", [Optional(), _within_years])
    date_to = DateField("First shift to", [Optional(), _within_years])

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = [SelectChoice("", "Every agency"),
                               *(SelectChoice(a.slug, a.short_name) for a in agencies)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors.append("Enter a day on or after the first.")
            return False
        return ok
