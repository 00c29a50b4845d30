"""Paying as an employer would, without a browser: what Stripe.js does, done against localstripe.

The card is confirmed exactly as localstripe's Stripe.js confirms it (``POST /v1/setup_intents/{id}/confirm``
with the publishable key and the client secret the portal handed out), and 3-D Secure is completed or
failed through localstripe's ``_authenticate`` endpoint, as its modal would. Everything else goes
through the portal's own pages.
"""

from __future__ import annotations

import json
import re

import requests
import stripe

from tests.conftest import csrf_token_from
from tests.support.stripe import PUBLISHABLE_KEY, SECRET_KEY, StripeLine
from tests.support.wizard import url

VISA = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"
DECLINED_WHEN_SAVED = "4000000000000002"
THREE_D_SECURE = "4000002500003155"


def sdk(line: StripeLine) -> stripe.StripeClient:
    """The real SDK, reading localstripe's state directly (not through the line's rules)."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": f"http://127.0.0.1:{line.upstream_port}"},
                               max_network_retries=0)


def confirm_card(line: StripeLine, client_secret: str, number: str, *, complete_3ds: bool = True) -> dict:
    """What ``stripe.confirmCardSetup`` does with a card typed into the Card Element."""
    seti = re.match(r"^(seti_\w+)_secret_", client_secret).group(1)
    base = f"http://127.0.0.1:{line.upstream_port}"
    body = {"key": PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": client_secret,
            "payment_method_data": {"type": "card", "card": {"number": number, "exp_month": "12", "exp_year": "2034",
                                                              "cvc": "123"}}}
    answer = requests.post(f"{base}/v1/setup_intents/{seti}/confirm", data=json.dumps(body), timeout=10).json()
    if answer.get("status") == "requires_action" and complete_3ds:
        answer = requests.post(f"{base}/v1/setup_intents/{seti}/confirm", timeout=10, data=json.dumps(
            {"key": PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": client_secret})).json()
    answer["setup_intent"] = seti
    return answer


def authenticate(line: StripeLine, client_secret: str, *, success: bool) -> dict:
    """What the bank's 3-D Secure page does (localstripe's modal: "Complete" or "Fail authentication")."""
    pi = re.match(r"^(pi_\w+)_secret_", client_secret).group(1)
    return requests.post(
        f"http://127.0.0.1:{line.upstream_port}/v1/payment_intents/{pi}/_authenticate?success={str(success).lower()}",
        data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": client_secret}), timeout=10).json()


def setup_intent_for(client, line: StripeLine, page_url: str, number: str, **kw) -> tuple[str, str]:
    """Ask the portal for a SetupIntent (as the card form does) and confirm ``number`` on it:
    ``(setup intent id, CSRF token of the page)``."""
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    answer = client.post("/employer/payments/setup", headers={"X-CSRFToken": token})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    confirmed = confirm_card(line, answer.get_json()["client_secret"], number, **kw)
    return confirmed["setup_intent"], token


def submit_with_card(client, line: StripeLine, booking_id: int, number: str = VISA):
    """The review step's "Submit and pay" with a new card."""
    seti, token = setup_intent_for(client, line, url(booking_id, "review"), number)
    return client.post(url(booking_id, "submit"),
                       data={"csrf_token": token, "accept": "y", "card": "new", "setup_intent": seti})


def pay_deposit(client, line: StripeLine, booking_id: int, number: str | None = VISA):
    """The booking page's deposit form: a new card (``number``), or the saved one (None)."""
    page = url(booking_id)
    if number is None:
        token = csrf_token_from(client.get(page).get_data(as_text=True))
        return client.post(f"{page}/deposit", data={"csrf_token": token, "card": "saved"})
    seti, token = setup_intent_for(client, line, page, number)
    return client.post(f"{page}/deposit", data={"csrf_token": token, "card": "new", "setup_intent": seti})
