"""Signed-in pages served again while nothing they show has changed.

The busiest pages (an employer's bookings, a booking's page, the agency's queue) are rendered from a
dozen queries and a re-priced cancellation fee. Each process keeps the pages it rendered, and serves one
again only when all of these still hold:

* **the same viewer and request**: the key is the signed-in user, their session's CSRF secret (a page
  carries forms signed for that session), the URL with its query, and whether htmx asked for a block;
* **the same data**: every page names its *scopes* (``org:<id>``, ``agency:<id>``, and ``all`` always),
  and each scope has a version in the ``page_versions`` table, read with the signed-in user (the user
  loader's query sums the versions of the user's own scopes: ``viewer_version``).
  Every transaction that changes a row bumps the versions of the scopes the row belongs to, in the same
  commit (``_Tracker``: SQLAlchemy session events see every ORM change, so no service has to remember);
  a row it cannot place, and any bulk UPDATE or DELETE, bumps ``all``;
* **the same minute**: every rule that depends on the time (a cancellation window, a shift that has
  started, a close-out overdue, "as of 14:05") changes at a whole minute, as the pricing takes moments to
  the minute; an entry is served only within the minute (by ``portal.clock``) it was rendered in;
* **nothing to flash**: a page with a message waiting is rendered, never cached.

The version is read before the page's data, so a page stored under a version never shows older data than
that version. A cached page must not depend on an agency's *current* rate card (a new version switches at an
instant of its own, not on a change of a row); none of the three does. Data written to the database behind
the portal's back (an operator's SQL) is seen within the minute. ``PAGE_CACHE_SIZE`` (entries per process;
0 turns caching off) bounds memory. With ``PAGE_CACHE_VERIFY`` (on in the test suite) every cache hit is
rendered afresh as well and must be identical: a change that failed to bump a version fails the test that
made it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from cachetools import LRUCache
from flask import Response, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import BigInteger, Column, String, Table, case, cast, event, func, literal, select
from sqlalchemy.orm import Session

from portal import clock
from portal.extensions import db
from portal.htmx import is_fragment

ALL = "all"
# Changes to these columns alone show on no cached page (a login's time, a session's token, a password).
_UNSEEN_USER_COLUMNS = frozenset({"last_login_at", "session_token", "password_hash"})
# Bookkeeping rows that show on no page themselves (their effects are on rows that do).
_UNSEEN_TABLES = frozenset({"stripe_events", "page_versions"})
# Rows every page may show: a change to one bumps ``all``.
_EVERYWHERE_TABLES = frozenset({"agencies", "rate_card_versions"})

versions = Table(
    "page_versions", db.metadata,
    Column("scope", String(40), primary_key=True),
    Column("version", BigInteger, nullable=False),
)


# -- which scopes a change touches -------------------------------------------------------------------------
def _related(session: Session, obj, name: str, model):
    """``obj.<name>`` without loading anything new: the object assigned, or the row its id names."""
    assigned = obj.__dict__.get(name)
    if assigned is not None:
        return assigned
    key = getattr(obj, f"{name}_id", None)
    return session.get(model, key) if key is not None else None


def _id(obj, name: str) -> int | None:
    key = getattr(obj, f"{name}_id", None)
    if key is None and obj.__dict__.get(name) is not None:
        key = obj.__dict__[name].id
    return key


def _booking_scopes(booking) -> set[str]:
    if booking is None:
        return {ALL}
    org, agency = _id(booking, "organisation"), _id(booking, "agency")
    return {ALL} if org is None or agency is None else {f"org:{org}", f"agency:{agency}"}


def scopes_of(session: Session, obj) -> set[str]:
    """The scopes whose pages may show ``obj``."""
    from portal.models import Assignment, AttendanceEntry, Booking, Organisation, User

    table = getattr(obj, "__tablename__", "")
    if table in _UNSEEN_TABLES:
        return set()
    if table in _EVERYWHERE_TABLES:
        return {ALL}
    if isinstance(obj, Booking):
        return _booking_scopes(obj)
    if isinstance(obj, AttendanceEntry):
        assignment = _related(session, obj, "assignment", Assignment)
        return _booking_scopes(_related(session, assignment, "booking", Booking) if assignment else None)
    if hasattr(obj, "booking_id"):
        return _booking_scopes(_related(session, obj, "booking", Booking))
    if isinstance(obj, User):
        return set() if _changed(obj) <= _UNSEEN_USER_COLUMNS else {ALL}
    if isinstance(obj, Organisation):
        return {f"org:{obj.id}", ALL}  # its name is on the agencies' pages too
    found = set()
    if _id(obj, "organisation") is not None:
        found.add(f"org:{_id(obj, 'organisation')}")
    if _id(obj, "agency") is not None and table != "officers":  # officers' names are on employers' pages
        found.add(f"agency:{_id(obj, 'agency')}")
    return found or {ALL}


def _changed(obj) -> set[str]:
    """The attribute names changed on a pending or dirty object (all of them for a new one)."""
    from sqlalchemy import inspect

    state = inspect(obj)
    if state.pending or state.deleted:
        return {a.key for a in state.attrs}
    return {a.key for a in state.attrs if a.history.has_changes()}


class _Tracker:
    """Collects the scopes a transaction changes, and bumps their versions as it commits."""

    KEY = "page_cache_scopes"

    def install(self, session_class) -> None:
        if event.contains(session_class, "before_commit", self.before_commit):
            return
        event.listen(session_class, "before_flush", self.before_flush)
        event.listen(session_class, "do_orm_execute", self.orm_execute)
        event.listen(session_class, "before_commit", self.before_commit)
        event.listen(session_class, "after_rollback", self.forget)
        event.listen(session_class, "after_soft_rollback", self.forget)

    def _pending(self, session: Session) -> set[str]:
        return session.info.setdefault(self.KEY, set())

    def before_flush(self, session: Session, flush_context, instances) -> None:
        found = self._pending(session)
        with session.no_autoflush:
            for obj in (*session.new, *session.deleted):
                found |= scopes_of(session, obj)
            for obj in session.dirty:
                if session.is_modified(obj, include_collections=False):
                    found |= scopes_of(session, obj)

    def orm_execute(self, state) -> None:
        if state.is_orm_statement and (state.is_update or state.is_delete or state.is_insert):
            self._pending(state.session).add(ALL)  # a bulk statement: which rows it changes is not known here

    def before_commit(self, session: Session) -> None:
        session.flush()
        found = session.info.pop(self.KEY, None)
        if found:
            bump(session, found)

    def forget(self, session: Session, *args) -> None:
        session.info.pop(self.KEY, None)


def bump(session: Session, scopes: Iterable[str]) -> None:
    """Add one to each scope's version (in a fixed order, so two commits never wait on each other)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    for scope in sorted(scopes):
        statement = insert(versions).values(scope=scope, version=1)
        session.execute(statement.on_conflict_do_update(
            index_elements=[versions.c.scope], set_={"version": versions.c.version + 1}))


