"""The admin JSON API's in and out shapes.

Lengths are checked by the customer service, one rule per field for the API, the pages and the
CSV import alike (so every one of them answers with the same words); the models only publish the
limits in the OpenAPI document (``maxLength``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from erpgate.customer.csv_import import ImportReport
from erpgate.customer.service import (
    ACCOUNT_NAME_MAX,
    CUSTOMER_CODE_MAX,
    EMAIL_MAX,
    PASSWORD_MAX,
    SELLER_REFERENCE_MAX,
    USER_NAME_MAX,
    Page,
)
from erpgate.kit.locales import LOCALE_MAX
from erpgate.models.audit_log import AuditLog
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.store import Store
from erpgate.models.user import PERMISSIONS, User


def _limit(length: int) -> Any:
    return {"maxLength": length}


class AdminLogin(BaseModel):
    email: str = Field(max_length=EMAIL_MAX)
    password: str = Field(max_length=PASSWORD_MAX)


class AdminMe(BaseModel):
    id: str
    email: str
    name: str
    role: str
    store_id: str | None
    csrf_token: str


class AccountIn(BaseModel):
    name: str = Field(json_schema_extra=_limit(ACCOUNT_NAME_MAX))
    customer_code: str = Field(json_schema_extra=_limit(CUSTOMER_CODE_MAX))
    seller_reference: str | None = Field(
        default=None, json_schema_extra=_limit(SELLER_REFERENCE_MAX)
    )


class AccountPatch(BaseModel):
    name: str | None = Field(default=None, json_schema_extra=_limit(ACCOUNT_NAME_MAX))
    customer_code: str | None = Field(default=None, json_schema_extra=_limit(CUSTOMER_CODE_MAX))
    seller_reference: str | None = Field(
        default=None, json_schema_extra=_limit(SELLER_REFERENCE_MAX)
    )


class UserIn(BaseModel):
    customer_account_id: uuid.UUID
    email: str = Field(json_schema_extra=_limit(EMAIL_MAX))
    name: str = Field(default="", json_schema_extra=_limit(USER_NAME_MAX))
    password: str | None = Field(
        default=None,
        description="Owners and admins only; audited; at least 8 characters",
        json_schema_extra=_limit(PASSWORD_MAX),
    )
    permissions: list[str] = list(PERMISSIONS)


class UserPatch(BaseModel):
    customer_account_id: uuid.UUID | None = None
    email: str | None = Field(default=None, json_schema_extra=_limit(EMAIL_MAX))
    name: str | None = Field(default=None, json_schema_extra=_limit(USER_NAME_MAX))
    password: str | None = Field(
        default=None,
        description="Owners and admins only; audited; ends the buyer's sessions",
        json_schema_extra=_limit(PASSWORD_MAX),
    )
    permissions: list[str] | None = None
    is_active: bool | None = None


def _typed_as_text(value: Any) -> Any:
    # 12.5 or true where a whole number belongs go to the settings validator as text, which
    # answers in the form's words under the field's own name (not one error per union member).
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return str(value)
    return value


# A whole-number setting: a number, or text that the settings validator reads as the form does.
WholeNumber = Annotated[int | str, BeforeValidator(_typed_as_text)]


class EndpointUrls(BaseModel):
    """All ten ERP endpoint URLs; null or "" switches an endpoint off."""

    model_config = ConfigDict(extra="forbid")

    orders: str | None
    order: str | None
    invoices: str | None
    invoice: str | None
    balance: str | None
    taxes: str | None
    shipping: str | None
    submit_order: str | None
    prices: str | None
    inventory: str | None


class EndpointTimeouts(BaseModel):
    """All ten timeouts in seconds (0.5-30); null means the endpoint's default."""

    model_config = ConfigDict(extra="forbid")

    orders: float | str | None
    order: float | str | None
    invoices: float | str | None
    invoice: float | str | None
    balance: float | str | None
    taxes: float | str | None
    shipping: float | str | None
    submit_order: float | str | None
    prices: float | str | None
    inventory: float | str | None


