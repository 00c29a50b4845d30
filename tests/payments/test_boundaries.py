"""Where payments meet the rest: only portal/payments/client.py imports the Stripe SDK, and a card form
whose Stripe is unreachable gets a sentence, not an error page."""

from __future__ import annotations

import ast
from pathlib import Path

from portal.payments import actions
from tests.conftest import csrf_token_from
from tests.support.wizard import url, walk_to_review

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def test_only_the_client_imports_stripe():
    importers = set()
    for path in PORTAL.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "stripe" or n.startswith("stripe.") for n in names):
                importers.add(path.relative_to(PORTAL).as_posix())
    assert importers == {"payments/client.py"}


def test_a_card_form_with_stripe_unreachable_says_so(client, employer, stripe_line):
    bid = walk_to_review(client, "kcpd")
    token = csrf_token_from(client.get(url(bid, "review")).get_data(as_text=True))
    stripe_line.down()
    answer = client.post("/employer/payments/setup", headers={"X-CSRFToken": token})
    assert answer.status_code == 503 and answer.get_json() == {"error": actions.UNREACHABLE_MESSAGE}
    stripe_line.up()
    answer = client.post("/employer/payments/setup", headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.get_json()["client_secret"].startswith("seti_")
    assert client.post("/employer/payments/setup").status_code == 400  # no CSRF token: refused
