"""Rules on single answers: the by-id endpoints, balance, taxes and shipping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.payloads import (
    NEW_CUSTOMER,
    UNKNOWN_ID,
    balance_payload,
    by_id_payload,
    shipping_payload,
    taxes_payload,
)
from erpgate.conformance.run import LIST_OF, KnownId
from erpgate.erp.contract import (
    BalanceResponse,
    InvoiceResponse,
    OrderResponse,
    ShippingResponse,
    TaxesResponse,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpErrorAnswerError, ErpUnauthorizedError

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

NOUN = {Endpoint.ORDER: "order", Endpoint.INVOICE: "invoice"}
UNKNOWN_CUSTOMER = "checkout.unknown_customer"
NOT_FOUND = 'answer 404 or {"data": null}'


async def check_by_id(run: RuleRun, endpoint: Endpoint) -> None:
    noun = NOUN[endpoint]
    model: type[OrderResponse] | type[InvoiceResponse] = (
        OrderResponse if endpoint is Endpoint.ORDER else InvoiceResponse
    )
    known = run.known_ids.get(endpoint)
    trouble = _list_trouble(run, endpoint, known)
    if trouble is not None:
        run.skip_all(endpoint, [f"shape.{endpoint.value}", "by_id.found"], trouble)
    else:
        assert known is not None
        found = await run.call(endpoint, by_id_payload(run.plan, endpoint, known.value), model)
        _check_found(run, endpoint, known, found)
    unknown = await run.call(endpoint, by_id_payload(run.plan, endpoint, UNKNOWN_ID), model)
    _expect_not_found(run, "by_id.unknown", endpoint, unknown, f"an unknown {noun} id")
    await _check_other_customer(run, endpoint, model)


def _list_trouble(run: RuleRun, endpoint: Endpoint, known: KnownId | None) -> str | None:
    """Why there is no id to ask for, pointing at the list it would come from; None: ask."""
    noun, listing = NOUN[endpoint], LIST_OF[endpoint]
    give = run.wording.setting(f"{noun}_id")
    failed = run.list_trouble.get(listing)
    if known is not None and not (known.from_list and failed):
        return None
    if failed is not None:
        return f"No {noun} id to ask for: the {listing.value} list failed {failed}; fix it first"
    if listing in run.caller.endpoints:
        return f"No {noun} id to ask for: the {listing.value} list is empty; give one ({give})"
    return f"No {noun} id to ask for: give a known {noun} id ({give})"


def _check_found(run: RuleRun, endpoint: Endpoint, known: KnownId, found: Exchange[Any]) -> None:
    noun = NOUN[endpoint]
    if found.not_found:
        run.add(f"shape.{endpoint.value}", endpoint, "skip", "No answer to check: see by_id.found")
        message = f"Known {noun} {known.described} was answered as not found ({_how(found)})"
        if known.from_list:
            message += f": the {LIST_OF[endpoint].value} list and this endpoint disagree"
        if found.error is not None and found.error.status == 404:
            message += f"; if every id is answered 404, {run.url_hint(endpoint)}"
        run.add("by_id.found", endpoint, "fail", message, [found], focus=known.value)
    elif run.shape(endpoint, found, f"{noun.capitalize()} {known.value} matches the contract"):
        data = found.value.data if found.value is not None else None
        got = None if data is None else getattr(data, f"{noun}_id")
        if got == known.value:
            run.add("by_id.found", endpoint, "pass", f"Asked for {known.value}, got it", [found])
        else:
            message = f"Asked for {noun} {known.value}, got {got}: answer the {noun} asked for"
            run.add("by_id.found", endpoint, "fail", message, [found], focus=str(got))
    else:
        skip = f"No usable answer: see shape.{endpoint.value}"
        run.add("by_id.found", endpoint, "skip", skip)


async def _check_other_customer(
    run: RuleRun, endpoint: Endpoint, model: type[OrderResponse] | type[InvoiceResponse]
) -> None:
    noun = NOUN[endpoint]
    other = run.other_ids.get(endpoint)
    if other is None:
        run.add("by_id.other_customer", endpoint, "skip", _no_other_id(run, endpoint))
        return
    answer = await run.call(endpoint, by_id_payload(run.plan, endpoint, other.value), model)
    what = f"another customer's {noun} {other.described}"
    _expect_not_found(run, "by_id.other_customer", endpoint, answer, what)


def _no_other_id(run: RuleRun, endpoint: Endpoint) -> str:
    noun, listing = NOUN[endpoint], LIST_OF[endpoint]
    failed = run.list_trouble.get(listing)
    if failed == "filters.customer":
        return f"The {listing.value} list shows other customers' rows: see filters.customer"
    other = run.plan.other_customer_code
    if other is not None and failed is not None:
        return f"No {noun} id of {other} to ask for: the {listing.value} list failed {failed}"
    give = run.wording.setting(f"other_{noun}_id")
    if other is not None:
        return f"No {noun} of {other} found in their {listing.value} list: give one ({give})"
    return f"No other customer's {noun} id: give {run.wording.setting('other_customer_code')} or {give}"


def _how(exchange: Exchange[Any]) -> str:
    status = exchange.error.status if exchange.error is not None else None
    return str(status) if status else '{"data": null}'


def _expect_not_found(
    run: RuleRun, rule: str, endpoint: Endpoint, exchange: Exchange[Any], what: str
) -> None:
    error = exchange.error
    if exchange.not_found:
        run.add(
            rule, endpoint, "pass", f"Answered not found ({_how(exchange)}) for {what}", [exchange]
        )
    elif exchange.ok:
        message = f"Answered a record for {what}; {NOT_FOUND}"
        if rule == "by_id.other_customer":
            message += ": look the id up within customer_code, never across customers"
        run.add(rule, endpoint, "fail", message, [exchange])
    elif isinstance(error, ErpUnauthorizedError) and error.status == 403:
        message = (
            f"Answered 403 for {what}; {NOT_FOUND} instead: to the storefront a 403 means "
            "refused credentials, an integration error"
        )
        run.add(rule, endpoint, "fail", message, [exchange])
    elif isinstance(error, ErpErrorAnswerError):
        message = (
            f"Answered status 200 with an error object for {what}; {NOT_FOUND} instead "
            "(an error needs a 4xx or 5xx status)"
        )
        run.add(rule, endpoint, "fail", message, [exchange])
    else:
        message = f"Expected not found for {what}, got: {run.hint(exchange)}"
        run.add(rule, endpoint, "fail", message, [exchange])


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
        run.add(UNKNOWN_CUSTOMER, Endpoint.TAXES, "skip", "No usable answer: see shape.taxes")
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
    payload = taxes_payload(run.plan, NEW_CUSTOMER)
    await _check_unknown_customer(run, Endpoint.TAXES, payload, TaxesResponse)


async def check_shipping(run: RuleRun) -> None:
    exchange = await run.call(Endpoint.SHIPPING, shipping_payload(run.plan), ShippingResponse)
    if exchange.value is None:
        run.shape(Endpoint.SHIPPING, exchange, "")
        reason = "No usable answer: see shape.shipping"
        run.skip_all(Endpoint.SHIPPING, ["shipping.methods", UNKNOWN_CUSTOMER], reason)
        return
    payload = shipping_payload(run.plan, NEW_CUSTOMER)
    await _check_unknown_customer(run, Endpoint.SHIPPING, payload, ShippingResponse)
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


async def _check_unknown_customer(
    run: RuleRun,
    endpoint: Endpoint,
    payload: dict[str, Any],
    model: type[TaxesResponse] | type[ShippingResponse],
) -> None:
    """A customer the ERP does not know yet (a new account) still gets taxes and shipping."""
    exchange = await run.call(endpoint, payload, model, NEW_CUSTOMER)
    if exchange.ok:
        message = f"Customer code {NEW_CUSTOMER!r}, unknown to the ERP, got an answer too"
        run.add(UNKNOWN_CUSTOMER, endpoint, "pass", message, [exchange])
        return
    # The same URL answered the known customer: a 404 here is about the customer, not the URL.
    message = (
        f"Customer code {NEW_CUSTOMER!r}, unknown to the ERP, got: {exchange.human}; answer "
        "any customer with your default rules (a new account's checkout would fall back)"
    )
    run.add(UNKNOWN_CUSTOMER, endpoint, "fail", message, [exchange])
