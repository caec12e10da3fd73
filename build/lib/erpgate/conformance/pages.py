"""The pages of a list as the list rules share them, and how they ask for one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from erpgate.conformance.caller import Exchange
from erpgate.conformance.checks import Row
from erpgate.conformance.payloads import list_payload
from erpgate.erp.contract import InvoicesListResponse, OrdersListResponse
from erpgate.erp.endpoints import Endpoint

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

ListResponse = OrdersListResponse | InvoicesListResponse


def rows_of(exchange: Exchange[Any]) -> list[Row]:
    value = exchange.value
    if isinstance(value, OrdersListResponse | InvoicesListResponse):
        return list(value.data)
    return []


async def ask(
    run: RuleRun, endpoint: Endpoint, *, customer_code: str | None = None, **filters: Any
) -> Exchange[ListResponse]:
    """One list call: this customer's unless ``customer_code`` names another."""
    model = OrdersListResponse if endpoint is Endpoint.ORDERS else InvoicesListResponse
    payload = list_payload(run.plan, customer_code=customer_code, **filters)
    exchange: Exchange[ListResponse] = await run.call(endpoint, payload, model, customer_code)
    return exchange


@dataclass(slots=True)
class ListPages:
    """The unfiltered pages of one list asked so far, at the plan's page size."""

    endpoint: Endpoint
    pages: dict[int, Exchange[ListResponse]] = field(default_factory=dict)

    @property
    def noun(self) -> str:
        return "order" if self.endpoint is Endpoint.ORDERS else "invoice"

    def rows(self, page: int) -> list[Row]:
        exchange = self.pages.get(page)
        return rows_of(exchange) if exchange is not None else []

    async def get(self, run: RuleRun, page: int) -> Exchange[ListResponse]:
        if page not in self.pages:
            self.pages[page] = await ask(run, self.endpoint, page=page)
        return self.pages[page]

    def sample(self) -> Row:
        """A row the filters look for: page 2's first, so that a filter the ERP ignores (which
        answers page 1) cannot return it by chance; else the middle of page 1."""
        second = self.rows(2)
        if second:
            return second[0]
        first = self.rows(1)
        return first[len(first) // 2]