def own_scopes(user) -> frozenset[str]:
    """The scopes of a user's own pages: their organisation's or their agency's, and ``all``."""
    if user.organisation_id is not None:
        return frozenset({ALL, f"org:{user.organisation_id}"})
    if user.agency_id is not None:
        return frozenset({ALL, f"agency:{user.agency_id}"})
    return frozenset({ALL})


def viewer_version():
    """``version_of(own_scopes(user))`` as a column of the user's own row, so the query that loads the signed-in
    user reads it too (``User.page_version``): one round trip less on every page served from the cache."""
    from portal.models import User

    own = case((User.organisation_id.is_not(None), literal("org:") + cast(User.organisation_id, String)),
               (User.agency_id.is_not(None), literal("agency:") + cast(User.agency_id, String)),
               else_=literal(ALL))
    return (select(func.coalesce(func.sum(versions.c.version), 0))
            .where(versions.c.scope.in_([literal(ALL), own])).scalar_subquery())


def version_of(session: Session, scopes: Iterable[str]) -> int:
    """One number that changes whenever any of the scopes' versions does (each only grows)."""
    return session.scalar(select(func.coalesce(func.sum(versions.c.version), 0))
                          .where(versions.c.scope.in_(sorted({*scopes, ALL})))) or 0


# -- the cache ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    version: int
    minute: int
    body: bytes
    headers: list[tuple[str, str]]
    csrf: str  # the form token the page was rendered with


