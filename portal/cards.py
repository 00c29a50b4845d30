"""Rate cards in the database: dated versions per agency, imported from TOML files.

The pure engine (``portal.pricing``) parses and validates a card; this module stores the text
as a new version of its agency, keeps the agency's name, zone and jurisdiction in step with it,
and hands out parsed cards (cached per text, so the live quote never re-parses).
"""

from __future__ import annotations

import hashlib
import time
import tomllib
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import contains_eager, defer

from portal.extensions import db
from portal.formatting import money
from portal.models import Agency, RateCardVersion, User
from portal.models.types import utcnow
from portal.pricing import CardError, RateCard, load_card, review_card
from portal.pricing.validate import SLUG_RE

SHIPPED_DIR = Path(__file__).resolve().parent / "rate_cards"


_PARSED: dict[tuple[int, str], RateCard] = {}


def card_of(version: RateCardVersion) -> RateCard:
    """The parsed card of a stored version, carrying its version number.

    Parsed once per process: versions never change, so the cache is keyed by the row's id and its
    text's hash, and the (deferred) text is loaded only on a miss.
    """
    key = (version.id, version.sha256)
    card = _PARSED.get(key)
    if card is None:
        if len(_PARSED) > 512:
            _PARSED.clear()
        card = _PARSED[key] = load_card(version.source_text).with_version(version.version)
    return card


# A new version of a card takes effect this long after it is imported (the agency's first version at
# once: it supersedes nothing). Every process can then answer "which version is current" from a list of
# versions it read less than CACHE_SECONDS ago, and all of them, the API and the live panel alike, switch
# to the new version at the same moment: the panel never shows a price from a card the server would no
# longer use. The delay must exceed CACHE_SECONDS, plus the clock difference between hosts.
ACTIVATION_DELAY = timedelta(seconds=2)
CACHE_SECONDS = 1.0


def takes_effect_at(version: RateCardVersion, first: bool) -> datetime:
    """When ``version`` becomes its agency's current card (``first``: the agency's first version)."""
    return version.imported_at if first else version.imported_at + ACTIVATION_DELAY


def _current_of(versions: Sequence, now: datetime):
    """The current one of an agency's versions (rows with ``version`` and ``imported_at``, oldest first)."""
    current = versions[0] if versions else None
    cutoff = now - ACTIVATION_DELAY
    for row in versions[1:]:
        if row.imported_at <= cutoff:
            current = row
    return current


def _versions_statement():
    return select(RateCardVersion).order_by(RateCardVersion.version).options(defer(RateCardVersion.source_text))


def current_for_slug(slug: str, *, now: datetime | None = None) -> tuple[Agency, RateCardVersion] | None:
    """An agency and its current card version, in one query (None for a malformed slug)."""
    if not SLUG_RE.fullmatch(slug or ""):
        return None
    versions = db.session.scalars(
        _versions_statement().join(RateCardVersion.agency).where(Agency.slug == slug)
        .options(contains_eager(RateCardVersion.agency))
    ).all()
    version = _current_of(versions, now or utcnow())
    return (version.agency, version) if version else None


def current_version(agency: Agency, *, now: datetime | None = None) -> RateCardVersion | None:
    versions = db.session.scalars(_versions_statement().where(RateCardVersion.agency_id == agency.id)).all()
    return _current_of(versions, now or utcnow())


def latest_version(agency: Agency) -> RateCardVersion | None:
    """The agency's newest version, whether or not it has taken effect yet."""
    return db.session.scalar(
        select(RateCardVersion).where(RateCardVersion.agency_id == agency.id)
        .order_by(RateCardVersion.version.desc()).limit(1)
    )


def current_card(slug: str) -> RateCard | None:
    """The agency's current card, for the live quote's hot path: usually no query at all.

    The agency's versions are read at most once every CACHE_SECONDS per process (see ACTIVATION_DELAY
    for why that list decides the current version exactly as the database would), and parsed cards are
    kept per process. The card names its agency (slug, name, short name, time zone), so a preview needs
    no other row. A malformed slug never reaches the database (a NUL byte cannot even be sent to PostgreSQL).
    """
    if not SLUG_RE.fullmatch(slug or ""):
        return None
    listed = current_app.extensions.setdefault("detail_desk.card_versions", {})  # per app: tests make many
    read_at, versions = listed.get(slug, (None, ()))
    clock = time.monotonic()
    if read_at is None or clock - read_at >= CACHE_SECONDS:
        with db.engine.connect() as connection:
            versions = tuple(connection.execute(_listed_statement(), {"slug": slug}))
        if len(listed) > 1000:  # slugs are checked above, but any well-formed one can be asked for
            listed.clear()
        listed[slug] = (clock, versions)
    chosen = _current_of(versions, utcnow())
    if chosen is None:
        return None
    card = _PARSED.get((chosen.id, chosen.sha256))
    return card if card is not None else card_of(db.session.get(RateCardVersion, chosen.id))


