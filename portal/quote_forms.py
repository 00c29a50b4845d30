"""The shift-and-quote form shared by the public instant quote and the request wizard.

One form class per rate card (its ranks, schedules and whether rates are minimums decide the
fields), used to render the form; ``read``, which turns the form's data into the JSON request body
of ``POST /api/v1/quotes`` (every path reads it there: the live panel, the steps, submission); and
the mapping of the engine's field errors (``shifts[0].end``) back onto form field names. Every
price goes through ``portal.quoting``: the page can never show a price the server would not charge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)

from portal.forms import WholeNumberField
from portal.pricing import RateCard

MAX_SHIFT_ROWS = 60  # a form holds at most this many shifts (the API takes more)
COUNT_LIMIT = 200  # officers, vehicles or any rank in one shift row
_MONEY = re.compile(r"^\d{1,5}(\.\d{1,2})?$")


def _count(label: str) -> WholeNumberField:
    return WholeNumberField(label, render_kw={"min": 0, "max": COUNT_LIMIT})


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
        date = DateField("Date")
        start = TimeField("Start")
        end = TimeField("End")
        end_date = DateField("Ends on", description="Only if not the same day or the next morning.")
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
    priorities = [t for t in card.tiers if t.selectable]
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


_ROW_KEY = re.compile(r"^shifts-([0-9]+)-(\w+)$", re.ASCII)
_ROW_INDEX_DIGITS = 6  # a row number longer than this is not a row of any form the portal renders


class Rows(list):
    """Shift rows read from form data (a list of dicts); ``dropped`` counts the rows past the limit."""

    dropped: int = 0


def rows_of(formdata) -> Rows:
    """The shift rows of submitted form data, in order (``shifts-3-start`` -> rows[k]["start"]).

    The first ``MAX_SHIFT_ROWS`` rows are kept, values cut to what any field needs: this is raw input.
    Rows past the limit (or numbered past any form's) are counted in ``dropped``, so the page can say so.
    """
    rows: dict[int, dict[str, str]] = {}
    unnumbered = set()
    for key, value in formdata.items(multi=True):
        if key.startswith("shifts-"):  # most keys are; the pattern decides
            match = _ROW_KEY.match(key)
            if match:
                digits = match.group(1)
                if len(digits) > _ROW_INDEX_DIGITS:
                    unnumbered.add(digits)
                else:
                    rows.setdefault(int(digits), {})[match.group(2)] = str(value)[:40]
    indices = sorted(rows)
    kept = Rows(rows[i] for i in indices[:MAX_SHIFT_ROWS])
    kept.dropped = len(indices[MAX_SHIFT_ROWS:]) + len(unnumbered)
    return kept


def dropped_rows_message(rows: list) -> list[str]:
    """What to tell the person whose form had more shift rows than a request holds (none: [])."""
    dropped = getattr(rows, "dropped", 0)
    if not dropped:
        return []
    more = f"{dropped} more row{'s were' if dropped != 1 else ' was'} left out"
    return [f"A request holds at most {MAX_SHIFT_ROWS} shifts; {more}. Split the rest into another request."]


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


def _small_number(text: str, digits: int) -> int | None:
    """``text`` as a number of at most ``digits`` ASCII digits, else None (``'²'.isdigit()`` is true)."""
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def apply_row_action(formdata, action: str):
    """Add, copy, remove or repeat-weekly a shift row: the form's buttons work without JavaScript.

    ``action`` is ``add``, ``copy-N``, ``remove-N`` or ``repeat-N`` (as many weekly copies as the
    ``repeat_weeks-N`` field says). Returns the new form data and errors keyed by field name ("" for
    the form); an unknown action changes nothing.
    """
    read_rows = rows_of(formdata)
    rows = list(read_rows) or [{}]
    verb, _, index = action.partition("-")
    i = _small_number(index, _ROW_INDEX_DIGITS)
    errors: dict[str, list[str]] = {}
    if read_rows.dropped:
        errors[""] = dropped_rows_message(read_rows)
    if verb == "add":
        rows.append({k: v for k, v in rows[-1].items() if k not in ("date", "end_date")})
    elif i is not None and i < len(rows):
        if verb == "copy":
            rows.insert(i + 1, dict(rows[i]))
        elif verb == "remove":
            rows.pop(i)
            rows = rows or [{}]
        elif verb == "repeat":
            weeks = _small_number((formdata.get(f"repeat_weeks-{i}") or "").strip(), 3) or 0
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
        errors.setdefault("", [f"A request holds at most {MAX_SHIFT_ROWS} shifts."])
    out = with_rows(formdata, rows)
    if errors:
        # keep the weeks the employer typed, beside the field that needs changing
        for key in (k for k in formdata if k.startswith("repeat_weeks-")):
            out[key] = formdata[key]
    return out, errors


@dataclass
class FormRequest:
    """What the shift form's data says, as far as it can be read: a request body and what is still missing."""

    body: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # form field name -> messages
    rows: list[int] = field(default_factory=list)  # engine shift index -> form row
    needs: dict[str, str] = field(default_factory=dict)  # empty field name -> what to enter there

    @property
    def complete(self) -> bool:
        return not self.missing and not self.errors


# What a field of the form accepts, read the way WTForms' DateField ("%Y-%m-%d"), TimeField ("%H:%M")
# and IntegerField read it, with the same messages. Here rather than in the bound form so the live panel
# reads the data without building a form (the panel's hot path), and every other path reads it the same.
_DATE_TEXT = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_TIME_TEXT = re.compile(r"^([0-9]{1,2}):([0-9]{1,2})$")
_INTEGER_TEXT = re.compile(r"^[+-]?[0-9]{1,9}$")


def _numbers_reader(pattern: re.Pattern, build, message: str):
    """A reader of text like ``2027-03-04`` into ``build(2027, 3, 4)``; ValueError(message) otherwise."""

    def read_text(text: str):
        match = pattern.match(text)
        if match is not None:
            try:
                return build(*map(int, match.groups()))
            except ValueError:
                pass
        raise ValueError(message)

    return read_text


_read_date = _numbers_reader(_DATE_TEXT, date, "Not a valid date value.")
_read_time = _numbers_reader(_TIME_TEXT, time, "Not a valid time value.")


def _read_count(text: str) -> int:
    if not _INTEGER_TEXT.match(text):
        raise ValueError("Not a valid integer value.")
    value = int(text)
    if not 0 <= value <= COUNT_LIMIT:
        raise ValueError(f"Enter a number from 0 to {COUNT_LIMIT}.")
    return value


_NEED_WORDS = {"date": "a date", "start": "a start time", "end": "an end time"}
_NEEDS = {"date": "Enter the date.", "start": "Enter the start time.", "end": "Enter the end time."}


def _row_readers(card: RateCard) -> dict[str, Any]:
    """The fields of a shift row for this card and how each is read (kept in the card's cache)."""
    readers = card._cache.get("portal.row_readers")
    if readers is None:
        readers = {"date": _read_date, "end_date": _read_date, "start": _read_time, "end": _read_time,
                   "officers": _read_count, "vehicles": _read_count}
        readers.update({f"rank_{rank.key}": _read_count for rank in card.ranks[1:]})
        card._cache["portal.row_readers"] = readers
    return readers


def _local(day: date, t: time) -> str:
    return f"{day.isoformat()}T{t.hour:02d}:{t.minute:02d}"


def read(formdata, card: RateCard, rows: list[dict[str, str]] | None = None) -> FormRequest:
    """Turn the shift form's data (a MultiDict) into the shift and rate fields of an API request body.

    Fields a person has not filled yet are reported as ``missing`` (plain words), not errors.
    Input that cannot be read (a malformed date, a negative headcount) is an error on that field,
    keyed by the field's name in the form (``shifts-0-date``). ``rows``: ``rows_of(formdata)``, if already read.
    """
    result = FormRequest(body={})
    errors = result.errors
    if len(card.schedules) > 1:
        chosen = (formdata.get("schedule") or "").strip()
        if chosen and card.schedule(chosen) is None:
            errors["schedule"] = ["Not a valid choice."]
        result.body["schedule"] = chosen or card.default_schedule.key
    priority = (formdata.get("priority") or "").strip()
    if priority:
        if priority in _selectable_tiers(card):
            result.body["priority"] = priority
        else:
            errors["priority"] = ["Not a valid choice."]
    offered = {}
    for rank in card.ranks if card.rates_are_minimums else ():
        value = (formdata.get(f"offered_{rank.key}") or "").strip().lstrip("$")
        if value:
            if _MONEY.match(value):
                offered[rank.key] = value if "." in value else f"{value}.00"
            else:
                errors[f"offered_{rank.key}"] = ["Enter an hourly rate like 45.00."]
    if offered:
        result.body["offered_rates"] = offered

    rows = rows_of(formdata) if rows is None else rows
    if getattr(rows, "dropped", 0):
        errors[""] = dropped_rows_message(rows)
    rows = rows or [{}]
    ranks = card.ranks
    readers = _row_readers(card)
    shifts = []
    for i, row in enumerate(rows):
        label = f"Shift {i + 1}" if len(rows) > 1 else "The shift"
        values: dict[str, Any] = {}
        bad_time = bad_headcount = False
        for key, text in row.items():
            text = text.strip()
            if not text:
                continue
            reader = readers.get(key)
            if reader is None:
                continue  # not a field of this card's form
            try:
                values[key] = reader(text)
            except ValueError as e:
                errors[f"shifts-{i}-{key}"] = [str(e)]
                if reader is not _read_count:
                    bad_time = True  # a row without its times cannot be priced
                elif key != "vehicles":
                    bad_headcount = True
        if bad_time:
            continue
        positions = {}
        if values.get("officers"):
            positions[ranks[0].key] = values["officers"]
        for rank in ranks[1:]:
            if values.get(f"rank_{rank.key}"):
                positions[rank.key] = values[f"rank_{rank.key}"]
        needs = [key for key in ("date", "start", "end") if key not in values]
        for key in needs:
            result.needs[f"shifts-{i}-{key}"] = _NEEDS[key]
        if not positions and not bad_headcount:
            result.needs[f"shifts-{i}-officers"] = "Enter how many officers you need."
        if needs:
            result.missing.append(f"{label} needs {_join([_NEED_WORDS[key] for key in needs])}.")
            continue
        if not positions:
            result.missing.append(f"{label} needs at least one officer.")
            continue
        day, start, end = values["date"], values["start"], values["end"]
        if "end_date" in values or end > start:
            end_day = values.get("end_date", day)
        elif day < date.max:
            end_day = day + timedelta(days=1)
        else:
            errors.setdefault(f"shifts-{i}-date", []).append("Enter a date before the year 9999.")
            continue
        shift = {"start": _local(day, start), "end": _local(end_day, end), "positions": positions}
        if values.get("vehicles"):
            shift["vehicles"] = values["vehicles"]
        shifts.append(shift)
        result.rows.append(i)
    result.body["shifts"] = shifts
    return result


def _selectable_tiers(card: RateCard) -> list[str]:
    return [t.key for t in card.tiers if t.selectable]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


_SHIFT_PATH = re.compile(r"^shifts\[(\d+)\](?:\.(\w+))?(?:\.(\w+))?$")
_SHIFT_FIELD = {"start": "start", "end": "end", "vehicles": "vehicles", "officers": "officers", "job_type": "date"}


def form_field_for(path: str | None, card: RateCard, rows: list[int]) -> str | None:
    """The form field an engine error path belongs to (``shifts[0].end`` -> ``shifts-0-end``), or None."""
    if not path:
        return None
    if path.startswith("offered_rates."):
        rank = path.split(".", 1)[1]
        return f"offered_{rank}" if card.rates_are_minimums and rank in card.rank_keys else None
    if path == "schedule":
        return path if len(card.schedules) > 1 else None
    if path == "priority":
        return path if _selectable_tiers(card) else None
    match = _SHIFT_PATH.match(path)
    if not match:
        return None
    index, key, sub = int(match.group(1)), match.group(2), match.group(3)
    if index >= len(rows):
        return None
    row = f"shifts-{rows[index]}-"
    if key == "positions":
        if sub and sub != card.ranks[0].key and sub in card.rank_keys:
            return row + f"rank_{sub}"
        return row + "officers"
    return row + _SHIFT_FIELD.get(key or "", "date")


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


def engine_errors_by_field(errors: list[dict], card: RateCard, rows: list[int]) -> dict[str, list[str]]:
    """Engine errors (``{"field", "message"}``) keyed by form field name ("" for the form as a whole)."""
    out: dict[str, list[str]] = {}
    for e in errors:
        name = form_field_for(e["field"], card, rows) or ""
        out.setdefault(name, []).append(sentence(e["message"]))
    return out


def field_labels(card: RateCard, names) -> dict[str, str]:
    """Words naming each form field, for a message shown away from the form (``shifts-0-end`` -> "Shift 1, End")."""
    shift_form, quote_form = form_classes(card)

    def label(form_class, key: str) -> str:
        unbound = getattr(form_class, key, None)  # every field here is built with its label first
        return unbound.args[0] if unbound is not None and unbound.args else key.replace("_", " ").capitalize()

    labels = {}
    for name in names:
        row = _ROW_KEY.match(name)
        if row:
            labels[name] = f"Shift {int(row.group(1)) + 1}, {label(shift_form, row.group(2))}"
        else:
            labels[name] = label(quote_form, name)
    return labels


@dataclass
class Preview:
    """What the quote panel shows: the quote, or what is still missing, or what is wrong."""

    quote: dict[str, Any] | None
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # errors that belong to no single field
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, Any] | None = None  # the request body that was priced
    needs: dict[str, str] = field(default_factory=dict)  # empty field name -> what to enter (with `missing`)
    labels: dict[str, str] = field(default_factory=dict)  # field_errors' field name -> words naming the field

    @property
    def blocked(self) -> bool:
        return bool(self.quote and self.quote["blocks"])

    @property
    def notices(self) -> list[dict[str, Any]]:
        """The quote's notices less those its approvals already say (shown once, as approvals)."""
        if not self.quote:
            return []
        approvals = {a["code"] for a in self.quote["approvals"]}
        return [n for n in self.quote["notices"] if n["code"] not in approvals]