class IntegrationSettingsPut(BaseModel):
    """Every setting: PUT replaces them all, so a missing field is an error, never an erase
    (PATCH changes some). `token` null keeps the stored Token (it is write-only)."""

    model_config = ConfigDict(extra="forbid")

    key: str
    token: str | None
    auth_style: str
    oauth_token_url: str | None
    urls: EndpointUrls
    timeouts: EndpointTimeouts
    tax_failure_policy: str
    stale_max_age_seconds: WholeNumber
    order_retry_hours: WholeNumber
    price_cache_seconds: WholeNumber
    stock_cache_seconds: WholeNumber
    notify_sender: str | None
    notify_receivers: list[str] | str
    installed: bool | None = None


class EndpointUrlsPatch(BaseModel):
    """Some endpoint URLs; a named one set to null or "" is switched off, the others are kept."""

    model_config = ConfigDict(extra="forbid")

    orders: str | None = None
    order: str | None = None
    invoices: str | None = None
    invoice: str | None = None
    balance: str | None = None
    taxes: str | None = None
    shipping: str | None = None
    submit_order: str | None = None
    prices: str | None = None
    inventory: str | None = None


class EndpointTimeoutsPatch(BaseModel):
    """Some timeouts; a named one set to null goes back to the endpoint's default."""

    model_config = ConfigDict(extra="forbid")

    orders: float | str | None = None
    order: float | str | None = None
    invoices: float | str | None = None
    invoice: float | str | None = None
    balance: float | str | None = None
    taxes: float | str | None = None
    shipping: float | str | None = None
    submit_order: float | str | None = None
    prices: float | str | None = None
    inventory: float | str | None = None


class IntegrationSettingsPatch(BaseModel):
    """Some settings: only the fields named change (null clears one; a null Token is kept)."""

    model_config = ConfigDict(extra="forbid")

    key: str | None = None
    token: str | None = None
    auth_style: str | None = None
    oauth_token_url: str | None = None
    urls: EndpointUrlsPatch | None = None
    timeouts: EndpointTimeoutsPatch | None = None
    tax_failure_policy: str | None = None
    stale_max_age_seconds: WholeNumber | None = None
    order_retry_hours: WholeNumber | None = None
    price_cache_seconds: WholeNumber | None = None
    stock_cache_seconds: WholeNumber | None = None
    notify_sender: str | None = None
    notify_receivers: list[str] | str | None = None
    installed: bool | None = None


class StoreSettingsPatch(BaseModel):
    """The store settings to change; the others are kept."""

    model_config = ConfigDict(extra="forbid")

    locale: str = Field(
        description="How the buyers' pages show money, numbers and dates: en_US, de_CH, fr_FR …",
        json_schema_extra={"maxLength": LOCALE_MAX},
    )


# Out shapes of the JSON API.


def store_json(store: Store) -> dict[str, Any]:
    return {
        "slug": store.slug,
        "name": store.name,
        "currency": store.currency,
        "locale": store.locale,
    }


def account_json(account: CustomerAccount) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "name": account.name,
        "customer_code": account.customer_code,
        "seller_reference": account.seller_reference,
        "created_at": account.created_at.isoformat(),
    }


def user_json(user: User, account: CustomerAccount | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "customer_account_id": str(user.customer_account_id),
        "permissions": list(user.permissions),
        "is_active": user.is_active,
        "has_password": user.password_hash is not None,
        "created_at": user.created_at.isoformat(),
    }
    if account is not None:
        body["customer_code"] = account.customer_code
        body["customer_account_name"] = account.name
    return body


def page_json(found: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": found.total, "page": found.page, "pages": found.pages}


def report_json(report: ImportReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "rows": report.rows,
        "accounts_created": report.accounts_created,
        "users_created": report.users_created,
        "errors": [
            {"line": e.line, "column": e.column, "message": e.message} for e in report.errors
        ],
        "more_errors": report.more_errors,
    }


def audit_json(entry: AuditLog) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "occurred_at": entry.occurred_at.isoformat(),
        "admin_id": str(entry.admin_id) if entry.admin_id else None,
        "admin_email": entry.admin_email,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
    }