@lru_cache(maxsize=1)
def _listed_statement():
    return (
        select(RateCardVersion.id, RateCardVersion.sha256, RateCardVersion.version, RateCardVersion.imported_at)
        .join(RateCardVersion.agency)
        .where(Agency.slug == bindparam("slug"))
        .order_by(RateCardVersion.version)
    )


def version_number(agency: Agency, number: int) -> RateCardVersion | None:
    return db.session.scalar(
        select(RateCardVersion).where(RateCardVersion.agency_id == agency.id, RateCardVersion.version == number)
    )


def _summary(card: RateCard) -> str:
    """One line for the agency list: ranks, the lowest regular rate, the minimum."""
    rates = card.default_schedule.rates.get("regular", {})
    lowest = min(rates.values()) if rates else None
    ranks = ", ".join(r.label for r in card.ranks)
    hours = card.minimum_minutes // 60 if card.minimum_minutes % 60 == 0 else card.minimum_minutes / 60
    parts = [ranks]
    if lowest is not None:
        parts.append(f"from {money(lowest)} an hour" + (" (minimum rates)" if card.rates_are_minimums else ""))
    if card.minimum_minutes:
        parts.append(f"{hours}-hour minimum")
    return "; ".join(parts) + "."


def _agency_fields(card: RateCard) -> dict:
    return {
        "name": card.name,
        "short_name": card.short_name,
        "time_zone": card.time_zone,
        "jurisdiction_city": card.jurisdiction.city if card.jurisdiction else "",
        "jurisdiction_state": card.jurisdiction.state if card.jurisdiction else "",
        "summary": _summary(card)[:500],
    }


def import_card(text: str, *, by: User | None = None) -> tuple[RateCardVersion, bool]:
    """Store ``text`` as the next version of its agency (created if new).

    Raises ``portal.pricing.CardError`` listing every problem when the card is invalid or one of its worked
    examples does not come out exact. Importing the same text as the current version changes nothing and
    returns ``(current, False)``.
    """
    review = review_card(text)
    if review.problems or review.card is None:
        raise CardError(list(review.problems))
    card = review.card
    sha = hashlib.sha256(text.encode()).hexdigest()
    agency = db.session.scalar(select(Agency).where(Agency.slug == card.slug))
    if agency is None:
        agency = Agency(slug=card.slug, **_agency_fields(card))
        db.session.add(agency)
        db.session.flush()
    else:
        latest = latest_version(agency)
        if latest is not None and latest.sha256 == sha:
            return latest, False
        for key, value in _agency_fields(card).items():
            setattr(agency, key, value)
    number = (
        db.session.scalar(select(func.max(RateCardVersion.version)).where(RateCardVersion.agency_id == agency.id))
        or 0
    ) + 1
    version = RateCardVersion(
        agency=agency,
        version=number,
        effective_date=card.effective,
        source_text=text,
        sha256=sha,
        imported_by_id=by.id if by else None,
    )
    db.session.add(version)
    db.session.commit()
    return version, True


def shipped_card_files() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.toml"))


def import_shipped_cards() -> list[tuple[RateCardVersion, bool]]:
    """Load every card shipped in ``portal/rate_cards`` (what ``flask seed-demo`` does)."""
    return [import_card(path.read_text()) for path in shipped_card_files()]


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def card_document(version: RateCardVersion) -> dict:
    """The card exactly as its agency wrote it, as JSON (dates as ISO strings)."""
    return _jsonable(tomllib.loads(version.source_text))


def describe(card: RateCard) -> dict:
    """What a client needs to build a request: schedules, ranks, job types, questions, venue kinds."""
    return {
        "ranks": [{"key": r.key, "label": r.label} for r in card.ranks],
        "schedules": [
            {"key": s.key, "label": s.label, "default": s.default, "description": s.description}
            for s in card.schedules
        ],
        "job_types": [
            {"key": j.key, "label": j.label, "minimum_minutes": j.minimum_minutes or card.minimum_minutes}
            for j in card.job_types
        ],
        "screening_questions": [
            {
                "key": q.key,
                "question": q.question,
                "help": q.help,
                "effects": [
                    {"effect": e.effect, "code": e.code, "message": e.message, "source": e.source} for e in q.effects
                ],
            }
            for q in card.screening
        ],
        "venue_kinds": [{"key": v.key, "label": v.label} for v in card.staffing.venues] if card.staffing else [],
        "priority_tiers": [{"key": t.key, "label": t.label} for t in card.tiers if t.selectable],
        "rates_are_minimums": card.rates_are_minimums,
        "minimum_minutes": card.minimum_minutes,
        "vehicles": card.vehicle.kind != "none" or bool(card.vehicle.approval),
    }
