"""An agency's officer roster: add, edit, deactivate, and import from a CSV file (the department's own export).

One set of rules for a form and a CSV row alike (``problems``): a name, a badge number (letters, digits and
dashes, unique in the agency), and a rank of the agency's rate card, by key or label. Officers are never deleted:
an assignment names them. Every lookup is scoped to the agency.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.bookings.queries import NotFound
from portal.extensions import db
from portal.models import Agency, Officer
from portal.pricing import RateCard

BADGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
MAX_CSV_BYTES = 1024 * 1024
MAX_CSV_ROWS = 5000
COLUMNS = {"name": "name", "full_name": "name", "badge": "badge_number", "badge_number": "badge_number",
           "rank": "rank", "active": "active"}
_YES = {"yes", "y", "true", "1", "active"}
_NO = {"no", "n", "false", "0", "inactive"}


class RosterError(ValueError):
    """What is wrong, by field (``full_name``, ``badge_number``, ``rank``; ``file`` for an import)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def officers(agency_id: int) -> list[Officer]:
    """The agency's roster: active officers first, by name."""
    return list(db.session.scalars(select(Officer).where(Officer.agency_id == agency_id)
                                   .order_by(Officer.active.desc(), Officer.full_name, Officer.badge_number)))


def get_officer(agency_id: int, officer_id: int) -> Officer:
    officer = db.session.scalar(select(Officer).where(Officer.id == officer_id, Officer.agency_id == agency_id))
    if officer is None:
        raise NotFound(officer_id)
    return officer


def rank_key(card: RateCard, text: str) -> str | None:
    """A rank of the card named by its key or its label (any case); None if it has no such rank."""
    wanted = text.strip().casefold()
    return next((r.key for r in card.ranks if wanted in (r.key.casefold(), r.label.casefold())), None)


def _clean(text: str | None) -> str:
    """Text without control characters and with single spaces."""
    text = "".join(c for c in (text or "") if unicodedata.category(c)[0] != "C")
    return " ".join(text.split())


def problems(card: RateCard, full_name: str, badge_number: str, rank: str) -> dict[str, str]:
    """What is wrong with an officer's fields (empty: nothing)."""
    errors = {}
    if not full_name:
        errors["full_name"] = "Enter the officer's name."
    elif len(full_name) > 120:
        errors["full_name"] = "At most 120 characters."
    if not BADGE_RE.match(badge_number):
        errors["badge_number"] = "Letters, digits and dashes, at most 32 (for example 4417 or K-208)."
    if rank_key(card, rank) is None:
        errors["rank"] = f"One of the ranks on {card.short_name}'s rate card: {', '.join(r.label for r in card.ranks)}."
    return errors


def _badge_taken(agency_id: int, badge_number: str, but: int | None = None) -> bool:
    q = select(Officer.id).where(Officer.agency_id == agency_id,
                                 func.lower(Officer.badge_number) == badge_number.lower())
    if but is not None:
        q = q.where(Officer.id != but)
    return db.session.scalar(q) is not None


def save(agency: Agency, card: RateCard, *, full_name: str, badge_number: str, rank: str,
         officer: Officer | None = None) -> Officer:
    """Add an officer (``officer`` None) or change one. Commits; raises ``RosterError``."""
    full_name, badge_number = _clean(full_name), _clean(badge_number)
    errors = problems(card, full_name, badge_number, rank)
    if "badge_number" not in errors and _badge_taken(agency.id, badge_number, officer.id if officer else None):
        errors["badge_number"] = f"Badge {badge_number} is already on the roster."
    if errors:
        raise RosterError(errors)
    if officer is None:
        officer = Officer(agency_id=agency.id)
        db.session.add(officer)
    officer.full_name, officer.badge_number, officer.rank = full_name, badge_number, rank_key(card, rank)
    try:
        db.session.commit()
    except IntegrityError:  # the same badge added at the same moment elsewhere
        db.session.rollback()
        raise RosterError({"badge_number": f"Badge {badge_number} is already on the roster."}) from None
    return officer


def set_active(officer: Officer, active: bool) -> None:
    """Deactivate (no new assignments; those made stay) or reactivate an officer. Commits."""
    officer.active = active
    db.session.commit()


@dataclass
class Imported:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def import_csv(agency: Agency, card: RateCard, data: bytes) -> Imported:
    """Add or update officers from CSV (columns ``name``, ``badge_number``, ``rank``, optional ``active``; a
    known badge number updates that officer). All or nothing: with any problem nothing is imported and every
    problem is listed with its line. Commits."""
    result = Imported()
    if len(data) > MAX_CSV_BYTES:
        raise RosterError({"file": f"The file is larger than {MAX_CSV_BYTES // 1024} KB."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError({"file": "The file is not UTF-8 text. Save it as CSV UTF-8 and try again."}) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [_clean(h).lower().replace(" ", "_") for h in next(reader, [])]
    columns = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    missing = [c for c in ("name", "badge_number", "rank") if c not in columns]
    if missing:
        raise RosterError({"file": "The first line must name the columns name, badge_number and rank "
                                   f"(missing: {', '.join(missing)}); active is optional."})
    existing = {o.badge_number.lower(): o for o in db.session.scalars(
        select(Officer).where(Officer.agency_id == agency.id))}
    seen: dict[str, int] = {}
    rows = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(rows) >= MAX_CSV_ROWS:
            raise RosterError({"file": f"At most {MAX_CSV_ROWS:,} officers per file."})

        def cell(name: str, row=row) -> str:
            i = columns.get(name)
            return _clean(row[i]) if i is not None and i < len(row) else ""

        name, badge, rank, active_text = cell("name"), cell("badge_number"), cell("rank"), cell("active").lower()
        for key, message in problems(card, name, badge, rank).items():
            result.problems.append(f"Line {line}, {key}: {message}")
        if active_text and active_text not in _YES | _NO:
            result.problems.append(f"Line {line}, active: yes or no.")
        if badge.lower() in seen:
            result.problems.append(f"Line {line}, badge_number: badge {badge} is also on line {seen[badge.lower()]}.")
        seen.setdefault(badge.lower(), line)
        rows.append((name, badge, rank_key(card, rank), active_text not in _NO))
    if not rows and not result.problems:
        raise RosterError({"file": "The file has no officers in it."})
    if result.problems:
        raise RosterError({"file": " ".join(result.problems[:20]) + (
            f" (and {len(result.problems) - 20} more)" if len(result.problems) > 20 else "")})
    for name, badge, rank, active in rows:
        officer = existing.get(badge.lower())
        if officer is None:
            db.session.add(Officer(agency_id=agency.id, full_name=name, badge_number=badge, rank=rank, active=active))
            result.added += 1
        elif (officer.full_name, officer.rank, officer.active) != (name, rank, active):
            officer.full_name, officer.rank, officer.active = name, rank, active
            result.updated += 1
        else:
            result.unchanged += 1
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RosterError({"file": "Someone changed the roster at the same moment. Import the file again."}) from None
    return result
