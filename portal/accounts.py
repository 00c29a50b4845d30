"""Account services: passwords, sign-up, sign-in, agency users and employer approvals.

Views call these; they never touch password hashes or approval rules themselves.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Agency, ApprovalStatus, EmployerApproval, Organisation, Role, User
from portal.models.types import utcnow
from portal.security import MAX_DATABASE_ID

MIN_PASSWORD_LENGTH = 12

# Argon2id with the library's defaults (RFC 9106 low-memory profile). The test suite uses
# cheaper parameters so hundreds of sign-ups stay fast; production never does.
_HASHER = PasswordHasher()
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASHES = {id(h): h.hash("not a real password, only here for timing") for h in (_HASHER, _FAST_HASHER)}

# The most common passwords of twelve characters or more, from public breach lists.
_COMMON = {
    "password1234", "123456789012", "qwertyuiop12", "passwordpassword", "iloveyou1234",
    "1234567890123", "qwerty123456", "administrator", "letmeinletmein", "welcome12345",
    "changeme1234", "password12345", "111111111111", "000000000000", "abc123abc123",
}


class AccountError(ValueError):
    """A sign-up or account change that cannot be made, with the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _hasher() -> PasswordHasher:
    return _FAST_HASHER if current_app.config.get("PASSWORD_HASH_FAST") else _HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak, or None. Length beats composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 256:
        return "Use at most 256 characters."
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        return "This password is too easy to guess. Try a few unrelated words."
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "Don't use your email address in your password."
    return None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_taken(email: str) -> bool:
    return db.session.scalar(select(func.count(User.id)).where(User.email == normalise_email(email))) > 0


@dataclass(frozen=True)
class EmployerSignup:
    legal_name: str
    street: str
    city: str
    state: str
    zip_code: str
    contact_name: str
    phone: str
    email: str
    password: str


def register_employer(data: EmployerSignup) -> User:
    """Create an organisation and its first member. Raises AccountError on a taken email or weak password."""
    email = normalise_email(data.email)
    if email_taken(email):
        raise AccountError("email", "An account with this email already exists. Log in instead.")
    problem = password_problem(data.password, email)
    if problem:
        raise AccountError("password", problem)
    organisation = Organisation(
        legal_name=data.legal_name.strip(),
        street=data.street.strip(),
        city=data.city.strip(),
        state=data.state.strip().upper(),
        zip_code=data.zip_code.strip(),
        contact_name=data.contact_name.strip(),
        phone=data.phone.strip(),
    )
    user = User(
        email=email,
        password_hash=hash_password(data.password),
        full_name=data.contact_name.strip(),
        phone=data.phone.strip(),
        role=Role.EMPLOYER,
        organisation=organisation,
    )
    db.session.add_all([organisation, user])
    db.session.commit()
    return user


def create_user(
    email: str,
    password: str,
    role: Role,
    *,
    full_name: str = "",
    agency: Agency | None = None,
    organisation: Organisation | None = None,
) -> User:
    """Create an agency or site user (employers sign up through ``register_employer``)."""
    email = normalise_email(email)
    if email_taken(email):
        raise AccountError("email", f"An account with the email {email} already exists.")
    problem = password_problem(password, email)
    if problem:
        raise AccountError("password", problem)
    if role.is_agency and agency is None:
        raise AccountError("agency", "Agency users belong to an agency: choose one.")
    if not role.is_agency and agency is not None:
        raise AccountError("agency", f"A {role.label.lower()} does not belong to an agency.")
    if (role == Role.EMPLOYER) != (organisation is not None):
        raise AccountError("organisation", "Employer members belong to an organisation.")
    user = User(
        email=email,
        password_hash=hash_password(password),
        full_name=full_name.strip() or email.split("@")[0],
        role=role,
        agency=agency,
        organisation=organisation,
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Rehashes outdated hashes."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    hasher = _hasher()
    try:
        if user is None:
            hasher.verify(_DUMMY_HASHES[id(hasher)], password)
            return None
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password; every session of the user ends (the caller signs the current one in again)."""
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("current_password", "That is not your current password.") from None
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError("new_password", problem)
    user.password_hash = hash_password(new)
    user.end_sessions()
    db.session.commit()


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember-me cookie stops working."""
    user.end_sessions()
    db.session.commit()


def set_active(user: User, active: bool) -> None:
    """Enable or disable an account. Disabling ends its sessions; a disabled user cannot sign in."""
    user.active = active
    if not active:
        user.end_sessions()
    db.session.commit()


def user_for_session(session_id: str) -> User | None:
    """The user a session or remember-me cookie names (``"<id>:<token>"``), if that session is still open:
    the token is the user's current one and the account is active."""
    id_text, _, token = session_id.partition(":")
    if not (id_text.isascii() and id_text.isdigit() and len(id_text) <= 10 and token):
        return None
    user = db.session.get(User, int(id_text)) if int(id_text) <= MAX_DATABASE_ID else None
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def request_approval(user: User, agency: Agency) -> EmployerApproval:
    """Ask an agency to approve the user's organisation; idempotent."""
    assert user.organisation is not None
    existing = user.organisation.approval_for(agency)
    if existing is not None:
        return existing
    approval = EmployerApproval(organisation=user.organisation, agency=agency, requested_by=user)
    db.session.add(approval)
    db.session.commit()
    return approval


def decide_approval(approval: EmployerApproval, status: ApprovalStatus, by: User, note: str = "") -> None:
    """Record an agency's decision on an employer, with who and when."""
    if by.agency_id != approval.agency_id and not by.is_site_admin:
        raise PermissionError("only the agency's own staff decide on its employers")
    approval.status = status
    approval.decided_by = by
    approval.decided_at = utcnow()
    approval.note = note.strip()
    db.session.commit()
