"""Pooled PostgreSQL connections: one the server closed while it sat idle is replaced before use, without a
liveness round trip on every request (``portal.extensions.ping_idle_connections``)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text

from portal.extensions import ping_idle_connections
from tests.conftest import TEST_DB

pytestmark = pytest.mark.skipif(TEST_DB != "postgresql", reason="a server's connections (the PostgreSQL run)")


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


@pytest.fixture
def url(pg_database_url: str) -> str:
    return pg_database_url


@pytest.fixture
def admin(url):
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def kill(admin, pid: int) -> None:
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()


@pytest.mark.parametrize("checked", [True, False], ids=["idle connections checked", "no check"])
def test_a_connection_the_server_closed_while_idle_is_replaced(url, admin, checked):
    engine = create_engine(url, pool_size=1, max_overflow=0)
    if checked:
        ping_idle_connections(engine, idle_seconds=0)
    first = backend_pid(engine)  # now idle in the pool
    kill(admin, first)
    if checked:
        assert backend_pid(engine) != first
    else:  # what the check prevents: the dead connection handed out, and the request failing
        with pytest.raises(exc.OperationalError):
            backend_pid(engine)
    engine.dispose()


@pytest.mark.parametrize(("idle_seconds", "pings"), [(60, 0), (0, 1)])
def test_only_a_connection_idle_for_a_while_is_checked(url, monkeypatch, idle_seconds, pings):
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_seconds=idle_seconds)
    calls = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: calls.append(1) or ping(connection))
    first = backend_pid(engine)  # a new connection: never checked
    assert backend_pid(engine) == first and len(calls) == pings
    engine.dispose()
