"""ORM tables, one module per table. Importing this package registers every table on Base.metadata."""

from erpgate.models.admin_user import AdminUser
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.integration import Integration
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.models.web_session import WebSession

__all__ = ["AdminUser", "CustomerAccount", "Integration", "Store", "User", "WebSession"]
