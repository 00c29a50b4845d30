"""A local Stripe stand-in for development and tests: localstripe on 127.0.0.1, nothing on disk.

    python -m portal.payments.local_stripe [--port 0] [--webhook URL --webhook-secret SECRET]

Prints ``LOCALSTRIPE_PORT=<port>`` once it listens, then serves until killed. localstripe's own
command line binds every interface and reloads (and rewrites) a pickle in /tmp; this binds the
loopback address only and keeps its objects in memory. With ``--webhook`` it registers the
portal's webhook endpoint, signed with the given secret, once it is up.

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--webhook", help="the portal's webhook URL, e.g. http://127.0.0.1:5000/stripe/webhook")
    parser.add_argument("--webhook-secret", default="", help="the signing secret (STRIPE_WEBHOOK_SECRET)")
    args = parser.parse_args(argv)

    import logging

    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    store.dump_to_disk = lambda: None  # no pickle in /tmp: objects live as long as the process
    if args.webhook:
        if not args.webhook_secret:
            parser.error("--webhook needs --webhook-secret")
        _register_webhook(args.webhook, args.webhook_secret)
    logging.basicConfig(level=logging.WARNING)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    print(f"LOCALSTRIPE_PORT={sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    main(sys.argv[1:])
