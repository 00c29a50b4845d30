"""Form pieces shared by several blueprints."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, ValidationError
from wtforms.validators import InputRequired

US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
}
STATE_CHOICES = [SelectChoice("", "Choose a state")] + [SelectChoice(s, s) for s in sorted(US_STATES)]

_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_PHONE_CHARS = re.compile(r"^[0-9+().\-\s]+$")


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def us_zip(form, field) -> None:
    if field.data and not _ZIP.match(field.data):
        raise ValidationError("Enter a 5-digit ZIP code, like 64106 or 64106-1234.")


def phone_number(form, field) -> None:
    if not field.data:
        return
    digits = re.sub(r"\D", "", field.data)
    if not _PHONE_CHARS.match(field.data) or not 10 <= len(digits) <= 15:
        raise ValidationError("Enter a phone number with area code, like (816) 555-0100.")


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,9}\Z")


class WholeNumberField(IntegerField):
    """An IntegerField that reads at most nine ASCII digits: a longer number is a typing error, not
    a value for ``NumberRange`` to compare (``int('1' + '0' * 309)`` is too large for a float)."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] not in (None, "") and not _INTEGER_TEXT.match(str(valuelist[0]).strip()):
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class DateRangeForm(FlaskForm):
    """Whole days from ``start`` to ``end`` (an export's range). Sent by GET: it changes nothing, so it carries
    no CSRF token (``DateRangeForm.from_args``)."""

    start = DateField("From", [InputRequired("Enter the first day, like 2026-11-01.")],
                      format="%Y-%m-%d")
    end = DateField("To (included)", [InputRequired("Enter the last day, like 2026-11-30.")],
                    format="%Y-%m-%d")

    @classmethod
    def from_args(cls, args, default_start: date, default_end: date) -> DateRangeForm:
        return cls(formdata=args if args else None, meta={"csrf": False}, start=default_start, end=default_end)

    @staticmethod
    def _year(field) -> None:
        if field.data is not None and not 2000 <= field.data.year <= 2099:
            raise ValidationError("Enter a day between 2000 and 2099.")

    def validate_start(self, field) -> None:
        self._year(field)

    def validate_end(self, field) -> None:
        self._year(field)
        if self.start.data is not None and field.data is not None and field.data < self.start.data:
            raise ValidationError(f"The last day comes before the first ({self.start.data.isoformat()}): "
                                  "swap them, or choose a later day.")
