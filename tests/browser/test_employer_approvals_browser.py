"""A KCPD coordinator checks an employer before approving it, in Chromium at 1280 and 390 px: the refusal beside
the decision, the check recorded, "approved since", the history. axe-core checks each state (the harness);
screenshots: tests/artifacts/screenshots/approvals-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import accounts
from tests.support.demo import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_kcpd_checks_an_employer_before_approving_it(page, users, agencies, axe_check, screenshot, network_guard,
                                                     width):
    page.set_viewport_size({"width": width, "height": 900})
    employer = users.make("employer")
    accounts.request_approval(employer, agencies["kcpd"])
    log_in(page, users.make("agency_staff", agency="kcpd"))
    name = employer.organisation.legal_name
    page.goto("/agency/")
    check = page.get_by_test_id("background-check")
    expect(check).to_contain_text("No check recorded yet")
    expect(check).to_contain_text("Never write the criminal history itself")

    page.get_by_role("button", name=f"Approve {name}").click()
    expect(page.get_by_test_id("decision-refused")).to_contain_text("only after a cleared background check")
    axe_check(page, "approve refused beside the decision")
    screenshot(f"approvals-{width}-1-approve-refused")

    page.get_by_label("Outcome").select_option("cleared")
    page.get_by_label("Reference (optional)").fill("MULES 2026-1201-07")
    page.get_by_role("button", name=f"Record the check of {name}").click()
    expect(check).to_contain_text("Cleared")
    page.get_by_label("Note (kept in the history; say why to deny or suspend)").fill("MULES and case.net clear")
    page.get_by_role("button", name=f"Approve {name}").click()
    expect(page.get_by_test_id("employer-status")).to_contain_text(re.compile(r"Approved\s+since"))
    page.get_by_text("History (3)").click()  # requested, the check, approved
    expect(page.locator(".employer-history")).to_contain_text("Approved by Test Agency staff: MULES and case.net")
    axe_check(page, "approved, with its history open")
    screenshot(f"approvals-{width}-2-approved-with-history")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the screen
    assert network_guard.aborted == [], network_guard.report()