def preview(
    slug: str, card: RateCard, formdata, *, now: datetime, extra: dict | None = None,
    shift_extra: dict | None = None, rows: list[dict[str, str]] | None = None,
) -> Preview:
    """Price what the shift form's data says so far, exactly as submission would (same body, same engine).

    ``extra`` adds the request fields other wizard steps collected (location, screening, venue);
    ``shift_extra`` adds fields to every shift (the wizard's ``job_type``). Nothing is bound or
    written: a page that shows the form puts ``field_errors`` beside its fields (``apply_errors``).
    """
    from portal import quoting

    read_back = read(formdata, card, rows)
    if read_back.errors:
        return Preview(None, read_back.missing, [], read_back.errors, needs=read_back.needs,
                       labels=field_labels(card, read_back.errors))
    if read_back.missing or not read_back.body["shifts"]:
        missing = read_back.missing or ["Add a shift: its date, start and end, and how many officers."]
        return Preview(None, missing, needs=read_back.needs)
    body = {"agency": slug, **(extra or {}), **read_back.body}
    if shift_extra:
        body["shifts"] = [{**shift, **shift_extra} for shift in body["shifts"]]
    try:
        priced = quoting.price_with(card, body, now=now)
    except quoting.QuoteInputError as e:
        errors = engine_errors_by_field(e.errors, card, read_back.rows)
        return Preview(None, [], errors.pop("", []), errors, body, labels=field_labels(card, errors))
    return Preview(priced.to_dict(), body=body)
