"""Demo data for local runs: ``flask seed-demo``. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal import accounts
from portal.cards import import_shipped_cards
from portal.extensions import db
from portal.models import ApprovalStatus, CheckOutcome, Role, User

DEMO_PASSWORD = "detail-desk-demo"  # noqa: S105 - printed by `make run` for local demos


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    who: str


DEMO_EMPLOYER = DemoLogin("employer@example.com", DEMO_PASSWORD, "Employer: Riverside Events LLC")
DEMO_ADMIN = DemoLogin("admin@example.com", DEMO_PASSWORD, "Site administrator")


def coordinator_login(slug: str) -> DemoLogin:
    return DemoLogin(f"coordinator@{slug}.example.com", DEMO_PASSWORD, f"Coordinator: {slug}")


def _exists(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def seed_demo() -> list[DemoLogin]:
    """Load the shipped rate cards (creating their agencies) and the demo logins; return the logins."""
    agencies = [version.agency for version, _ in import_shipped_cards()]
    logins = [DEMO_EMPLOYER]
    if not _exists(DEMO_EMPLOYER.email):
        accounts.register_employer(
            accounts.EmployerSignup(
                legal_name="Riverside Events LLC",
                street="1200 Main Street",
                city="Kansas City",
                state="MO",
                zip_code="64105",
                contact_name="Dana Whitfield",
                phone="(816) 555-0142",
                email=DEMO_EMPLOYER.email,
                password=DEMO_EMPLOYER.password,
            )
        )
    for agency in agencies:
        login = coordinator_login(agency.slug)
        logins.append(DemoLogin(login.email, login.password, f"Coordinator, {agency.short_name} (agency admin)"))
        if not _exists(login.email):
            accounts.create_user(
                login.email, login.password, Role.AGENCY_ADMIN, full_name=f"{agency.short_name} Coordinator",
                agency=agency,
            )
    _approve_demo_employer_at_kcpd(agencies)
    logins.append(DEMO_ADMIN)
    if not _exists(DEMO_ADMIN.email):
        accounts.create_user(DEMO_ADMIN.email, DEMO_ADMIN.password, Role.SITE_ADMIN, full_name="Site Admin")
    return logins


def _approve_demo_employer_at_kcpd(agencies) -> None:
    """Riverside Events is an approved KCPD employer, with the cleared background check KCPD's card asks for
    recorded by its coordinator; the other agencies have not reviewed it yet. Only the first time: a later run
    leaves whatever the demo has done to the approval since."""
    kcpd = next((a for a in agencies if a.slug == "kcpd"), None)
    employer = db.session.scalar(select(User).where(User.email == DEMO_EMPLOYER.email))
    coordinator = db.session.scalar(select(User).where(User.email == coordinator_login("kcpd").email))
    if kcpd is None or employer is None or coordinator is None or employer.organisation.approval_for(kcpd):
        return
    approval = accounts.request_approval(employer, kcpd)
    if accounts.background_check_required(kcpd):
        accounts.record_check(approval, CheckOutcome.CLEARED, coordinator, "MULES test and case.net search (demo)")
    accounts.decide_approval(approval, ApprovalStatus.APPROVED, coordinator, "Demo employer")
