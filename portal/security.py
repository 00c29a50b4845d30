"""Security headers, with a Content-Security-Policy naming exactly the hosts the pages use, and the
request guards every route shares: ids within the database's range, no NUL bytes, no cached private pages."""

from __future__ import annotations

from flask import Flask, Response, abort, g, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from portal.config import origin

# The largest id a row can have: PostgreSQL's ``integer`` (SQLite's is wider). A larger number in a URL
# names nothing, so it is a 404, never a query the database refuses.
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, and at most ``MAX_DATABASE_ID``.

    Registered as the app's ``int`` converter before any blueprint, so routes added later get it too.
    Ten digits at most keeps ``int()`` away from very long digit strings (Python refuses over 4,300).
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, MAX_DATABASE_ID if max is None else max, signed)


def content_security_policy(config) -> str:
    htmx = origin(config["HTMX_URL"])
    stripe_js = origin(config["STRIPE_JS_URL"])
    scripts = " ".join(filter(None, ["'self'", htmx, stripe_js]))
    # Stripe.js frames its card fields and the bank's 3-D Secure page (hooks.stripe.com with real Stripe)
    hooks = "https://hooks.stripe.com" if stripe_js == "https://js.stripe.com" else ""
    frames = " ".join(filter(None, [stripe_js, hooks])) or "'none'"
    connect = " ".join(filter(None, ["'self'", stripe_js, origin(config["STRIPE_API_BASE"])]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            f"frame-src {frames}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def has_nul_byte() -> bool:
    """Whether the path, the query or a posted form field (name or value) holds a NUL byte, or a field of a
    multipart form has a name werkzeug cannot read (a CR or LF in it: the key is None).

    No text the portal takes can contain one, and PostgreSQL refuses to store it: such a request is
    refused whole (400) before any view sees it, whatever the route.
    """
    if "\x00" in request.path:
        return True
    for fields in (request.args, request.form):
        for key, value in fields.items(multi=True):
            if key is None or "\x00" in key or "\x00" in value:
                return True
    return any("\x00" in (f.filename or "") for f in request.files.values())


def _signed_in() -> bool:
    """Whether this response is for a signed-in user, without loading anyone for a request with no cookies."""
    user = g.get("_login_user")
    if user is None and request.cookies:
        user = current_user
    return bool(user is not None and user.is_authenticated)


def init_security(app: Flask) -> None:
    """Headers on every response; the request guards. Call before registering blueprints, and before
    CSRFProtect: its check reads every field name, and must not meet one the guard refuses."""
    app.url_map.converters["int"] = DatabaseIdConverter
    csp = content_security_policy(app.config)

    @app.before_request
    def _refuse_nul_bytes() -> None:
        if has_nul_byte():
            abort(400)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(self)")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and _signed_in() and "no-store" not in headers.get("Cache-Control", ""):
            # A signed-in page is nobody else's: no shared cache or back button after logout may keep it.
            headers["Cache-Control"] = "no-store"
        return response
