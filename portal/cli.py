"""Command-line interface: ``flask --app wsgi <command>``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from portal import accounts
from portal.extensions import db
from portal.models import Agency, Role


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo agencies and logins (idempotent)."""
    from portal.demo import seed_demo

    logins = seed_demo()
    click.echo("Demo data is ready. Demo logins:")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email.ljust(width)}  password: {login.password}   ({login.who})")


@click.group()
def users() -> None:
    """Manage user accounts."""


_ROLE_NAMES = {"agency-staff": Role.AGENCY_STAFF, "agency-admin": Role.AGENCY_ADMIN, "site-admin": Role.SITE_ADMIN}


@users.command("create")
@click.option("--role", type=click.Choice(sorted(_ROLE_NAMES)), required=True)
@click.option("--email", required=True)
@click.option("--agency", "agency_slug", help="Agency slug, for agency roles (e.g. kcpd).")
@click.option("--name", "full_name", default="", help="Full name.")
@click.password_option(help="Initial password (prompted if not given).")
def create_user_command(role: str, email: str, agency_slug: str | None, full_name: str, password: str) -> None:
    """Create an agency or site user. Employers sign up on the web."""
    agency = None
    if agency_slug:
        agency = db.session.scalar(select(Agency).where(Agency.slug == agency_slug))
        if agency is None:
            known = ", ".join(db.session.scalars(select(Agency.slug).order_by(Agency.slug))) or "none yet"
            raise click.UsageError(f"No agency with slug {agency_slug!r} (known: {known}).")
    try:
        user = accounts.create_user(email, password, _ROLE_NAMES[role], full_name=full_name, agency=agency)
    except accounts.AccountError as e:
        raise click.UsageError(f"{e.field}: {e.message}") from None
    where = f" at {agency.name}" if agency else ""
    click.echo(f"Created {user.role_enum.label.lower()} {user.email}{where}.")
