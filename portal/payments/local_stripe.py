"""A local Stripe stand-in for development and tests: localstripe on 127.0.0.1, nothing on disk.

    python -m portal.payments.local_stripe [--port 0] [--port-file F] [--state F]
                                           [--webhook URL --webhook-secret SECRET]

Prints ``LOCALSTRIPE_PORT=<port>`` (and writes the port to ``--port-file``) once it listens, then
serves until killed. localstripe's own command line binds every interface and reloads (and rewrites)
a pickle in /tmp; this binds the loopback address only and keeps its objects in memory, or, with
``--state`` (``make run`` uses ``instance/localstripe.pickle``), in a file of the portal's own so
customers and saved cards outlive a restart as the portal's database does. With ``--webhook`` it
registers the portal's webhook endpoint, signed with the given secret.

localstripe is a test dependency (``pip install -e .[test]``); the portal itself never imports
this module.
"""

from __future__ import annotations

import argparse
import socket
import sys


def _register_webhook(url: str, secret: str) -> None:
    from localstripe.webhooks import register_webhook

    register_webhook("detail-desk", url, secret, None)


def _wrapped_stripe_js():
    """An aiohttp middleware serving localstripe's Stripe.js inside a function.

    Its script declares ``class Element`` at the top level of the page, which hides the DOM's
    ``Element`` from every other script: htmx's ``elt instanceof Element`` is then always false and
    htmx processes nothing on a page that loads it. Inside a function the class stays local; the
    ``Stripe`` it assigns is still the page's global."""
    from pathlib import Path

    import localstripe
    from aiohttp import web

    source = (Path(localstripe.__file__).parent / "localstripe-v3.js").read_text(encoding="utf-8")
    wrapped = f"(function () {{\n{source}\nwindow.Stripe = Stripe;\n}})();\n"

    @web.middleware
    async def serve(request, handler):
        if request.path == "/js.stripe.com/v3/":
            return web.Response(text=wrapped, content_type="application/javascript",
                                headers={"Access-Control-Allow-Origin": "*"})
        return await handler(request)

    return serve


def _keep_state_in(store, path: str) -> None:
    """Load localstripe's objects from ``path`` (a file this module wrote) and write them back on each change."""
    import os
    import pickle

    if os.path.exists(path):
        with open(path, "rb") as f:
            store.update(pickle.load(f))  # noqa: S301 - our own file, written below

    def dump() -> None:
        tmp = f"{path}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)

    store.dump_to_disk = dump


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--webhook", help="the portal's webhook URL, e.g. http://127.0.0.1:5000/stripe/webhook")
    parser.add_argument("--webhook-secret", default="", help="the signing secret (STRIPE_WEBHOOK_SECRET)")
    parser.add_argument("--port-file", help="write the port here once listening")
    parser.add_argument("--state", help="keep localstripe's objects in this file (default: memory only)")
    args = parser.parse_args(argv)

    import logging

    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    if args.state:
        _keep_state_in(store, args.state)
    else:
        store.dump_to_disk = lambda: None  # no pickle in /tmp: objects live as long as the process
    app.middlewares.insert(0, _wrapped_stripe_js())
    if args.webhook:
        if not args.webhook_secret:
            parser.error("--webhook needs --webhook-secret")
        _register_webhook(args.webhook, args.webhook_secret)
    logging.basicConfig(level=logging.WARNING)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    port = sock.getsockname()[1]
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(str(port))
    print(f"LOCALSTRIPE_PORT={port}", flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    main(sys.argv[1:])
