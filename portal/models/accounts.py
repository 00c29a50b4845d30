"""Employer organisations, users and their roles, and employer approvals by agencies (with every decision
and background check kept)."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from portal.extensions import db
from portal.models.agencies import Agency
from portal.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    EMPLOYER = "employer"
    AGENCY_STAFF = "agency_staff"
    AGENCY_ADMIN = "agency_admin"
    SITE_ADMIN = "site_admin"

    @property
    def label(self) -> str:
        return {
            "employer": "Employer member",
            "agency_staff": "Agency staff",
            "agency_admin": "Agency administrator",
            "site_admin": "Site administrator",
        }[self.value]

    @property
    def is_agency(self) -> bool:
        return self in (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    SUSPENDED = "suspended"


class CheckOutcome(enum.StrEnum):
    CLEARED = "cleared"
    NOT_CLEARED = "not_cleared"

    @property
    def label(self) -> str:
        return {"cleared": "Cleared", "not_cleared": "Not cleared"}[self.value]


REFERENCE_MAX = 120  # a background check's reference: a case or transaction number, never a criminal history


def _values(enum_cls: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{m.value}'" for m in enum_cls)


class Organisation(db.Model):
    """An employer: the business or event organiser that hires officers."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(10))
    contact_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Payments: the organisation's Stripe customer and the card saved for later charges
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(255))
    card_label: Mapped[str] = mapped_column(String(64), default="")  # "Visa ending 4242, expires 12/2030"

    members: Mapped[list[User]] = relationship(back_populates="organisation")
    approvals: Mapped[list[EmployerApproval]] = relationship(
        back_populates="organisation", foreign_keys="EmployerApproval.organisation_id"
    )

    @property
    def address(self) -> str:
        return f"{self.street}, {self.city}, {self.state} {self.zip_code}"

    def approval_for(self, agency: Agency) -> EmployerApproval | None:
        return next((a for a in self.approvals if a.agency_id == agency.id), None)


def new_session_token() -> str:
    return secrets.token_hex(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({_values(Role)})", name="role_known"),
        CheckConstraint(
            "(role = 'employer') = (organisation_id IS NOT NULL)", name="employer_has_organisation"
        ),
        CheckConstraint(
            "(role IN ('agency_staff', 'agency_admin')) = (agency_id IS NOT NULL)", name="agency_user_has_agency"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id every session and remember-me cookie carries (Flask-Login's alternative id): a new
    # value ends them all. Changed at logout, on a password change and when the user is disabled.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Loaded with the signed-in user only (portal.pagecache.viewer_version): the data version of their own pages.
    page_version: Mapped[int | None] = query_expression()

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    agency: Mapped[Agency | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What sessions and remember-me cookies hold: the id and the current session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Every session and remember-me cookie of this user stops working (the caller commits)."""
        self.session_token = new_session_token()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_employer(self) -> bool:
        return self.role == Role.EMPLOYER

    @property
    def is_agency_user(self) -> bool:
        return self.role_enum.is_agency

    @property
    def is_agency_admin(self) -> bool:
        return self.role == Role.AGENCY_ADMIN

    @property
    def is_site_admin(self) -> bool:
        return self.role == Role.SITE_ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class EmployerApproval(db.Model):
    """Whether an agency has approved an employer organisation to hire its officers."""

    __tablename__ = "employer_approvals"
    __table_args__ = (
        UniqueConstraint("organisation_id", "agency_id", name="uq_employer_approvals_organisation_agency"),
        CheckConstraint(f"status IN ({_values(ApprovalStatus)})", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")

    organisation: Mapped[Organisation] = relationship(back_populates="approvals", foreign_keys=[organisation_id])
    agency: Mapped[Agency] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decisions: Mapped[list[ApprovalDecision]] = relationship(
        back_populates="approval", order_by="ApprovalDecision.id")
    checks: Mapped[list[BackgroundCheck]] = relationship(back_populates="approval", order_by="BackgroundCheck.id")

    @property
    def status_enum(self) -> ApprovalStatus:
        return ApprovalStatus(self.status)

    @property
    def approved_since(self) -> datetime | None:
        """When the approval now standing was given (None unless approved). It holds from year to year until
        the agency suspends it: a repeated approval is not recorded, so this is the first of the run."""
        return self.decided_at if self.status == ApprovalStatus.APPROVED else None


class ApprovalDecision(db.Model):
    """One decision of an agency on an employer (approve, deny, suspend, reinstate), with who, when and why.
    Append-only: the history of an approval; ``EmployerApproval`` holds the latest."""

    __tablename__ = "employer_approval_decisions"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(ApprovalStatus)})", name="status_known"),
        CheckConstraint(f"from_status IN ({_values(ApprovalStatus)})", name="from_status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("employer_approvals.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")

    approval: Mapped[EmployerApproval] = relationship(back_populates="decisions")
    decided_by: Mapped[User | None] = relationship()


class BackgroundCheck(db.Model):
    """A background check of an employer, as the agency's staff recorded it: who checked, when, the outcome and
    a short reference. Never the criminal history itself. Append-only: a correction is a new record, and the
    latest counts."""

    __tablename__ = "background_checks"
    __table_args__ = (CheckConstraint(f"outcome IN ({_values(CheckOutcome)})", name="outcome_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("employer_approvals.id"), index=True)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(REFERENCE_MAX), default="")

    approval: Mapped[EmployerApproval] = relationship(back_populates="checks")
    checked_by: Mapped[User] = relationship()

    @property
    def outcome_enum(self) -> CheckOutcome:
        return CheckOutcome(self.outcome)

    @property
    def cleared(self) -> bool:
        return self.outcome == CheckOutcome.CLEARED
