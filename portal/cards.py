"""Rate cards in the database: dated versions per agency, imported from TOML files.

The pure engine (``portal.pricing``) parses and validates a card; this module stores the text
as a new version of its agency, keeps the agency's name, zone and jurisdiction in step with it,
and hands out parsed cards (cached per text, so the live quote never re-parses).
"""

from __future__ import annotations

import dataclasses
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

from portal import clock
from portal.extensions import db
from portal.formatting import money
from portal.models import Agency, RateCardVersion, User
from portal.models.types import utcnow
from portal.pricing import CardError, CardReview, Problem, RateCard, load_card, review_card
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


# A version of a card takes effect at its ``activates_at``: at the earliest this long after it is imported (the
# agency's first version at once: it supersedes nothing), or later, at the moment its agency gave it (a scheduled
# version). Every process can then answer "which version is current" from a list of versions it read less than
# CACHE_SECONDS ago (the list holds scheduled versions too, with their moments), and all of them, the API and the
# live panel alike, switch to the new version at the same moment: the panel never shows a price from a card the
# server would no longer use. The delay must exceed CACHE_SECONDS, plus the clock difference between hosts; for
# the same reason a scheduled version can be cancelled only until ACTIVATION_DELAY before its moment.
ACTIVATION_DELAY = timedelta(seconds=2)
CACHE_SECONDS = 1.0


class ScheduleError(ValueError):
    """A version cannot take effect at the moment asked (in the past, or before a version already scheduled),
    or cannot be cancelled (it is not scheduled, or takes effect too soon)."""


def _now() -> datetime:
    """The portal's clock (``portal.clock``): activation is a rule that depends on the time, like the others."""
    return clock.now()


def _current_of(versions: Sequence, now: datetime):
    """The current one of an agency's versions that are not cancelled (rows with ``version`` and ``activates_at``,
    oldest first): the newest that has taken effect, or the first (it took effect at its import).

    Versions take effect in the order of their numbers (``activation_problem`` refuses a moment before a version
    already scheduled), so the newest in effect is also the one that took effect last."""
    current = versions[0] if versions else None
    for row in versions[1:]:
        if row.activates_at <= now:
            current = row
    return current


def status_of(version: RateCardVersion, current: RateCardVersion | None, now: datetime) -> str:
    """``current``, ``scheduled`` (it takes effect later), ``cancelled`` (it never will) or ``past``."""
    if version.cancelled_at is not None:
        return "cancelled"
    if current is not None and version.id == current.id:
        return "current"
    return "scheduled" if version.activates_at > now else "past"


def _versions_statement():
    return (
        select(RateCardVersion).where(RateCardVersion.cancelled_at.is_(None)).order_by(RateCardVersion.version)
        .options(defer(RateCardVersion.source_text))
    )


def current_for_slug(slug: str, *, now: datetime | None = None) -> tuple[Agency, RateCardVersion] | None:
    """An agency and its current card version, in one query (None for a malformed slug)."""
    if not SLUG_RE.fullmatch(slug or ""):
        return None
    versions = db.session.scalars(
        _versions_statement().join(RateCardVersion.agency).where(Agency.slug == slug)
        .options(contains_eager(RateCardVersion.agency))
    ).all()
    version = _current_of(versions, now or _now())
    return (version.agency, version) if version else None


def current_version(agency: Agency, *, now: datetime | None = None) -> RateCardVersion | None:
    versions = db.session.scalars(_versions_statement().where(RateCardVersion.agency_id == agency.id)).all()
    return _current_of(versions, now or _now())