class PageCache:
    """One app's cached pages (in this process)."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._entries: LRUCache = LRUCache(maxsize=max(size, 1))

    def get(self, key) -> _Entry | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key, entry: _Entry) -> None:
        with self._lock:
            self._entries[key] = entry


_tracker = _Tracker()


def init_app(app, session_class) -> None:
    app.extensions["page_cache"] = PageCache(int(app.config.get("PAGE_CACHE_SIZE", 512)))
    _tracker.install(session_class)
    if app.config.get("PAGE_CACHE_SIZE", 512) and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        app.before_request(_read_without_a_transaction)


def _read_without_a_transaction() -> None:
    """A GET of a cached page only reads: on PostgreSQL it runs in autocommit, so the query that loads the user
    (all a page served from the cache needs) is not wrapped in BEGIN and ROLLBACK, two round trips of three.
    Nothing changes for what it reads: under READ COMMITTED every statement sees its own snapshot anyway. (An
    app-wide hook, so it runs before the blueprints' sign-in checks load the user.)"""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method == "GET" and getattr(view, "page_cached", False):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


class StalePage(AssertionError):
    """PAGE_CACHE_VERIFY: a cached page differed from the page rendered afresh."""


def cached(scopes: Callable[..., Iterable[str]]):
    """Serve the view's page from the cache while it cannot have changed. ``scopes(**view_args)``: the
    scopes of what the page shows (``all`` is always added). Only for views that read (on PostgreSQL their GETs
    run in autocommit: see ``_read_without_a_transaction``)."""

    def wrap(view):
        @wraps(view)
        def inner(**kwargs):
            config = current_app.config
            if not config.get("PAGE_CACHE_SIZE", 512) or request.method != "GET" or session.get("_flashes"):
                return view(**kwargs)
            wanted = frozenset({*scopes(**kwargs), ALL})
            version = current_user.page_version if wanted == own_scopes(current_user) else None
            if version is None:  # (another's scope, or the user was not loaded by the session's loader)
                version = version_of(db.session, wanted)
            minute = int(clock.now().timestamp()) // 60
            entry = current_app.extensions["page_cache"].get(_key())
            if entry is not None and entry.version == version and entry.minute == minute:
                if config.get("PAGE_CACHE_VERIFY"):
                    _verify(entry, view, kwargs)
                return Response(entry.body, headers=entry.headers)
            response = make_response(view(**kwargs))
            if response.status_code == 200 and not response.is_streamed and not session.get("_flashes"):
                headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("set-cookie",
                                                                                            "content-length")]
                entry = _Entry(version, minute, response.get_data(), headers, _csrf_token())
                current_app.extensions["page_cache"].put(_key(), entry)  # (rendering may have begun the session)
            return response

        inner.page_cached = True
        return inner

    return wrap


def _key() -> tuple:
    return (request.endpoint, request.full_path, is_fragment(), current_user.get_id(), session.get("csrf_token"))


def _csrf_token() -> str:
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


def _verify(entry: _Entry, view, kwargs) -> None:
    fresh = make_response(view(**kwargs))
    cached_body = entry.body.replace(entry.csrf.encode(), _csrf_token().encode())
    if fresh.status_code != 200 or fresh.get_data() != cached_body:
        raise StalePage(f"{request.full_path}: the cached page differs from the page rendered now")
