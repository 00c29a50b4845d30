"""Account services: passwords, sign-up, sign-in, agency users and employer approvals.

Views call these; they never touch password hashes or approval rules themselves.

Employer approvals (KCPD policy 630-9 III.B: "valid from year-to-year", resubmitted "only in the event of
suspension or revocation"): an approval has no expiry; it stands until the agency suspends it. Every decision is
kept (``ApprovalDecision``). Where the agency's rate card asks for a background check (``[employer_review]
background_check``), the employer is approved only once the latest check that counts cleared; after a
suspension only a check recorded since then counts, so reinstating needs a new cleared check. Checks are
append-only records of who checked, when and the outcome, never of a criminal history.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import with_expression

from portal import cards, pagecache
from portal.extensions import db
from portal.models import (
    Agency,
    ApprovalDecision,
    ApprovalStatus,
    BackgroundCheck,
    CheckOutcome,
    EmployerApproval,
    Organisation,
    Role,
    User,
)
from portal.models.accounts import REFERENCE_MAX
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


@cache
def _signed_in_user():
    """The user of a session, read afresh, with the version of the pages they see (one query for both)."""
    return (select(User).where(User.id == bindparam("id"))
            .options(with_expression(User.page_version, pagecache.viewer_version()))
            .execution_options(populate_existing=True))


def user_for_session(session_id: str) -> User | None:
    """The user a session or remember-me cookie names (``"<id>:<token>"``), if that session is still open:
    the token is the user's current one and the account is active."""
    id_text, _, token = session_id.partition(":")
    if not (id_text.isascii() and id_text.isdigit() and len(id_text) <= 10 and token):
        return None
    user = db.session.scalar(_signed_in_user(), {"id": int(id_text)}) if int(id_text) <= MAX_DATABASE_ID else None
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


class ApprovalRefused(Exception):
    """A decision on an employer, or a background check, the rules do not allow now, with a sentence for the
    agency's staff; ``field``: the form field at fault (``note``, ``reference``), or "" for the decision itself."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


# The decisions an agency can take from each status: approve or deny a request for approval; suspend an approval
# (it otherwise holds with no expiry); reinstate (approve) or deny a suspended employer; reconsider a denial.
NEXT_STATUSES: dict[str, tuple[ApprovalStatus, ...]] = {
    ApprovalStatus.PENDING: (ApprovalStatus.APPROVED, ApprovalStatus.DENIED),
    ApprovalStatus.APPROVED: (ApprovalStatus.SUSPENDED,),
    ApprovalStatus.SUSPENDED: (ApprovalStatus.APPROVED, ApprovalStatus.DENIED),
    ApprovalStatus.DENIED: (ApprovalStatus.APPROVED,),
}


NOTE_MAX = 500
_VERBS = {ApprovalStatus.APPROVED: "approve", ApprovalStatus.DENIED: "deny", ApprovalStatus.SUSPENDED: "suspend"}


def background_check_required(agency: Agency) -> bool:
    """Whether the agency's current rate card asks for a background check before it approves an employer."""
    card = cards.current_card(agency.slug)
    review = card.employer_review if card is not None else None
    return bool(review and review.background_check)


@dataclass(frozen=True)
class CheckStanding:
    """An approval's background check as it bears on approving: ``required`` by the card; ``counting`` the latest
    check recorded since the last suspension (None: none yet); ``suspended_at`` that suspension, if any."""

    required: bool
    counting: BackgroundCheck | None
    suspended_at: datetime | None

    @property
    def allows_approval(self) -> bool:
        return not self.required or (self.counting is not None and self.counting.cleared)


def check_standing(approval: EmployerApproval, *, required: bool | None = None) -> CheckStanding:
    """Where the approval stands on its background check (``required``: the card's answer, when known)."""
    if required is None:
        required = background_check_required(approval.agency)
    suspended_at = max((d.decided_at for d in approval.decisions if d.status == ApprovalStatus.SUSPENDED),
                       default=None)
    counting = [c for c in approval.checks if suspended_at is None or c.checked_at > suspended_at]
    return CheckStanding(required, counting[-1] if counting else None, suspended_at)


