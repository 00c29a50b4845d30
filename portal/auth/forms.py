from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.forms import STATE_CHOICES, phone_number, strip, us_zip

_required = DataRequired(message="This field is required.")


class SignupForm(FlaskForm):
    legal_name = StringField("Organisation legal name", [_required, Length(max=200)], filters=[strip])
    street = StringField("Street address", [_required, Length(max=200)], filters=[strip])
    city = StringField("City", [_required, Length(max=120)], filters=[strip])
    state = SelectField("State", [_required], choices=STATE_CHOICES)
    zip_code = StringField("ZIP code", [_required, us_zip], filters=[strip])
    contact_name = StringField("Your full name", [_required, Length(max=120)], filters=[strip])
    phone = TelField("Phone", [_required, phone_number], filters=[strip])
    email = EmailField(
        "Work email",
        [_required, Email(message="Enter an email address like name@company.com."), Length(max=254)],
        filters=[strip],
    )
    password = PasswordField("Password", [_required, Length(max=256)])
    confirm = PasswordField("Confirm password", [_required, EqualTo("password", "The passwords do not match.")])


class LoginForm(FlaskForm):
    email = EmailField("Email", [_required], filters=[strip])
    password = PasswordField("Password", [_required])
    remember = BooleanField("Keep me signed in on this device")


class ProfileForm(FlaskForm):
    full_name = StringField("Full name", [_required, Length(max=120)], filters=[strip])
    phone = TelField("Phone", [phone_number], filters=[strip])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", [_required])
    new_password = PasswordField("New password", [_required, Length(max=256)])
    confirm = PasswordField("Confirm new password", [_required, EqualTo("new_password", "The passwords do not match.")])
