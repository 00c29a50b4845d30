"""Security headers, with a Content-Security-Policy naming exactly the hosts the pages use."""

from __future__ import annotations

from flask import Flask, Response

from portal.config import origin


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


def init_security_headers(app: Flask) -> None:
    csp = content_security_policy(app.config)

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
        return response