def _refusal_to_approve(approval: EmployerApproval, standing: CheckStanding) -> str:
    name, agency = approval.organisation.legal_name, approval.agency.short_name
    if standing.counting is not None:  # not cleared
        return (f"The latest background check of {name} did not clear: {agency} cannot approve it. Deny it, or "
                "record a new check.")
    if standing.suspended_at is not None:
        return (f"{name} was suspended: record a new cleared background check before reinstating it (an approval "
                "is resubmitted after a suspension, and approving needs a check).")
    return f"{agency} approves an employer only after a cleared background check: record the check of {name} first."


def _check_agency_user(approval: EmployerApproval, by: User, *, site_admin: bool) -> None:
    if by.agency_id != approval.agency_id and not (site_admin and by.is_site_admin):
        raise PermissionError("only the agency's own staff decide on and check its employers")


def record_check(approval: EmployerApproval, outcome: CheckOutcome | str, by: User, reference: str = "") -> \
        BackgroundCheck:
    """Record a background check the agency's staff member ``by`` made of the employer: outcome and a short
    reference (a case or transaction number), never the criminal history. A new record every time: a correction
    is a later check. Commits."""
    _check_agency_user(approval, by, site_admin=False)
    outcome = CheckOutcome(outcome)
    reference = reference.strip()
    if not background_check_required(approval.agency):
        raise ApprovalRefused(f"{approval.agency.short_name}'s rate card asks for no background check of employers.")
    if len(reference) > REFERENCE_MAX:
        raise ApprovalRefused(f"Keep the reference to {REFERENCE_MAX} characters: a case or transaction number.",
                              "reference")
    check = BackgroundCheck(approval=approval, outcome=outcome, reference=reference, checked_by=by)
    db.session.add(check)
    db.session.commit()
    return check


def decide_approval(approval: EmployerApproval, status: ApprovalStatus, by: User, note: str = "") -> bool:
    """Record an agency's decision on an employer, with who, when and why, in its history. Commits.

    False (and nothing recorded) when it is already in that status: an approval runs on from its first day.
    ApprovalRefused when the move is not one of NEXT_STATUSES, a denial or suspension says no why, or the card
    asks for a background check and no cleared one counts."""
    _check_agency_user(approval, by, site_admin=True)
    status = ApprovalStatus(status)
    note = note.strip()
    # lock the row: two coordinators deciding at once take turns, and the second sees the first's decision
    db.session.execute(select(EmployerApproval.id).where(EmployerApproval.id == approval.id).with_for_update())
    db.session.refresh(approval)
    current = approval.status
    if status == current:
        db.session.rollback()
        return False
    if status not in NEXT_STATUSES[current]:
        db.session.rollback()
        raise ApprovalRefused(f"{approval.organisation.legal_name} is {ApprovalStatus(current).value}: it cannot "
                              f"be {status.value} now.")
    if status in (ApprovalStatus.DENIED, ApprovalStatus.SUSPENDED) and not note:
        db.session.rollback()
        raise ApprovalRefused(f"Say why you {_VERBS[status]} {approval.organisation.legal_name} in the note: it is "
                              "kept in the employer's history.", "note")
    if len(note) > NOTE_MAX:
        db.session.rollback()
        raise ApprovalRefused(f"Keep the note to {NOTE_MAX} characters.", "note")
    if status == ApprovalStatus.APPROVED:
        standing = check_standing(approval)
        if not standing.allows_approval:
            db.session.rollback()
            raise ApprovalRefused(_refusal_to_approve(approval, standing))
    at = utcnow()
    approval.status = status
    approval.decided_by = by
    approval.decided_at = at
    approval.note = note
    db.session.add(ApprovalDecision(approval=approval, from_status=current, status=status, decided_by=by,
                                    decided_at=at, note=note))
    db.session.commit()
    return True


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: User | None
    what: str
    note: str = ""


def approval_history(approval: EmployerApproval) -> list[HistoryEntry]:
    """The request, every decision and every background check of an approval, oldest first."""
    entries = [HistoryEntry(approval.requested_at, approval.requested_by, "Approval requested")]
    for d in approval.decisions:
        word = "Reinstated" if (d.status, d.from_status) == (ApprovalStatus.APPROVED, ApprovalStatus.SUSPENDED) \
            else {"approved": "Approved", "denied": "Denied", "suspended": "Suspended"}.get(d.status, d.status)
        entries.append(HistoryEntry(d.decided_at, d.decided_by, word, d.note))
    for c in approval.checks:
        entries.append(HistoryEntry(c.checked_at, c.checked_by, f"Background check: {c.outcome_enum.label.lower()}",
                                    c.reference))
    return sorted(entries, key=lambda e: e.at)
