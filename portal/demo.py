"""Demo data for local runs: ``flask seed-demo``. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal import accounts
from portal.extensions import db
from portal.models import Agency, Role, User

# The four launch agencies. Their rates and rules live in their rate cards; this is who they are.
AGENCIES = [
    {
        "slug": "kcpd",
        "name": "Kansas City, Missouri Police Department",
        "short_name": "KCPD",
        "time_zone": "America/Chicago",
        "jurisdiction_city": "Kansas City",
        "jurisdiction_state": "MO",
        "summary": "Off-duty officers, sergeants and captains within Kansas City, Missouri.",
    },
    {
        "slug": "mesa",
        "name": "Mesa Police Department",
        "short_name": "Mesa PD",
        "time_zone": "America/Phoenix",
        "jurisdiction_city": "Mesa",
        "jurisdiction_state": "AZ",
        "summary": "Officers, sergeants and lieutenants, with vehicles, through Off Duty Management.",
    },
    {
        "slug": "west-valley-city",
        "name": "West Valley City Police Department",
        "short_name": "West Valley City PD",
        "time_zone": "America/Denver",
        "jurisdiction_city": "West Valley City",
        "jurisdiction_state": "UT",
        "summary": "Officers and supervisors, with holiday and emergency rates, through Off Duty Management.",
    },
    {
        "slug": "tucson",
        "name": "Tucson Police Department",
        "short_name": "Tucson PD",
        "time_zone": "America/Phoenix",
        "jurisdiction_city": "Tucson",
        "jurisdiction_state": "AZ",
        "summary": "Regular, major-event and critical-need schedules, through Off Duty Management.",
    },
]

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


def upsert_agency(data: dict) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.slug == data["slug"]))
    if agency is None:
        agency = Agency(**data)
        db.session.add(agency)
    else:
        for key, value in data.items():
            setattr(agency, key, value)
    db.session.commit()
    return agency


def _exists(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def seed_demo() -> list[DemoLogin]:
    """Create the demo agencies and logins where missing; return the logins."""
    agencies = [upsert_agency(data) for data in AGENCIES]
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
    logins.append(DEMO_ADMIN)
    if not _exists(DEMO_ADMIN.email):
        accounts.create_user(DEMO_ADMIN.email, DEMO_ADMIN.password, Role.SITE_ADMIN, full_name="Site Admin")
    return logins
