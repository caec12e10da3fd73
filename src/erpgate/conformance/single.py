"""Rules on single answers: the by-id endpoints, balance, taxes and shipping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.payloads import (
    UNKNOWN_ID,
    balance_payload,
    by_id_payload,
    shipping_payload,
    taxes_payload,
)
from erpgate.erp.contract import (
    BalanceResponse,
    InvoiceResponse,
    OrderResponse,
    ShippingResponse,
    TaxesResponse,
)
from erpgate.erp.endpoints import Endpoint

if TYPE_CHECKING:
    from erpgate.conformance.checker import RuleRun

NOUN = {Endpoint.ORDER: "order", Endpoint.INVOICE: "invoice"}


async def check_by_id(run: RuleRun, endpoint: Endpoint) -> None:
    noun = NOUN[endpoint]
    model: type[OrderResponse] | type[InvoiceResponse] = (
        OrderResponse if endpoint is Endpoint.ORDER else InvoiceResponse
    )
    known = run.known_ids.get(endpoint)
    if known is None:
        reason = f"No {noun} id to ask for: pass --{noun}-id (the {noun}s list gave none)"
        run.skip_all(endpoint, [f"shape.{endpoint.value}", "by_id.found"], reason)
    else:
        found = await run.call(endpoint, by_id_payload(run.plan, endpoint, known), model)
        if found.not_found:
            run.add(
                f"shape.{endpoint.value}", endpoint, "skip", "No answer to check: see by_id.found"
            )
            run.add(
                "by_id.found",
                endpoint,
                "fail",
                f"Known {noun} {known} was answered as not found",
                [found],
            )
        elif run.shape(endpoint, found, f"{noun.capitalize()} {known} matches the contract"):
            data = found.value.data if found.value is not None else None
            got = None if data is None else getattr(data, f"{noun}_id")
            if got == known:
                run.add("by_id.found", endpoint, "pass", f"Asked for {known}, got it", [found])
            else:
                run.add(
                    "by_id.found", endpoint, "fail", f"Asked for {noun} {known}, got {got}", [found]
                )
        else:
            run.add(
                "by_id.found", endpoint, "skip", f"No usable answer: see shape.{endpoint.value}"
            )
    unknown = await run.call(endpoint, by_id_payload(run.plan, endpoint, UNKNOWN_ID), model)
    _expect_not_found(run, "by_id.unknown", endpoint, unknown, f"an unknown {noun} id")
    other = run.plan.other_order_id if endpoint is Endpoint.ORDER else run.plan.other_invoice_id
    if not other:
        run.add(
            "by_id.other_customer",
            endpoint,
            "skip",
            f"No other customer's {noun} id given (--other-{noun}-id)",
        )
        return
    answer = await run.call(endpoint, by_id_payload(run.plan, endpoint, other), model)
    _expect_not_found(
        run, "by_id.other_customer", endpoint, answer, f"another customer's {noun} {other}"
    )


def _expect_not_found(
    run: RuleRun, rule: str, endpoint: Endpoint, exchange: Exchange[Any], what: str
) -> None:
    if exchange.not_found:
        run.add(rule, endpoint, "pass", f"Answered not found for {what}", [exchange])
    elif exchange.ok:
        run.add(
            rule, endpoint, "fail", f"Answered a record for {what}; expected not found", [exchange]
        )
    else:
        run.add(
            rule,
            endpoint,
            "fail",
            f"Expected not found for {what}, got: {run.hint(exchange)}",
            [exchange],
        )


async def check_balance(run: RuleRun) -> None:
    exchange = await run.call(Endpoint.BALANCE, balance_payload(run.plan), BalanceResponse)
    if exchange.value is not None:
        balance = exchange.value.data.balance
        run.shape(Endpoint.BALANCE, exchange, f"Balance {balance} matches the contract")
    else:
        run.shape(Endpoint.BALANCE, exchange, "")


async def check_taxes(run: RuleRun) -> None:
    exchange = await run.call(Endpoint.TAXES, taxes_payload(run.plan), TaxesResponse)
    if exchange.value is None:
        run.shape(Endpoint.TAXES, exchange, "")
        if "salestax_amount" in exchange.human:
            run.add("taxes.amount", Endpoint.TAXES, "fail", exchange.human, [exchange])
        else:
            run.add("taxes.amount", Endpoint.TAXES, "skip", "No usable answer: see shape.taxes")
        return
    amount = exchange.value.data.salestax_amount
    run.shape(Endpoint.TAXES, exchange, "Taxes answer matches the contract")
    if amount < 0:
        run.add(
            "taxes.amount",
            Endpoint.TAXES,
            "fail",
            f"salestax_amount is negative ({amount})",
            [exchange],
        )
    else:
        run.add("taxes.amount", Endpoint.TAXES, "pass", f"salestax_amount is {amount}", [exchange])


async def check_shipping(run: RuleRun) -> None:
    exchange = await run.call(Endpoint.SHIPPING, shipping_payload(run.plan), ShippingResponse)
    if exchange.value is None:
        run.shape(Endpoint.SHIPPING, exchange, "")
        run.add(
            "shipping.methods", Endpoint.SHIPPING, "skip", "No usable answer: see shape.shipping"
        )
        return
    methods = exchange.value.shipping_methods
    run.shape(Endpoint.SHIPPING, exchange, f"{len(methods)} shipping method(s) match the contract")
    problems = [
        f"shipping_methods[{index}] has no label"
        for index, method in enumerate(methods)
        if not method.label.strip()
    ] + [
        f"shipping_methods[{index}].total is negative ({method.total})"
        for index, method in enumerate(methods)
        if method.total is not None and method.total < 0
    ]
    if problems:
        run.add(
            "shipping.methods", Endpoint.SHIPPING, "fail", checks.summarize(problems), [exchange]
        )
    elif not methods:
        run.add(
            "shipping.methods",
            Endpoint.SHIPPING,
            "pass",
            "No method offered for the sample address (allowed by the contract)",
            [exchange],
        )
    else:
        labels = ", ".join(f"{method.label} {method.total}" for method in methods[:3])
        run.add("shipping.methods", Endpoint.SHIPPING, "pass", labels, [exchange])
