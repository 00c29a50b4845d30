"""htmx plumbing in one place: a page or one block of it, redirects htmx follows, ``Vary``.

One URL serves the full page, or (for an htmx request that is not a history restore) one named block of
the same template. Templates never test ``HX-Request`` themselves.
"""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def init_app(app) -> None:
    """Every HTML answer may differ by ``HX-Request`` (a page, or one block of it): say so to caches."""

    @app.after_request
    def _vary(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.vary.add("HX-Request")
        return response


def is_fragment() -> bool:
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")


def render_page_or_block(template: str, block: str, *, http_status: int = 200, **context) -> Response:
    html = render_block(template, block, **context) if is_fragment() else render_template(template, **context)
    return make_response(html, http_status)


def see_other(url: str) -> Response:
    """After a post: a 303 for a plain form, an ``HX-Redirect`` (the whole window) for htmx."""
    if request.headers.get("HX-Request"):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
