"""What changed between two versions of a rate card: every value that differs, by its location in the card and
grouped by the part of the card it is in (rates, minimums, fees, cancellation...), and the text diff of the TOML.

Pure (standard library): both texts were checked when they were imported. Locations read as the card check's do
(``schedules.regular.rates.regular.officer``), except that a list of tables whose entries all have distinct
names is keyed by name (``holidays[Christmas Day].from``), so inserting a holiday does not shift every later one.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

# The parts of a card, as a reader of the history thinks of them; the rest are named by their key.
SECTIONS = {
    "schedules": "Rates and schedules", "tiers": "Premiums", "minimum_hours": "Minimums",
    "attendance_minimum": "Minimums", "job_types": "Minimums", "holidays": "Holidays",
    "blocked_dates": "Blocked dates", "vehicle": "Vehicles", "supervisors": "Supervisors",
    "admin_fee": "Fees and charges", "charges": "Fees and charges", "cancellation": "Cancellation",
    "full_shift": "Invoice rules", "screening": "Screening", "examples": "Worked examples", "sources": "Sources",
}
MAX_SHOWN = 120  # characters of a value shown in the summary


@dataclass(frozen=True, slots=True)
class Change:
    section: str
    location: str
    before: str | None  # None: added
    after: str | None  # None: removed

    @property
    def kind(self) -> str:
        return "added" if self.before is None else "removed" if self.after is None else "changed"


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = f'"{value}"'
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, date | datetime | time):
        text = value.isoformat()
    elif isinstance(value, list):
        text = "[" + ", ".join(_shown(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_shown(v)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _keys(items: list[Any]) -> list[str]:
    """How each entry of a list is named: by its ``name`` (or ``key``) when every entry has a distinct one."""
    for field in ("name", "key"):
        names = [item.get(field) if isinstance(item, dict) else None for item in items]
        if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            return names
    return [str(i) for i in range(len(items))]


def _flatten(value: Any, location: str, out: dict[str, Any], entries: dict[str, Any]) -> None:
    """Every value of the card by its location into ``out``; every entry of a list of tables into ``entries``."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{location}.{key}" if location else str(key), out, entries)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for key, item in zip(_keys(value), value, strict=True):
            entries[f"{location}[{key}]"] = item
            _flatten(item, f"{location}[{key}]", out, entries)
    else:
        out[location] = value


def changes(old_text: str, new_text: str) -> list[Change]:
    """Every value added, removed or changed from ``old_text`` to ``new_text``, in the new card's order. An entry
    of a list of tables (a holiday, a worked example) added or removed as a whole is one change."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    old_entries: dict[str, Any] = {}
    new_entries: dict[str, Any] = {}
    _flatten(tomllib.loads(old_text), "", old, old_entries)
    _flatten(tomllib.loads(new_text), "", new, new_entries)
    whole = {**{k: (None, _shown(v)) for k, v in new_entries.items() if k not in old_entries},
             **{k: (_shown(v), None) for k, v in old_entries.items() if k not in new_entries}}
    found, reported = [], set()
    for location in [*new, *(k for k in old if k not in new)]:
        entry = next((e for e in whole if location.startswith(e + ".")), None)
        if entry is not None:
            if entry not in reported:
                reported.add(entry)
                found.append(Change(_section(entry), entry, *whole[entry]))
            continue
        before, after = old.get(location, _ABSENT), new.get(location, _ABSENT)
        if before == after:
            continue
        found.append(Change(_section(location), location,
                            None if before is _ABSENT else _shown(before), None if after is _ABSENT else _shown(after)))
    order = list(dict.fromkeys(["General", *SECTIONS.values()]))
    return sorted(found, key=lambda c: order.index(c.section))  # stable: the card's order within a part


def _section(location: str) -> str:
    return SECTIONS.get(location.split(".")[0].split("[")[0], "General")


_ABSENT = object()


def text_diff(old_text: str, new_text: str, old_name: str, new_name: str) -> list[tuple[str, str]]:
    """The unified diff of the two texts as ``(kind, line)``: kind is ``file``, ``hunk``, ``added``, ``removed``
    or ``same``."""
    kinds = {"+": "added", "-": "removed", "@": "hunk", " ": "same"}
    out = []
    for i, line in enumerate(difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), old_name, new_name,
                                                  lineterm="", n=2)):
        out.append(("file" if i < 2 else kinds.get(line[:1], "same"), line))
    return out


def by_section(found: list[Change]) -> list[tuple[str, list[Change]]]:
    """``changes`` grouped by their part of the card, in the order they come."""
    groups: dict[str, list[Change]] = {}
    for change in found:
        groups.setdefault(change.section, []).append(change)
    return list(groups.items())
