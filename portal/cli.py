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
    app.cli.add_command(rate_cards)
    app.cli.add_command(quote_command)
    app.cli.add_command(cancellation_command)
    app.cli.add_command(invoice_command)
    app.cli.add_command(payments)


def _read(path: str) -> str:
    """A file's text, or standard input for ``-``; a click error (exit 2) if unreadable."""
    try:
        with click.open_file(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise click.UsageError(f"cannot read {path}: {e}") from None


@click.group("rate-cards")
def rate_cards() -> None:
    """Check and import agency rate cards."""


_TODAY_HELP = "The date the warnings about dates count from (default: today's date on this machine)."


def _today_option(text: str | None):
    from datetime import date

    if not text:
        return date.today()  # the machine's own date: it only decides the warnings about dates
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise click.UsageError(f"--today: not a date like 2027-01-01: {text!r}") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _report(path: str, review) -> None:
    """Every problem and warning of a card review, each with its location."""
    for problem in review.problems:
        click.echo(f"{path}: {problem}")
    for warning in review.warnings:
        click.echo(f"{path}: warning: {warning}")


@rate_cards.command("check")
@click.argument("path")
@click.option("--today", "today_text", help=_TODAY_HELP)
def check_card_command(path: str, today_text: str | None) -> None:
    """Validate a card and price its worked examples; print every problem and warning with its location (exit 1
    if there is a problem; warnings alone do not fail the check)."""
    from portal.pricing import review_card

    review = review_card(_read(path), today=_today_option(today_text))
    _report(path, review)
    if review.problems:
        click.echo(f"{_plural(len(review.problems), 'problem')} found.", err=True)
        raise SystemExit(1)
    proved = f"; {_plural(review.examples_priced, 'worked example')} priced exactly" if review.examples_priced else ""
    warned = f" ({_plural(len(review.warnings), 'warning')})" if review.warnings else ""
    click.echo(f"{path}: the card is valid{proved}{warned}.")


@rate_cards.command("import")
@click.argument("path")
@click.option("--today", "today_text", help=_TODAY_HELP)
@click.option("--effective", "effective_text", metavar="MOMENT",
              help="When the new version takes effect, e.g. 2027-01-01T00:00 (the agency's wall clock) or with an "
                   "offset (default: two seconds after the import; an agency's first version takes effect at once).")
def import_card_command(path: str, today_text: str | None, effective_text: str | None) -> None:
    """Load a card as the next version of its agency (creating the agency if new), once it passes the check."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal.cards import ScheduleError, import_card
    from portal.pricing import review_card

    text = _read(path)
    review = review_card(text, today=_today_option(today_text))
    _report(path, review)
    if review.problems:
        click.echo(f"{_plural(len(review.problems), 'problem')} found; nothing imported.", err=True)
        raise SystemExit(1)
    zone = ZoneInfo(review.card.time_zone)
    effective = None
    if effective_text:
        try:
            effective = datetime.fromisoformat(effective_text)
        except ValueError:
            raise click.UsageError(f"--effective: not a moment like 2027-01-01T00:00: {effective_text!r}") from None
        effective = effective if effective.tzinfo else effective.replace(tzinfo=zone)
    try:
        version, created = import_card(text, activates_at=effective)
    except ScheduleError as e:
        click.echo(f"{path}: --effective: {e} Nothing imported.", err=True)
        raise SystemExit(1) from None
    if created:
        click.echo(f"Imported {version.agency.slug} rate card version {version.version} "
                   f"(effective {version.effective_date.isoformat()}).")
        if version.version > 1:
            click.echo(f"New quotes use it from {version.activates_at.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}, "
                       "in every process at once.")
    else:
        click.echo(f"{version.agency.slug} version {version.version} already has this text; nothing imported.")


def _now_option(now_text: str | None):
    from datetime import UTC, datetime

    if not now_text:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(now_text)
    except ValueError:
        raise click.UsageError(f"--now: not an ISO 8601 moment: {now_text!r}") from None
    if now.tzinfo is None:
        raise click.UsageError("--now: give an offset, e.g. 2026-12-01T09:00:00-07:00")
    return now


def _json_command(path: str, answer) -> None:
    """Read JSON from FILE or -, print ``answer(data)`` as JSON and exit 0; exit 1 with ``{"errors": [...]}``
    when ``answer`` raises ``QuoteInputError`` (a field is wrong), 2 when the input is unusable."""
    import json

    from portal import quoting

    text = _read(path)
    try:
        data = quoting.load_body(text)
    except quoting.BodyError as e:
        click.echo(json.dumps({"errors": e.errors}, indent=2))
        raise SystemExit(2) from None
    try:
        result = answer(data)
    except quoting.QuoteInputError as e:
        click.echo(json.dumps({"errors": e.errors}, indent=2))
        raise SystemExit(1) from None
    click.echo(json.dumps(result, indent=2))


_NOW_HELP = "Price as if now were this ISO 8601 moment (default: the clock)."


@click.command("quote")
@click.argument("path")
@click.option("--now", "now_text", help=_NOW_HELP)
def quote_command(path: str, now_text: str | None) -> None:
    """Price a request (the JSON body of POST /api/v1/quotes) from FILE or - (standard input).

    Prints the quote as JSON and exits 0; exits 1 with the errors as JSON when the request is
    refused (a field is wrong), 2 when the input is unusable (unreadable, not JSON).
    """
    from portal import quoting

    now = _now_option(now_text)
    _json_command(path, lambda data: quoting.price(data, now=now).to_dict())


@click.command("cancellation")
@click.argument("path")
@click.option("--now", "now_text", help=_NOW_HELP + " Also the default of \"at\".")
def cancellation_command(path: str, now_text: str | None) -> None:
    """The fee of a cancellation or reduction (pricing spec sections 4 and 10) from FILE or -.

    Input: {"quote_request": {...}, "at": "...", "approved": true, "deposit_held_cents": n,
    "cancel": [{"shift": 0}, {"shift": 1, "positions": {"officer": 1}}]} (``cancel`` absent: the
    whole booking). Prints the fee, its lines per shift, the deposit of what remains, the refund and
    the charge, with the rule's words and source. Exit status as for ``quote``.
    """
    from portal import quoting

    now = _now_option(now_text)
    _json_command(path, lambda data: quoting.settle(data, now=now).to_dict())


@click.command("invoice")
@click.argument("path")
@click.option("--now", "now_text", help=_NOW_HELP)
def invoice_command(path: str, now_text: str | None) -> None:
    """The invoice of a worked booking (pricing spec sections 6 and 10) from FILE or -.

    Input: {"quote_request": {...}, "attendance": [[{"rank": "officer", "clock_in": "...", "clock_out":
    "...", "vehicle": false}, ...], ...], "deposit_held_cents": n}: the booking as it stands at close-out,
    one list of records per shift (one per position worked), the deposit still held (default: the quote's).
    Prints the lines per shift, the total, the deposit and the balance (positive: charged; negative:
    refunded), computed by the code of the back office's close-out. Exit status as for ``quote``.
    """
    from portal import quoting

    now = _now_option(now_text)
    _json_command(path, lambda data: quoting.invoice(data, now=now).to_dict())


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


@click.group()
def payments() -> None:
    """Payments through Stripe."""


@payments.command("reconcile")
def reconcile_command() -> None:
    """Settle every payment and refund not yet final by asking Stripe (safe to run at any time)."""
    from portal.payments import client
    from portal.payments.reconcile import reconcile

    if not client.enabled():
        raise click.UsageError("STRIPE_SECRET_KEY is not set: there is no Stripe to ask.")
    report = reconcile()
    for what, counts in (("payments", report.payments), ("refunds", report.refunds)):
        text = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none open"
        click.echo(f"{what}: {text}")
    if report.unreachable:
        click.echo(f"{report.unreachable} could not be settled: Stripe did not answer. Run this again later.", err=True)
        raise SystemExit(1)


@users.command("disable")
@click.argument("email")
def disable_user_command(email: str) -> None:
    """Disable an account: it cannot sign in, and every session it has ends at once."""
    _set_active(email, False)


@users.command("enable")
@click.argument("email")
def enable_user_command(email: str) -> None:
    """Enable a disabled account again (it signs in afresh)."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    from portal.models import User

    user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
    if user is None:
        raise click.UsageError(f"No account with the email {email!r}.")
    accounts.set_active(user, active)
    click.echo(f"{'Enabled' if active else 'Disabled'} {user.email}" + ("." if active else "; its sessions ended."))
