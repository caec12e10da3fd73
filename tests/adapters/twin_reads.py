"""Reads through a shipped adapter profile against its ERP twin, over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from erpgate.erp.adapters.profile import Profile, shipped_profile, with_addresses
from erpgate.erp.adapters.targets import adapter_target
from erpgate.erp.contract import (
    BalanceRequest,
    BalanceResponse,
    InvoiceRequest,
    InvoiceResponse,
    InvoicesListRequest,
    InvoicesListResponse,
    OrderRequest,
    OrderResponse,
    OrdersListRequest,
    OrdersListResponse,
    WireRequest,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, ListSink, Outcome
from erpgate.twins import TwinConfig, running_twin
from erpgate.twins.registry import TwinHandle, adapter_addresses, adapter_credentials

T = TypeVar("T", bound=BaseModel)
ACME = "C0004935"
GIBSONBURG = "C010268"


def twin_profile(name: str, twin: TwinHandle) -> Profile:
    base_url, token_url = adapter_addresses(name, twin.origin)
    return with_addresses(shipped_profile(name), base_url=base_url, token_url=token_url)


@dataclass
class TwinReader:
    """One gateway reading one twin through its shipped profile."""

    name: str
    twin: TwinHandle
    gateway: ErpGateway
    profile: Profile
    key: str
    token: str
    timeout: float = 5.0

    async def read(
        self, endpoint: Endpoint, request: WireRequest, model: type[T], customer: str = ACME
    ) -> Outcome[T]:
        target = adapter_target(
            self.gateway.options,
            store_id=None,
            endpoint=endpoint,
            profile=self.profile,
            timeout_seconds=self.timeout,
            key=self.key,
            token=self.token,
        )
        actor = Actor(source="storefront", customer_code=customer)
        return await self.gateway.read(target, ErpCall.of(endpoint, request, model, actor))

    async def orders(self, customer: str = ACME, **fields: Any) -> Outcome[OrdersListResponse]:
        request = OrdersListRequest(customer_code=customer, **fields)
        return await self.read(Endpoint.ORDERS, request, OrdersListResponse, customer)

    async def order(self, order_id: str, customer: str = ACME) -> Outcome[OrderResponse]:
        request = OrderRequest(customer_code=customer, order_id=order_id)
        return await self.read(Endpoint.ORDER, request, OrderResponse, customer)

    async def invoices(self, customer: str = ACME, **fields: Any) -> Outcome[InvoicesListResponse]:
        request = InvoicesListRequest(customer_code=customer, **fields)
        return await self.read(Endpoint.INVOICES, request, InvoicesListResponse, customer)

    async def invoice(self, invoice_id: str, customer: str = ACME) -> Outcome[InvoiceResponse]:
        request = InvoiceRequest(customer_code=customer, invoice_id=invoice_id)
        return await self.read(Endpoint.INVOICE, request, InvoiceResponse, customer)

    async def balance(self, customer: str = ACME) -> Outcome[BalanceResponse]:
        request = BalanceRequest(customer_code=customer)
        return await self.read(Endpoint.BALANCE, request, BalanceResponse, customer)


@asynccontextmanager
async def twin_reader(
    name: str, config: TwinConfig | None = None, **overrides: Any
) -> AsyncIterator[TwinReader]:
    async with running_twin(name, config) as twin:
        host = twin.origin.removeprefix("http://")
        options = ErpClientOptions(allowed_private_hosts=frozenset({host}))
        gateway = ErpGateway(options, ListSink())
        await gateway.start()
        key, token = adapter_credentials(name)
        fields: dict[str, Any] = {"key": key, "token": token, **overrides}
        try:
            yield TwinReader(name, twin, gateway, twin_profile(name, twin), **fields)
        finally:
            await gateway.close()
