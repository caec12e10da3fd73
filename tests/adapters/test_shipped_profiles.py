"""Each shipped profile against its ERP twin: every endpoint, paging, isolation and injection."""

from __future__ import annotations

import pytest

from erpgate.erp.errors import ErpNotFoundError
from tests.adapters.twin_reads import ACME, GIBSONBURG, twin_reader

TWINS = ["business-central", "sap-b1", "erpnext", "odoo"]
INJECTION = "C0004935') or (1 eq 1"


@pytest.mark.parametrize("name", TWINS)
async def test_a_buyer_reads_orders_an_order_invoices_an_invoice_and_the_balance(
    name: str,
) -> None:
    async with twin_reader(name) as reader:
        first = await reader.orders(page_size=5)
        assert first.ok, first.error
        assert len(first.value.data) == 5
        assert first.value.meta is not None and first.value.meta.has_more is True
        second = await reader.orders(page_size=5, page=2)
        assert second.ok, second.error
        first_ids = {row.order_id for row in first.value.data}
        assert first_ids.isdisjoint(row.order_id for row in second.value.data)
        dates = [row.date for row in first.value.data + second.value.data]
        assert dates == sorted(dates, reverse=True)

        wanted = first.value.data[0]
        order = await reader.order(wanted.order_id)
        assert order.ok, order.error
        assert order.value.data is not None
        assert order.value.data.order_id == wanted.order_id
        assert order.value.data.total == wanted.total
        assert order.value.data.lines and all(line.sku for line in order.value.data.lines)

        invoices = await reader.invoices(page_size=3)
        assert invoices.ok, invoices.error
        assert invoices.value.data
        invoice = await reader.invoice(invoices.value.data[0].invoice_id)
        assert invoice.ok, invoice.error
        assert invoice.value.data is not None
        assert invoice.value.data.balance == invoices.value.data[0].balance

        balance = await reader.balance()
        assert balance.ok, balance.error
        assert balance.value.data.balance >= 0


@pytest.mark.parametrize("name", TWINS)
async def test_the_open_filter_keeps_only_invoices_with_a_balance(name: str) -> None:
    async with twin_reader(name) as reader:
        open_ones = await reader.invoices(status="open", page_size=50)
        assert open_ones.ok, open_ones.error
        assert open_ones.value.data
        assert all(row.balance > 0 for row in open_ones.value.data)


@pytest.mark.parametrize("name", TWINS)
async def test_another_customers_order_is_not_found(name: str) -> None:
    async with twin_reader(name) as reader:
        theirs = await reader.orders(GIBSONBURG, page_size=1)
        assert theirs.ok, theirs.error
        outcome = await reader.order(theirs.value.data[0].order_id, customer=ACME)
        assert isinstance(outcome.error, ErpNotFoundError)


@pytest.mark.parametrize("name", TWINS)
async def test_a_customer_code_with_quotes_finds_nothing_and_leaks_nothing(name: str) -> None:
    async with twin_reader(name) as reader:
        outcome = await reader.orders(INJECTION, page_size=50)
        # Quoted, the code is one value no customer has: no rows (never everyone's).
        assert outcome.ok, outcome.error
        assert outcome.value.data == []
