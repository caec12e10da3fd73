"""The resolved buyer: who is reading, for which store and customer account, with which settings.

Every ERP call is made with the customer code of this buyer, never one from the request, so a
buyer can only ever see their own account's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from erpgate.checkout.service import CheckoutBuyer
from erpgate.erp.outcome import Actor, Source
from erpgate.errors import Forbidden
from erpgate.integration.service import LiveIntegration
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.models.web_session import WebSession


@dataclass(frozen=True, slots=True)
class Impersonation:
    admin_email: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Buyer:
    """The resolved buyer with their store, customer account and live integration."""

    store: Store
    user: User
    account: CustomerAccount
    integration: LiveIntegration
    source: Source
    session: WebSession | None = None  # None for API-key calls
    impersonation: Impersonation | None = None

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""

    @property
    def actor(self) -> Actor:
        return Actor(
            source=self.source,
            customer_account_id=self.account.id,
            customer_code=self.account.customer_code,
            user_id=self.user.id,
            impersonator_admin_id=self.session.impersonator_admin_id if self.session else None,
        )

    def checkout_buyer(self) -> CheckoutBuyer:
        return CheckoutBuyer(store=self.store, account=self.account, actor=self.actor)

    def may(self, permission: str) -> bool:
        return permission in (self.user.permissions or [])

    def require(self, permission: str) -> None:
        """Refuse before any ERP call when the buyer lacks the permission."""
        if not self.may(permission):
            raise Forbidden(f"Your account does not have access to {permission}.")
