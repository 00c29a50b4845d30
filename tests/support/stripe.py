"""localstripe for the tests, and a cuttable line to it.

``LocalStripe`` runs ``python -m portal.payments.local_stripe`` (localstripe on 127.0.0.1, nothing on
disk) in a process of its own. ``StripeLine`` is a small HTTP proxy in front of it: the portal and the
browser talk to the proxy, and a test can make it misbehave as a network would, by method and path:

- ``line.refuse("POST", "/v1/payment_intents")``: close the connection before the request reaches
  localstripe (Stripe unreachable: nothing happened there);
- ``line.lose_answer("POST", "/v1/payment_intents")``: forward the request, let localstripe act on
  it, then close the connection without the answer (the outcome is unknown to the portal);
- ``line.down()`` / ``line.up()``: refuse everything / nothing.

``line.count("POST", "/v1/payment_intents")`` says how many such requests reached localstripe.
The tests read localstripe's own state (PaymentIntents, charges, refunds) with the real SDK.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_detaildesk_local"
PUBLISHABLE_KEY = "pk_test_detaildesk_local"
WEBHOOK_SECRET = "whsec_detaildesk_test"


class LocalStripe:
    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> LocalStripe:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.payments.local_stripe", "--port", "0"],
            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.match(r"LOCALSTRIPE_PORT=(\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"localstripe did not start: {line!r}")
        self.port = int(match.group(1))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            if self.process.stdout is not None:
                self.process.stdout.close()


@dataclass
class Rule:
    method: str
    path: re.Pattern[str]
    action: str  # refuse | lose_answer
    times: int | None  # None: until removed


@dataclass
class StripeLine:
    upstream_port: int
    rules: list[Rule] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (method, path) that reached localstripe
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    # -- what a test says ----------------------------------------------------------------------
    def refuse(self, method: str = ".*", path: str = ".*", times: int | None = None) -> None:
        self._add(method, path, "refuse", times)

    def lose_answer(self, method: str, path: str, times: int | None = 1) -> None:
        self._add(method, path, "lose_answer", times)

    def down(self) -> None:
        self.refuse()

    def up(self) -> None:
        with self.lock:
            self.rules.clear()

    def count(self, method: str, path: str) -> int:
        pattern = re.compile(path)
        with self.lock:
            return sum(1 for m, p in self.seen if m == method and pattern.fullmatch(p.split("?")[0]))

    def reset(self) -> None:
        with self.lock:
            self.rules.clear()
            self.seen.clear()

    def _add(self, method: str, path: str, action: str, times: int | None) -> None:
        with self.lock:
            self.rules.append(Rule(method, re.compile(path), action, times))

    def _match(self, method: str, path: str) -> str | None:
        with self.lock:
            for rule in self.rules:
                if re.fullmatch(rule.method, method) and rule.path.fullmatch(path.split("?")[0]):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.rules.remove(rule)
                    return rule.action
        return None

    # -- serving ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StripeLine:
        line = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _proxy(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = line._match(self.command, self.path)
                if action == "refuse":
                    self.close_connection = True
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", line.upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                with line.lock:
                    line.seen.append((self.command, self.path))
                if action == "lose_answer":
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_OPTIONS = _proxy

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def stripe_config(line: StripeLine) -> dict[str, object]:
    """The portal's settings for talking to localstripe through ``line``."""
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": line.url,
        "STRIPE_JS_URL": f"{line.url}/js.stripe.com/v3/", "STRIPE_TIMEOUT_SECONDS": 10,
    }
