"""Storefront in and out shapes: list filters (validated before any ERP call) and API answers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationInfo,
    field_validator,
)

from erpgate.checkout.schemas import PlacedSummary
from erpgate.erp.contract import (
    Balance,
    InvoiceDetail,
    InvoiceSummary,
    OrderDetail,
    OrderSummary,
)
from erpgate.web.params import Day, FilterText, PageNumber, SearchText

MAX_PAGE_SIZE = 100


class ListQuery(BaseModel):
    """Filters of the orders and invoices lists (frozen: ``read_query`` shares its readings)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=True)

    # Paging, search and date bounds are the ones every list shares (erpgate.web.params).
    page: PageNumber = 1
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)
    search: SearchText | None = Field(default=None, description="Order or PO number")
    status: FilterText | None = None
    date_from: Day | None = None
    date_to: Day | None = None

    @field_validator("search", "status", "date_from", "date_to", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("date_to")
    @classmethod
    def _not_before_from(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("date_from")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before the start date (date_from)")
        return value


class InvoiceQuery(ListQuery):
    status: Literal["open", "paid", "all"] | None = Field(
        default=None, description="open, paid or all (default)"
    )


class PageOut(BaseModel):
    page: int
    page_size: int
    total: int | None = Field(description="All matching rows, when the ERP says")
    has_next: bool


def _erp_or_placed_rows(schema: dict[str, Any]) -> None:
    """Publish ``data``'s rows as either shape: PlacedSummary (source local) or OrderSummary."""
    row = schema["items"]
    placed = {"$ref": row["$ref"].rsplit("/", 1)[0] + "/PlacedSummary"}
    schema["items"] = {"anyOf": [placed, row]}


class OrdersPage(BaseModel):
    # Declared as OrderSummary and serialized as each row's own class (a PlacedSummary keeps its
    # delivery): pydantic serializes a union by trying each member, twice the cost of the rows
    # themselves on the hottest read. The published schema still names both (placed rows are a
    # subclass); this model is only ever built from rows already validated (model_construct).
    data: list[SerializeAsAny[OrderSummary]] = Field(
        description="The ERP's rows; with source local, the orders placed in this store, each "
        "with its delivery",
        json_schema_extra=_erp_or_placed_rows,
    )
    page: PageOut
    source: Literal["erp", "local"] = Field(description="local: orders placed in this store")
    stale_as_of: dt.datetime | None = None
    statuses: list[str] | None = Field(
        default=None, description="The ERP's order statuses, when it publishes them: a select"
    )
    placed: list[PlacedSummary] | None = Field(
        default=None,
        description="First page only: orders placed in this store that the ERP does not list "
        "yet, matching the filters, newest first (their order_id is this store's), each with "
        "where its delivery to the ERP stands",
    )


class OrderOut(BaseModel):
    data: OrderDetail
    stale_as_of: dt.datetime | None = None


class InvoiceRow(InvoiceSummary):
    overdue: bool = Field(description="Unpaid and past its due date")

    @classmethod
    def of(cls, row: InvoiceSummary, today: dt.date) -> InvoiceRow:
        """The ERP's row with its overdue marker, without validating it again."""
        values = dict(row.__dict__, overdue=row.is_overdue(today))
        return cls.model_construct(_fields_set=row.model_fields_set | {"overdue"}, **values)


class InvoicesPage(BaseModel):
    data: list[InvoiceRow]
    page: PageOut
    stale_as_of: dt.datetime | None = None


class InvoiceOut(BaseModel):
    data: InvoiceDetail
    stale_as_of: dt.datetime | None = None


class BalanceOut(BaseModel):
    data: Balance
    stale_as_of: dt.datetime | None = None


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    store: str | None = Field(default=None, max_length=64, description="Store slug")


class MeOut(BaseModel):
    user_id: str
    email: str
    name: str
    store: str
    customer_account: str
    customer_code: str
    permissions: list[str]
    modules: list[str]
    csrf_token: str
    impersonated_by: str | None = None
