"""Migrations build the schema from an empty database, and match the models."""

import pytest
from flask_migrate import check, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.extensions import db


@pytest.fixture
def empty_app(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        yield app
        db.engine.dispose()


def test_upgrade_empty_database_to_head_and_check(empty_app, capsys):
    assert inspect(db.engine).get_table_names() == []
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"agencies", "organisations", "users", "employer_approvals", "alembic_version"} <= tables
    check()  # `flask db check`: raises (exits non-zero) when the models and migrations differ


def test_check_detects_a_model_change_without_migration(empty_app):
    """Guard for the test above: `check` must fail when the schema lags behind the models."""
    from sqlalchemy import Column, Integer, Table

    upgrade()
    extra = Table("not_migrated", db.metadata, Column("id", Integer, primary_key=True))
    try:
        with pytest.raises(SystemExit) as exited:  # Flask-Migrate logs the error and exits 1
            check()
        assert exited.value.code == 1
    finally:
        db.metadata.remove(extra)


def test_0008_keeps_each_decided_approval_as_the_first_line_of_its_history(empty_app):
    """Approvals decided before the history was kept get one decision row each (their latest decision)."""
    from sqlalchemy import text

    upgrade(revision="0006")
    now = "2026-11-30 12:00:00"
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO agencies (id, slug, name, short_name, time_zone, jurisdiction_city, "
                       "jurisdiction_state, summary, created_at) VALUES (1, 'kcpd', 'KCPD', 'KCPD', "
                       "'America/Chicago', 'Kansas City', 'MO', '', :now)"), {"now": now})
        for org, status, decided in ((1, "pending", None), (2, "approved", now), (3, "suspended", now),
                                     (4, "denied", now)):
            c.execute(text("INSERT INTO organisations (id, legal_name, street, city, state, zip_code, contact_name, "
                           "phone, created_at, card_label) VALUES (:id, 'Org', '1 Main', 'KC', 'MO', '64106', 'P', "
                           "'1', :now, '')"), {"id": org, "now": now})
            c.execute(text("INSERT INTO employer_approvals (id, organisation_id, agency_id, status, requested_at, "
                           "decided_at, note) VALUES (:id, :id, 1, :status, :now, :decided, :note)"),
                      {"id": org, "status": status, "now": now, "decided": decided, "note": f"n{org}"})
    upgrade()
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT approval_id, from_status, status, note FROM employer_approval_decisions "
                              "ORDER BY approval_id")).all()
    assert [tuple(r) for r in rows] == [(2, "pending", "approved", "n2"), (3, "approved", "suspended", "n3"),
                                        (4, "pending", "denied", "n4")]
