"""The shift-and-quote form shared by the public instant quote and the request wizard.

One form class per rate card (its ranks, schedules and whether rates are minimums decide the
fields), a conversion from the bound form to the JSON request body of ``POST /api/v1/quotes``,
and the mapping of the engine's field errors (``shifts[0].end``) back onto form fields. The
live panel, the API and submission all price through ``portal.quoting``: the page can never
show a price the server would not charge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional

from portal.pricing import RateCard

MAX_SHIFT_ROWS = 60  # a form holds at most this many shifts (the API takes more)
_MONEY = re.compile(r"^\d{1,5}(\.\d{1,2})?$")


def _count(label: str, *, upto: int = 200) -> IntegerField:
    return IntegerField(
        label,
        [Optional(), NumberRange(0, upto, f"Enter a number from 0 to {upto}.")],
        render_kw={"min": 0, "max": upto},
    )


def form_classes(card: RateCard) -> tuple[type[Form], type[FlaskForm]]:
    """(ShiftForm, QuoteForm) for a card, built once per parsed card (kept in the card's own cache)."""
    classes = card._cache.get("portal.form_classes")
    if classes is None:
        classes = card._cache["portal.form_classes"] = _build_form_classes(card)
    return classes


def _build_form_classes(card: RateCard) -> tuple[type[Form], type[FlaskForm]]:
    ranks = card.ranks
    lowest = ranks[0]

    class ShiftForm(Form):
        date = DateField("Date", [Optional()])
        start = TimeField("Start", [Optional()])
        end = TimeField("End", [Optional()])
        end_date = DateField("Ends on", [Optional()], description="Only if not the same day or the next morning.")
        officers = _count(f"{lowest.label}s")
        vehicles = _count("Vehicles")

    for rank in ranks[1:]:
        setattr(ShiftForm, f"rank_{rank.key}", _count(f"{rank.label}s"))

    class QuoteForm(FlaskForm):
        shifts = FieldList(FormField(ShiftForm), min_entries=1, max_entries=MAX_SHIFT_ROWS)

    if len(card.schedules) > 1:
        QuoteForm.schedule = SelectField(
            "Rate schedule",
            choices=[SelectChoice(s.key, s.label) for s in card.schedules],
            default=card.default_schedule.key,
            description="The kind of work decides the schedule; the agency confirms it.",
        )
    priorities = [t for t in card.tiers if t.when == "selectable"]
    if priorities:
        QuoteForm.priority = SelectField(
            "Priority", choices=[SelectChoice("", "Standard")] + [SelectChoice(t.key, t.label) for t in priorities]
        )
    if card.rates_are_minimums:
        for rank in ranks:
            setattr(
                QuoteForm,
                f"offered_{rank.key}",
                StringField(
                    f"Hourly rate offered for {rank.label.lower()}s",
                    [Optional()],
                    description="Leave empty for the published minimum.",
                    render_kw={"inputmode": "decimal", "placeholder": "published minimum"},
                ),
            )
    return ShiftForm, QuoteForm


def bind(card: RateCard, formdata=None, *, csrf: bool = True, **kwargs) -> FlaskForm:
    """The card's quote form bound to ``formdata`` (a MultiDict), with or without CSRF."""
    _, quote_form = form_classes(card)
    meta = {} if csrf else {"csrf": False}
    return quote_form(formdata=formdata, meta=meta, **kwargs)


_ROW_KEY = re.compile(r"^shifts-(\d+)-(\w+)$")


def rows_of(formdata) -> list[dict[str, str]]:
    """The shift rows of submitted form data, in order (``shifts-3-start`` -> rows[k]["start"]).

    Rows past ``MAX_SHIFT_ROWS`` and values longer than any field needs are dropped: this is raw input.
    """
    rows: dict[int, dict[str, str]] = {}
    for key, value in formdata.items(multi=True):
        match = _ROW_KEY.match(key)
        if match and int(match.group(1)) < MAX_SHIFT_ROWS:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(value)[:40]
    return [rows[i] for i in sorted(rows)]


def with_rows(formdata, rows: list[dict[str, str]]):
    """``formdata`` with its shift rows replaced by ``rows`` (renumbered from 0) and no ``action``."""
    from werkzeug.datastructures import MultiDict

    out = MultiDict([(k, v) for k, v in formdata.items(multi=True) if not _ROW_KEY.match(k) and k != "action"])
    for i, row in enumerate(rows[:MAX_SHIFT_ROWS]):
        for key, value in (row or {"date": ""}).items():
            out.add(f"shifts-{i}-{key}", value)
    return out


def _weeks_later(value: str | None, weeks: int) -> str | None:
    try:
        return (date.fromisoformat(value or "") + timedelta(weeks=weeks)).isoformat()
    except (ValueError, OverflowError):  # not a date, or past the calendar's end
        return None


def apply_row_action(formdata, action: str):
    """Add, copy, remove or repeat-weekly a shift row: the form's buttons work without JavaScript.

    ``action`` is ``add``, ``copy-N``, ``remove-N`` or ``repeat-N`` (as many weekly copies as the
    ``repeat_weeks-N`` field says). Returns the new form data and errors keyed by field name ("" for
    the form); an unknown action changes nothing.
    """
    rows = rows_of(formdata) or [{}]
    verb, _, index = action.partition("-")
    errors: dict[str, list[str]] = {}
    if verb == "add":
        rows.append({k: v for k, v in rows[-1].items() if k not in ("date", "end_date")})
    elif index.isdigit() and int(index) < len(rows):
        i = int(index)
        if verb == "copy":
            rows.insert(i + 1, dict(rows[i]))
        elif verb == "remove":
            rows.pop(i)
            rows = rows or [{}]
        elif verb == "repeat":
            raw = (formdata.get(f"repeat_weeks-{i}") or "").strip()
            weeks = int(raw) if raw.isdigit() else 0
            if _weeks_later(rows[i].get("date"), 0) is None:
                errors[f"shifts-{i}-date"] = ["Enter the date before repeating the shift."]
            elif not 1 <= weeks <= 52:
                errors[f"repeat_weeks-{i}"] = ["Repeat for 1 to 52 weeks."]
            elif len(rows) + weeks > MAX_SHIFT_ROWS:
                errors[f"repeat_weeks-{i}"] = [f"A request holds at most {MAX_SHIFT_ROWS} shifts."]
            elif _weeks_later(rows[i]["date"], weeks) is None:
                errors[f"repeat_weeks-{i}"] = ["That would go past the end of the calendar."]
            else:
                copies = []
                for week in range(1, weeks + 1):
                    copy = {**rows[i], "date": _weeks_later(rows[i]["date"], week)}
                    ends = _weeks_later(copy.get("end_date"), week)
                    if ends:
                        copy["end_date"] = ends
                    else:
                        copy.pop("end_date", None)
                    copies.append(copy)
                rows[i + 1 : i + 1] = copies
    if len(rows) > MAX_SHIFT_ROWS:
        rows = rows[:MAX_SHIFT_ROWS]
        errors.setdefault("", []).append(f"A request holds at most {MAX_SHIFT_ROWS} shifts.")
    out = with_rows(formdata, rows)
    if errors:
        # keep the weeks the employer typed, beside the field that needs changing
        for key in (k for k in formdata if k.startswith("repeat_weeks-")):
            out[key] = formdata[key]
    return out, errors


@dataclass
class FormRequest:
    """What a bound form says, as far as it can be read: a request body and what is still missing."""

    body: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # form field name -> messages

    @property
    def complete(self) -> bool:
        return not self.missing and not self.errors


def _local(day: date, t) -> str:
    return f"{day.isoformat()}T{t.strftime('%H:%M')}"


def shift_rows(form: FlaskForm) -> list:
    return list(form.shifts)


def read(form: FlaskForm, card: RateCard) -> FormRequest:
    """Turn the bound form into shift and rate fields of an API request body.

    Fields a person has not filled yet are reported as ``missing`` (plain words), not errors.
    Input the form itself cannot read (a malformed date) is an error on that field.
    """
    form.validate()  # coerces values; its messages are kept beside the fields
    result = FormRequest(body={})
    for name, messages in _flatten_errors(form):
        if name != "csrf_token":
            result.errors.setdefault(name, []).extend(messages)
    if hasattr(form, "schedule"):
        result.body["schedule"] = form.schedule.data or card.default_schedule.key
    if getattr(form, "priority", None) is not None and form.priority.data:
        result.body["priority"] = form.priority.data
    offered = {}
    for rank in card.ranks if card.rates_are_minimums else ():
        f = getattr(form, f"offered_{rank.key}")
        value = (f.data or "").strip().lstrip("$")
        if value:
            if _MONEY.match(value):
                offered[rank.key] = value if "." in value else f"{value}.00"
            else:
                result.errors.setdefault(f.name, []).append("Enter an hourly rate like 45.00.")
    if offered:
        result.body["offered_rates"] = offered

    shifts = []
    for i, row in enumerate(form.shifts):
        label = f"Shift {i + 1}" if len(form.shifts) > 1 else "The shift"
        s = row.form
        needs = [
            word
            for word, f in (("a date", s.date), ("a start time", s.start), ("an end time", s.end))
            if f.data is None
        ]
        if any(row.form[n].errors for n in ("date", "start", "end", "end_date")):
            continue
        if needs:
            result.missing.append(f"{label} needs {_join(needs)}.")
            continue
        if s.end_date.data or s.end.data > s.start.data:
            end_day = s.end_date.data or s.date.data
        elif s.date.data < date.max:
            end_day = s.date.data + timedelta(days=1)
        else:
            result.errors.setdefault(s.date.name, []).append("Enter a date before the year 9999.")
            continue
        positions = {}
        if s.officers.data:
            positions[card.ranks[0].key] = s.officers.data
        for rank in card.ranks[1:]:
            n = s[f"rank_{rank.key}"].data
            if n:
                positions[rank.key] = n
        if not positions:
            result.missing.append(f"{label} needs at least one officer.")
            continue
        shift = {"start": _local(s.date.data, s.start.data), "end": _local(end_day, s.end.data), "positions": positions}
        if s.vehicles.data:
            shift["vehicles"] = s.vehicles.data
        shifts.append((i, shift))
    result.body["shifts"] = [shift for _, shift in shifts]
    result.body["_rows"] = [i for i, _ in shifts]  # engine index -> form row, removed before pricing
    return result


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _flatten_errors(form):
    for name, f in _all_fields(form):
        if f.errors:
            yield name, list(f.errors)


_SHIFT_PATH = re.compile(r"^shifts\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?$")
_SHIFT_FIELD = {"start": "start", "end": "end", "vehicles": "vehicles", "officers": "officers", "job_type": "date"}


def form_field_for(path: str | None, form: FlaskForm, card: RateCard, rows: list[int]) -> str | None:
    """The form field an engine error path belongs to (``shifts[0].end`` -> ``shifts-0-end``), or None."""
    if not path:
        return None
    if path.startswith("offered_rates.") and card.rates_are_minimums:
        name = f"offered_{path.split('.', 1)[1]}"
        return getattr(form, name).name if hasattr(form, name) else None
    if path in ("schedule", "priority") and hasattr(form, path):
        return getattr(form, path).name
    match = _SHIFT_PATH.match(path)
    if not match:
        return None
    index, key, sub = int(match.group(1)), match.group(2), match.group(3)
    if index >= len(rows):
        return None
    row = form.shifts[rows[index]].form
    if key == "positions":
        if sub and sub != card.ranks[0].key and f"rank_{sub}" in row:
            return row[f"rank_{sub}"].name
        return row.officers.name
    return row[_SHIFT_FIELD.get(key or "", "date")].name


def sentence(message: str) -> str:
    """Engine messages are lower-case API text; on a page they start with a capital and end with a stop."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?", ")")) else message + "."


def apply_errors(form: FlaskForm, errors: dict[str, list[str]]) -> list[str]:
    """Put messages beside their fields; return the ones that belong to no field."""
    by_name = dict(_all_fields(form))
    loose = []
    for name, messages in errors.items():
        target = by_name.get(name)
        for message in messages:
            if target is None:
                loose.append(message)
            elif message not in target.errors:
                if isinstance(target.errors, tuple):
                    target.errors = list(target.errors)
                target.errors.append(message)
    return loose


def _all_fields(form):
    """(name, field) of every leaf field, inside shift rows too."""
    for f in form:
        if isinstance(f, FieldList):
            for entry in f:
                yield from _all_fields(entry.form)
        elif isinstance(f, FormField):
            yield from _all_fields(f.form)
        else:
            yield f.name, f


def engine_errors_by_field(
    errors: list[dict], form: FlaskForm, card: RateCard, rows: list[int]
) -> dict[str, list[str]]:
    """Engine errors (``{"field", "message"}``) keyed by form field name ("" for the form as a whole)."""
    out: dict[str, list[str]] = {}
    for e in errors:
        name = form_field_for(e["field"], form, card, rows) or ""
        out.setdefault(name, []).append(sentence(e["message"]))
    return out


@dataclass
class Preview:
    """What the quote panel shows: the quote, or what is still missing, or what is wrong."""

    quote: dict[str, Any] | None
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # errors that belong to no single field
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, Any] | None = None  # the request body that was priced

    @property
    def blocked(self) -> bool:
        return bool(self.quote and self.quote["blocks"])


def preview(
    slug: str, card: RateCard, form: FlaskForm, *, now: datetime, extra: dict | None = None,
    shift_extra: dict | None = None,
) -> Preview:
    """Price what the form says so far, exactly as submission would (same body, same engine).

    ``extra`` adds the request fields other wizard steps collected (location, screening, venue);
    ``shift_extra`` adds fields to every shift (the wizard's ``job_type``).
    """
    from portal import quoting

    read_back = read(form, card)
    rows = read_back.body.pop("_rows")
    if read_back.errors:
        return Preview(None, read_back.missing, [], read_back.errors)
    if read_back.missing or not read_back.body["shifts"]:
        return Preview(None, read_back.missing or ["Add a shift: its date, start and end, and how many officers."])
    body = {"agency": slug, **(extra or {}), **read_back.body}
    if shift_extra:
        body["shifts"] = [{**shift, **shift_extra} for shift in body["shifts"]]
    try:
        priced = quoting.price_with(card, body, now=now)
    except quoting.QuoteInputError as e:
        errors = engine_errors_by_field(e.errors, form, card, rows)
        return Preview(None, [], errors.pop("", []), errors, body)
    return Preview(priced.to_dict(), body=body)
