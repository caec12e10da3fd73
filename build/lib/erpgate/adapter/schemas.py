"""What the adapter API takes and gives."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ShippedProfile(BaseModel):
    name: str
    label: str


class AdapterOut(BaseModel):
    profile: dict[str, Any] | None = Field(description="The store's copy of its profile.")
    endpoints: list[str] = Field(description="Endpoints read through the profile.")
    shipped: list[ShippedProfile] = Field(description="Profiles to start from.")
    problem: str | None = Field(
        default=None, description="Why the stored profile no longer loads, when it does not."
    )
    key_set: bool = Field(default=False, description="Whether the adapter's Key is set.")
    token_set: bool = Field(default=False, description="Whether the adapter's Token is set.")


class AdapterPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: Any = Field(description="A shipped profile's name (start from its copy) or a profile.")
    endpoints: Any = Field(default_factory=list, description="Endpoints to read through it.")
    key: str | None = Field(
        default=None,
        description="The auth driver's Key (client id, API key, user name); write-only. "
        "Absent: keep the saved one; empty: remove it.",
    )
    token: str | None = Field(
        default=None,
        description="The auth driver's Token (client secret, API secret, password, bearer "
        "token); write-only, stored encrypted. Absent: keep the saved one; empty: remove it.",
    )


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str = ""
    customer_code: str = ""
    profile: Any = Field(default=None, description="An unsaved profile; empty: the saved one.")
    answer: Any = Field(
        default=None,
        description="A pasted ERP answer (a JSON value, or JSON text) mapped offline; "
        "empty: the ERP is asked live.",
    )
    order_id: str = ""
    invoice_id: str = ""


class PreviewError(BaseModel):
    message: str
    line: int | None = Field(default=None, description="The mapping line it points at.")


class PreviewRequest(BaseModel):
    method: str
    url: str
    status: int | None
    duration_ms: float


class PreviewOut(BaseModel):
    ok: bool
    mapped: Any = Field(description="The contract JSON the mapping produced (null if none).")
    errors: list[PreviewError]
    requests: list[PreviewRequest] = Field(description="The ERP requests made, masked.")
    note: str | None = None
