"""Settings, read from the environment with safe local defaults.

Every setting can be given as an environment variable of the same name. ``create_app(config)``
applies a mapping or object on top, which is how the tests configure the app.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

# htmx 2.x pinned (npm's "latest" is a different major version). The integrity hash is of this
# exact file; a locked-down site can self-host it and set HTMX_URL and HTMX_SRI.
HTMX_VERSION = "2.0.11"
HTMX_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable portal."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dev_secret(instance_path: Path) -> str:
    """A random secret kept in instance/ so development sessions survive a restart."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, for the Content-Security-Policy."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def from_environment(instance_path: Path, env: os._Environ[str] | dict[str, str] = os.environ) -> dict:
    """Build the settings mapping from environment variables."""
    environment = env.get("DETAIL_DESK_ENV", "production").strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"DETAIL_DESK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
    production = environment == "production"

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'), or set DETAIL_DESK_ENV=development for local work."
            )
        secret_key = _dev_secret(instance_path)

    default_db = f"sqlite:///{instance_path / 'detaildesk.db'}"
    trusted = [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
    return {
        "DETAIL_DESK_ENV": environment,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL") or default_db),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # The portal's own host for absolute links (the quote's share link), and the Host headers it
        # answers at all (others are a 400). Neither is ever taken from a request's Host header alone.
        "SERVER_NAME": env.get("SERVER_NAME") or None,
        "TRUSTED_HOSTS": trusted or None,
        "HSTS": production,
        "HTMX_URL": env.get("HTMX_URL", HTMX_URL),
        "HTMX_SRI": env.get("HTMX_SRI", HTMX_SRI if "HTMX_URL" not in env else ""),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", "https://api.stripe.com"),
        "STRIPE_JS_URL": env.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "STRIPE_TIMEOUT_SECONDS": float(env.get("STRIPE_TIMEOUT_SECONDS", "20")),
        "STRIPE_READ_RETRIES": int(env.get("STRIPE_READ_RETRIES", "2")),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        "LOGIN_RATE_LIMIT_PER_ADDRESS": env.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "30 per minute;200 per hour"),
        "SIGNUP_RATE_LIMIT": env.get("SIGNUP_RATE_LIMIT", "10 per hour"),
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "120 per minute"),
        "UPLOAD_FOLDER": env.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
        # Rendered pages kept per process (portal.pagecache); 0 turns the page cache off.
        "PAGE_CACHE_SIZE": int(env.get("PAGE_CACHE_SIZE", "512")),
    }


def testing_defaults(instance_path: Path) -> dict:
    """Settings the test suite starts from; tests override the database URL."""
    return {
        "DETAIL_DESK_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SERVER_NAME": None,
        "PASSWORD_HASH_FAST": True,
        "UPLOAD_FOLDER": str(instance_path / "test-uploads"),
        "PAGE_CACHE_VERIFY": True,  # every cache hit is rendered afresh too, and must be the same page
    }