def latest_version(agency: Agency) -> RateCardVersion | None:
    """The agency's newest version that is not cancelled, whether or not it has taken effect yet."""
    return db.session.scalar(
        select(RateCardVersion).where(RateCardVersion.agency_id == agency.id, RateCardVersion.cancelled_at.is_(None))
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
    monotonic = time.monotonic()
    if read_at is None or monotonic - read_at >= CACHE_SECONDS:
        with db.engine.connect() as connection:
            versions = tuple(connection.execute(_listed_statement(), {"slug": slug}))
        if len(listed) > 1000:  # slugs are checked above, but any well-formed one can be asked for
            listed.clear()
        listed[slug] = (monotonic, versions)
    chosen = _current_of(versions, _now())
    if chosen is None:
        return None
    card = _PARSED.get((chosen.id, chosen.sha256))
    return card if card is not None else card_of(db.session.get(RateCardVersion, chosen.id))


@lru_cache(maxsize=1)
def _listed_statement():
    return (
        select(RateCardVersion.id, RateCardVersion.sha256, RateCardVersion.version, RateCardVersion.activates_at)
        .join(RateCardVersion.agency)
        .where(Agency.slug == bindparam("slug"), RateCardVersion.cancelled_at.is_(None))
        .order_by(RateCardVersion.version)
    )


def activation_problem(agency: Agency | None, at: datetime | None, now: datetime) -> str | None:
    """Why a new version of ``agency`` cannot take effect at ``at`` (None: the earliest moment), or None.

    Not in the past (a moment within the current minute counts as now: forms give minutes), not before a version
    already scheduled (versions take effect in the order of their numbers), and never for an agency's first
    version, which takes effect at once."""
    if at is None:
        return None
    if agency is None:
        return "An agency's first version takes effect at once; give no moment."
    if at < now.replace(second=0, microsecond=0):
        return "That moment has passed; give a later one, or leave it empty for now."
    latest = latest_version(agency)
    if latest is not None and latest.activates_at > now and at <= latest.activates_at:
        when = latest.activates_at.astimezone(agency.zone)
        return (f"Version {latest.version} takes effect on {when:%a %-d %b %Y at %H:%M} ({agency.time_zone}); a new "
                f"version must take effect after it. Cancel version {latest.version} first to replace it sooner.")
    return None


def cancel_version(version: RateCardVersion, *, by: User | None, now: datetime | None = None) -> None:
    """Cancel a scheduled version: it never takes effect (kept, with who cancelled it, in the history).
    Raises ScheduleError when it is not scheduled, or takes effect within ACTIVATION_DELAY (processes may
    already hold it in their list of versions)."""
    now = now or _now()
    if version.cancelled_at is not None:
        raise ScheduleError(f"Version {version.version} is already cancelled.")
    if not cancellable(version, now):
        raise ScheduleError(f"Version {version.version} has taken effect (or is about to); upload a new version to "
                            "change the card.")
    version.cancelled_at = utcnow()
    version.cancelled_by_id = by.id if by else None
    db.session.commit()


def cancellable(version: RateCardVersion, now: datetime) -> bool:
    """Whether ``cancel_version`` would cancel it now."""
    return version.cancelled_at is None and version.activates_at - ACTIVATION_DELAY > now


def history(agency: Agency, *, now: datetime | None = None) -> list[tuple[RateCardVersion, str, bool]]:
    """Every version of the agency, newest first, each with its status (``status_of``) and whether it can still be
    cancelled."""
    now = now or _now()
    current = current_version(agency, now=now)
    rows = db.session.scalars(
        select(RateCardVersion).where(RateCardVersion.agency_id == agency.id)
        .order_by(RateCardVersion.version.desc()).options(defer(RateCardVersion.source_text))
    ).all()
    return [(row, status_of(row, current, now), cancellable(row, now)) for row in rows]


def predecessor(version: RateCardVersion) -> RateCardVersion | None:
    """The version before ``version`` that was not cancelled (what it replaces), or None for the first."""
    return db.session.scalar(
        select(RateCardVersion).where(RateCardVersion.agency_id == version.agency_id,
                                      RateCardVersion.version < version.version,
                                      RateCardVersion.cancelled_at.is_(None))
        .order_by(RateCardVersion.version.desc()).limit(1)
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


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def import_card(text: str, *, by: User | None = None, activates_at: datetime | None = None,
                now: datetime | None = None) -> tuple[RateCardVersion, bool]:
    """Store ``text`` as the next version of its agency (created if new), taking effect at ``activates_at``
    (None: as soon as it can, ACTIVATION_DELAY from now; an agency's first version at once).

    Raises ``portal.pricing.CardError`` listing every problem when the card is invalid or one of its worked
    examples does not come out exact, and ScheduleError for a moment ``activation_problem`` refuses. Importing
    the same text as the newest version (current or scheduled) changes nothing and returns ``(it, False)``.
    """
    review = review_card(text)
    if review.problems or review.card is None:
        raise CardError(list(review.problems))
    card = review.card
    sha = sha256_of(text)
    now = now or _now()
    agency = db.session.scalar(select(Agency).where(Agency.slug == card.slug))
    if agency is not None:
        latest = latest_version(agency)
        if latest is not None and latest.sha256 == sha:
            return latest, False
    problem = activation_problem(agency, activates_at, now)
    if problem:
        raise ScheduleError(problem)
    if agency is None:
        agency = Agency(slug=card.slug, **_agency_fields(card))
        db.session.add(agency)
        db.session.flush()
        activates_at = now
    else:
        # The agency's name, zone and jurisdiction follow its newest card (shown beside the current one's prices
        # only until a scheduled version takes effect: they rarely change).
        for key, value in _agency_fields(card).items():
            setattr(agency, key, value)
        activates_at = max(activates_at or now, now + ACTIVATION_DELAY)
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
        activates_at=activates_at,
    )
    db.session.add(version)
    db.session.commit()
    return version, True


MAX_CARD_BYTES = 256 * 1024  # the largest shipped card is under 10 KB


def check_upload(text: str, agency: Agency, *, today: date) -> CardReview:
    """A card offered as ``agency``'s next version, checked as ``flask rate-cards import`` checks it (every
    problem with its location, the warnings), and also: it is ``agency``'s own card (its slug), and it is not
    the text of the agency's newest version already."""
    review = review_card(text, today=today)
    problems = list(review.problems)
    slug = review.card.slug if review.card is not None else _slug_in(text)
    if slug is not None and slug != agency.slug:
        shown = slug[:40].encode("utf-8", "backslashreplace").decode()
        problems.insert(0, Problem("slug", f"this is the card of another agency ({shown!r}); a card uploaded here "
                                           f"must be {agency.short_name}'s own: slug = \"{agency.slug}\""))
    latest = latest_version(agency)
    if not problems and latest is not None and latest.sha256 == sha256_of(text):
        problems.append(Problem("", f"this card is identical to version {latest.version}: nothing would change"))
    return dataclasses.replace(review, card=None if problems else review.card, problems=tuple(problems))


def _slug_in(text: str) -> str | None:
    """The ``slug`` a card text names, when it can be read at all (a card with problems has no parsed card)."""
    try:
        slug = tomllib.loads(text).get("slug")
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    return slug if isinstance(slug, str) else None


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
