"""The admin JSON API's in and out shapes.

Lengths are checked by the customer service, one rule per field for the API, the pages and the
CSV import alike (so every one of them answers with the same words); the models only publish the
limits in the OpenAPI document (``maxLength``).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field

from erpgate.customer.service import (
    ACCOUNT_NAME_MAX,
    CUSTOMER_CODE_MAX,
    EMAIL_MAX,
    PASSWORD_MAX,
    SELLER_REFERENCE_MAX,
    USER_NAME_MAX,
)
from erpgate.models.user import PERMISSIONS


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
