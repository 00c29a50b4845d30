"""The data model: one module per aggregate."""

from portal.models.accounts import ApprovalStatus, EmployerApproval, Organisation, Role, User
from portal.models.agencies import Agency, RateCardVersion

__all__ = ["Agency", "ApprovalStatus", "EmployerApproval", "Organisation", "RateCardVersion", "Role", "User"]
