"""The data model: one module per aggregate."""

from portal.models.accounts import ApprovalStatus, EmployerApproval, Organisation, Role, User
from portal.models.agencies import Agency

__all__ = ["Agency", "ApprovalStatus", "EmployerApproval", "Organisation", "Role", "User"]
