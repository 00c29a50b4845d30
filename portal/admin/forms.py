from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

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
