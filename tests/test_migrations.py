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
