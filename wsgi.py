"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

from portal import create_app
from portal.config import ConfigError

try:
    app = create_app()
except ConfigError as e:  # a setting is missing: say which in one line (every `flask --app wsgi ...` comes here)
    raise SystemExit(f"Detail Desk cannot start: {e}") from None
