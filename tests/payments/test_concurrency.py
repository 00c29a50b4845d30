"""Two tabs against a live server (run on SQLite and again on PostgreSQL by `make test`): two concurrent
submissions of the same draft make one booking and one charge; a submission racing a discard never ends
as a cancelled submission. PaymentIntents are counted at localstripe itself."""

from __future__ import annotations

import re
import threading

import requests
from sqlalchemy import select

from portal.extensions import db
from portal.models import Booking, BookingStatus, Payment, PaymentStatus
from tests.conftest import PASSWORD
from tests.support.payments import VISA, confirm_card, sdk
from tests.support.wizard import url, walk_to_review

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def browser_session(server, email: str) -> requests.Session:
    """A signed-in session against the live server, as a browser tab has."""
    s = requests.Session()
    token = _TOKEN.search(s.get(f"{server.url}/auth/login", timeout=10).text).group(1)
    answer = s.post(f"{server.url}/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                    allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return s


def token_of(session: requests.Session, page: str) -> str:
    return _TOKEN.search(session.get(page, timeout=10).text).group(1)


def together(*calls):
    """Run the calls at the same moment, each in its own thread; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        answers[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


def test_two_tabs_submitting_the_same_draft_charge_once(client, employer, live_server, stripe_line):
    bid = walk_to_review(client, "kcpd")
    tabs = [browser_session(live_server, employer.email) for _ in range(2)]
    forms = []
    for tab in tabs:  # each tab typed a card and confirmed it
        token = token_of(tab, f"{live_server.url}{url(bid, 'review')}")
        secret = tab.post(f"{live_server.url}/employer/payments/setup", headers={"X-CSRFToken": token},
                          timeout=10).json()["client_secret"]
        forms.append({"csrf_token": token, "accept": "y", "card": "new",
                      "setup_intent": confirm_card(stripe_line, secret, VISA)["setup_intent"]})
    answers = together(*[lambda tab=tab, form=form: tab.post(f"{live_server.url}{url(bid, 'submit')}", data=form,
                                                             allow_redirects=False, timeout=30)
                         for tab, form in zip(tabs, forms, strict=True)])
    assert [a.status_code for a in answers] == [303, 303]
    db.session.expire_all()
    booking = db.session.get(Booking, bid)
    assert booking.status == BookingStatus.SUBMITTED
    assert [e.action for e in booking.events].count("submit") == 1
    payments = db.session.scalars(select(Payment).where(Payment.booking_id == bid)).all()
    assert [p.status for p in payments] == [PaymentStatus.SUCCEEDED]
    customer = booking.organisation.stripe_customer_id
    intents = [pi for pi in sdk(stripe_line).v1.payment_intents.list({"limit": 100}).data if pi.customer == customer]
    assert len(intents) == 1 and intents[0].amount == booking.deposit_cents


def test_a_submission_racing_a_discard_is_never_cancelled(client, employer, live_server, stripe_line):
    tab_a, tab_b = (browser_session(live_server, employer.email) for _ in range(2))
    for _ in range(10):
        bid = walk_to_review(client, "mesa")
        review = f"{live_server.url}{url(bid, 'review')}"
        token_a, token_b = token_of(tab_a, review), token_of(tab_b, f"{live_server.url}/employer/")
        submit_url, discard_url = f"{live_server.url}{url(bid, 'submit')}", f"{live_server.url}{url(bid, 'discard')}"
        submit_form, discard_form = {"csrf_token": token_a, "accept": "y"}, {"csrf_token": token_b}
        together(
            lambda u=submit_url, f=submit_form: tab_a.post(u, data=f, allow_redirects=False, timeout=30),
            lambda u=discard_url, f=discard_form: tab_b.post(u, data=f, allow_redirects=False, timeout=30),
        )
        db.session.expire_all()
        booking = db.session.get(Booking, bid)
        actions = [e.action for e in booking.events]
        if booking.submitted_at is not None:  # the submission won: it stands
            assert booking.status == BookingStatus.AWAITING_DEPOSIT and actions == ["submit"], actions
        else:  # the discard won: the draft is gone and nothing was submitted
            assert booking.status == BookingStatus.CANCELLED and actions == ["discard"], actions
