"""Each audience sees only its own pages: employer vs agency vs admin vs anonymous."""

import pytest

from portal import accounts
from portal.models import ApprovalStatus, EmployerApproval
from tests.conftest import post_form

RANGE = "start=2026-11-01&end=2026-11-30"
EMPLOYER_PAGES = ["/employer/", "/employer/billing", f"/employer/billing?what=invoices&{RANGE}",
                  "/employer/requests/1/invoice"]
AGENCY_PAGES = ["/agency/", "/agency/team", "/agency/exports", f"/agency/exports?what=payments&{RANGE}",
                "/agency/bookings/1/invoice"]
ADMIN_PAGES = ["/admin/", "/admin/organisations", "/admin/users", "/admin/bookings"]
LOGGED_IN_PAGES = ["/auth/profile"]


@pytest.mark.parametrize("url", EMPLOYER_PAGES + AGENCY_PAGES + ADMIN_PAGES + LOGGED_IN_PAGES)
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "url"),
    [("employer", u) for u in AGENCY_PAGES + ADMIN_PAGES]
    + [("agency_staff", u) for u in EMPLOYER_PAGES + ADMIN_PAGES]
    + [("agency_admin", u) for u in EMPLOYER_PAGES + ADMIN_PAGES]
    + [("site_admin", u) for u in EMPLOYER_PAGES + AGENCY_PAGES],
)
def test_other_roles_get_403(client, login, role, url):
    login(role)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("role", "url"),
    [("employer", "/employer/"), ("agency_staff", "/agency/"), ("agency_admin", "/agency/team"),
     ("site_admin", "/admin/")] + [(r, "/auth/profile") for r in ("employer", "agency_staff", "site_admin")],
)
def test_own_pages_open(client, login, role, url):
    login(role)
    assert client.get(url).status_code == 200


def test_agency_staff_cannot_manage_team(client, login):
    login("agency_staff")
    assert client.get("/agency/team").status_code == 403


def test_employer_requests_approval_and_agency_decides(client, users, agencies, app):
    employer = users.make("employer")
    users.login(client, employer)
    response = post_form(client, "/employer/agencies/kcpd/approval", {}, page="/employer/")
    assert response.status_code == 302
    approval = employer.organisation.approval_for(agencies["kcpd"])
    assert approval.status == ApprovalStatus.PENDING and approval.requested_by == employer
    assert "Awaiting review" in client.get("/employer/").get_data(as_text=True)

    other = app.test_client()
    coordinator = users.login(other, "agency_staff", agency="kcpd")
    page = other.get("/agency/").get_data(as_text=True)
    assert employer.organisation.legal_name in page
    # KCPD's card asks for a background check before approving (tests/test_employer_approvals.py has the rest)
    response = post_form(other, f"/agency/employers/{approval.id}/checks", {"outcome": "cleared"}, page="/agency/")
    assert response.status_code == 302
    response = post_form(other, f"/agency/employers/{approval.id}/decision", {"decision": "approve"}, page="/agency/")
    assert response.status_code == 302
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.decided_by == coordinator and approval.decided_at is not None
    assert "Approved" in client.get("/employer/").get_data(as_text=True)


def test_agency_cannot_see_or_decide_another_agencys_employers(client, users, agencies, app):
    employer = users.make("employer")
    approval = accounts.request_approval(employer, agencies["kcpd"])
    users.login(client, "agency_staff", agency="mesa")
    assert employer.organisation.legal_name not in client.get("/agency/").get_data(as_text=True)
    response = post_form(client, f"/agency/employers/{approval.id}/decision", {"decision": "approve"}, page="/agency/")
    assert response.status_code == 404
    assert approval.status == ApprovalStatus.PENDING
    assert isinstance(approval, EmployerApproval)


def test_agency_admin_adds_a_coordinator(client, login, app):
    login("agency_admin", agency="tucson")
    response = post_form(
        client, "/agency/team",
        {"full_name": "Alex Rivera", "email": "alex@tucson.example.com", "role": "agency_staff",
         "password": "a fine long passphrase"},
    )
    assert response.status_code == 302
    other = app.test_client()
    credentials = {"email": "alex@tucson.example.com", "password": "a fine long passphrase"}
    response = post_form(other, "/auth/login", credentials)
    assert response.headers["Location"].endswith("/agency/")
    assert "Tucson Police Department" in other.get("/agency/").get_data(as_text=True)


def test_site_admin_creates_agency_user_with_errors_beside_fields(client, login):
    login("site_admin")
    response = post_form(
        client, "/admin/", {"full_name": "", "email": "bad", "role": "agency_admin", "agency": "mesa", "password": "x"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="full_name-error"' in html and 'id="email-error"' in html


def test_anonymous_htmx_request_redirects_the_whole_window(client):
    response = client.post("/employer/requests/1/shifts", headers={"HX-Request": "true"})
    assert response.status_code in (200, 400)  # CSRF may answer first; never a login page swapped into a fragment
    response = client.get("/employer/requests/1/shifts", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.get_data() == b""
    assert response.headers["HX-Redirect"].startswith("/auth/login?next=/employer/requests/1/shifts")
