"""Rules on prices and inventory: an answer for a few SKUs the ERP sells, a SKU no ERP sells left
out, rows for the SKUs asked only (once each), and prices above zero in the currency asked.

The SKUs come from the settings (``skus``), else from the lines of the order the order by id
rules read, else the test order's SKU; without any, the rules that need one skip. The SKU no ERP
sells is asked together with them, as a catalog page asks a whole page of SKUs at once: an ERP
that refuses the request for it costs every other SKU on the page its live price.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.payloads import CheckPlan, inventory_payload, prices_payload
from erpgate.erp.contract import (
    InventoryResponse,
    PriceRow,
    PricesResponse,
    StockRow,
)
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.reading import quoted

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

# A SKU no ERP sells: the unknown_sku rules expect it left out of the answer.
UNKNOWN_SKU = "ERPGATE-CHECK-NO-SUCH-SKU"
MAX_ORDER_SKUS = 5  # SKUs taken from a known order's lines
PRICES_ONLY = ("prices.currency", "prices.positive")
Rows = Sequence[PriceRow] | Sequence[StockRow]


@dataclass(frozen=True, slots=True)
class SampleSkus:
    """The SKUs the rules ask about, and where the checker took them from."""

    skus: tuple[str, ...]
    origin: str  # "given", or e.g. "from the lines of order SO-100100"

    @property
    def described(self) -> str:
        shown = checks.listed(list(self.skus))
        return shown if self.origin == "given" else f"{shown} {self.origin}"


@dataclass(frozen=True, slots=True)
class Asking:
    """What differs between the prices and the inventory rules."""

    endpoint: Endpoint
    model: type[PricesResponse] | type[InventoryResponse]
    payload: Callable[[CheckPlan, Sequence[str]], dict[str, Any]]
    verb: str  # what the ERP does to a SKU it answers: "price", "stock"
    lost: str  # what an answer refused for one unknown SKU costs the buyer's page
    twice: str  # what erpgate does with a SKU answered twice

    def rule(self, name: str) -> str:
        return f"{self.endpoint.value}.{name}"

    @property
    def shape(self) -> str:
        return f"shape.{self.endpoint.value}"


PRICES = Asking(
    Endpoint.PRICES,
    PricesResponse,
    prices_payload,
    "price",
    "every SKU on the page its live price",
    "refuses a SKU answered twice with different prices and shows its catalog price",
)
INVENTORY = Asking(
    Endpoint.INVENTORY,
    InventoryResponse,
    inventory_payload,
    "stock",
    "every SKU on the page its stock",
    "refuses a SKU answered twice with different stock and shows none for it",
)


def sample_skus(run: RuleRun) -> SampleSkus | None:
    if run.plan.skus:
        return SampleSkus(tuple(run.plan.skus), "given")
    order = run.known_order()
    if order is not None:
        skus = tuple(dict.fromkeys(line.sku for line in order.lines))[:MAX_ORDER_SKUS]
        return SampleSkus(skus, f"from the lines of order {order.order_id}")
    if run.plan.submit_sku:
        return SampleSkus((run.plan.submit_sku,), "(the test order's SKU)")
    return None


async def check_prices(run: RuleRun) -> None:
    known = await _check_offers(run, PRICES)
    if known is None:
        return  # the rules below were skipped, saying why
    rows = _rows(known)
    _check_currency(run, known, rows)
    _check_positive(run, known, rows)


async def check_inventory(run: RuleRun) -> None:
    await _check_offers(run, INVENTORY)


async def _check_offers(run: RuleRun, asking: Asking) -> Exchange[Any] | None:
    """shape, unknown_sku and only_asked; the answer for the sample SKUs when it is usable."""
    endpoint = asking.endpoint
    extra = list(PRICES_ONLY) if endpoint is Endpoint.PRICES else []
    sample = sample_skus(run)
    answered: list[tuple[Sequence[str], Exchange[Any]]] = []
    known: Exchange[Any] | None = None
    if sample is None:
        give = run.wording
        reason = (
            f"No SKU to {asking.verb}: give {give.setting('skus')}, or let the order by id rules "
            f"read a known order with lines ({give.setting('order_id')})"
        )
        run.skip_all(endpoint, [asking.shape, *extra], reason)
    else:
        known = await run.call(endpoint, asking.payload(run.plan, sample.skus), asking.model)
        if not run.shape(endpoint, known, _answered(known, sample)):
            skip = f"No usable answer: see {asking.shape}"
            rules = [asking.rule("unknown_sku"), asking.rule("only_asked"), *extra]
            run.skip_all(endpoint, rules, skip)
            return None
        answered.append((sample.skus, known))
    skus = (*(sample.skus if sample else ()), UNKNOWN_SKU)
    probe = await run.call(endpoint, asking.payload(run.plan, skus), asking.model)
    _check_unknown(run, asking, sample, probe)
    if probe.ok:
        answered.append((skus, probe))
    _check_only_asked(run, asking, answered)
    return known


def _rows(exchange: Exchange[Any]) -> list[Any]:
    return list(exchange.value.data) if exchange.value is not None else []


def _answered(exchange: Exchange[Any], sample: SampleSkus) -> str:
    rows = _rows(exchange)
    shown = [
        f"{row.sku} {row.unit_price} {row.currency}"
        if isinstance(row, PriceRow)
        else f"{row.sku} {row.available} available"
        for row in rows
    ]
    return (
        f"Asked {len(sample.skus)} SKU(s) ({sample.described}): {len(rows)} row(s) match the "
        f"contract" + (f", {checks.listed(shown)}" if shown else "")
    )


def _check_unknown(
    run: RuleRun, asking: Asking, sample: SampleSkus | None, probe: Exchange[Any]
) -> None:
    rule, endpoint = asking.rule("unknown_sku"), asking.endpoint
    what = f"{UNKNOWN_SKU}, a SKU no ERP sells"
    asked = f"{what}, asked with {len(sample.skus)} known SKU(s)," if sample else f"{what},"
    if not probe.ok:
        # The known SKUs were answered on the same URL: this is about the SKU, not the URL.
        got = probe.human if sample else run.hint(probe)
        message = (
            f"{asked} got: {got}; leave a SKU you do not {asking.verb} out of data and answer "
            f"the others (an error for one SKU costs {asking.lost})"
        )
        run.add(rule, endpoint, "fail", message, [probe])
        return
    rows = [row for row in _rows(probe) if row.sku == UNKNOWN_SKU]
    if rows:
        row = rows[0]
        value = (
            f"unit_price {row.unit_price}"
            if isinstance(row, PriceRow)
            else f"available {row.available}"
        )
        message = (
            f"Answered a row for {what} ({value}): leave a SKU you do not {asking.verb} out of "
            f"data (erpgate would show that {asking.verb} for it)"
        )
        run.add(rule, endpoint, "fail", message, [probe], focus=UNKNOWN_SKU)
        return
    message = f"{asked} was left out of the answer"
    run.add(rule, endpoint, "pass", message, [probe])


def _check_only_asked(
    run: RuleRun, asking: Asking, answered: list[tuple[Sequence[str], Exchange[Any]]]
) -> None:
    rule, endpoint = asking.rule("only_asked"), asking.endpoint
    if not answered:
        run.add(rule, endpoint, "skip", f"No usable answer: see {asking.rule('unknown_sku')}")
        return
    exchanges = [exchange for _, exchange in answered]
    for asked, exchange in answered:
        unasked, twice = unasked_and_twice(asked, _rows(exchange))
        problems = []
        if unasked:
            problems.append(
                f"{len(unasked)} row(s) for SKUs not asked: {checks.listed(unasked)}; answer "
                "only the SKUs asked (erpgate ignores the others)"
            )
        if twice:
            shown = checks.listed([f"{sku} ({count} rows)" for sku, count in twice])
            problems.append(
                f"SKUs answered more than once: {shown}; answer one row per SKU (erpgate "
                f"{asking.twice})"
            )
        if problems:
            focus = unasked[0] if unasked else twice[0][0]
            message = "; ".join(problems)
            run.add(rule, endpoint, "fail", message, exchanges, evidence=exchange, focus=focus)
            return
    rows = sum(len(_rows(exchange)) for exchange in exchanges)
    message = f"Only SKUs asked, each once ({rows} row(s) in {len(exchanges)} answer(s))"
    run.add(rule, endpoint, "pass", message, exchanges)


def _check_currency(run: RuleRun, known: Exchange[Any], rows: Sequence[PriceRow]) -> None:
    rule, asked = PRICES.rule("currency"), run.plan.currency
    other = [row for row in rows if row.currency.strip().upper() != asked.upper()]
    if other:
        shown = checks.listed([f"{row.sku} in {quoted(row.currency)}" for row in other])
        message = (
            f"Asked for prices in {asked}, got {shown}: answer in the currency asked (erpgate "
            "refuses a price in another currency: its catalog price shows)"
        )
        run.add(rule, PRICES.endpoint, "fail", message, [known], focus=other[0].sku)
    else:
        message = f"Every price in {asked}, the currency asked ({len(rows)} row(s))"
        run.add(rule, PRICES.endpoint, "pass", message, [known])


def _check_positive(run: RuleRun, known: Exchange[Any], rows: Sequence[PriceRow]) -> None:
    rule = PRICES.rule("positive")
    findings = price_findings(rows)
    if findings:
        message = (
            f"{checks.summarize([text for _, text in findings])}: a price is above zero, and "
            "price breaks start above a quantity of 1 and ascend (erpgate refuses a row priced "
            "at zero or less: its catalog price shows)"
        )
        run.add(rule, PRICES.endpoint, "fail", message, [known], focus=findings[0][0])
    else:
        message = f"{len(rows)} price(s) above zero, their breaks ascending from above 1"
        run.add(rule, PRICES.endpoint, "pass", message, [known])


def unasked_and_twice(asked: Sequence[str], rows: Rows) -> tuple[list[str], list[tuple[str, int]]]:
    """The SKUs answered but not asked, and the asked SKUs answered more than once (how often)."""
    wanted = set(asked)
    unasked = list(dict.fromkeys(row.sku for row in rows if row.sku not in wanted))
    counts = Counter(row.sku for row in rows if row.sku in wanted)
    return unasked, [(sku, count) for sku, count in counts.items() if count > 1]


def price_findings(rows: Sequence[PriceRow]) -> list[tuple[str, str]]:
    """(SKU, finding) for prices at zero or less and breaks that do not start above 1 or do not
    ascend, e.g. ("5620", "5620 price_breaks[1].min_quantity 5 after 10")."""
    findings: list[tuple[str, str]] = []
    for row in rows:
        found: list[str] = []
        if row.unit_price <= 0:
            found.append(f"unit_price {row.unit_price}")
        if row.list_price is not None and row.list_price <= 0:
            found.append(f"list_price {row.list_price}")
        previous = None
        for index, step in enumerate(row.price_breaks):
            where = f"price_breaks[{index}]"
            if step.unit_price <= 0:
                found.append(f"{where}.unit_price {step.unit_price}")
            if step.min_quantity <= 1:
                found.append(f"{where}.min_quantity {step.min_quantity}, not above 1")
            elif previous is not None and step.min_quantity <= previous:
                found.append(f"{where}.min_quantity {step.min_quantity} after {previous}")
            previous = step.min_quantity
        findings += [(row.sku, f"{row.sku} {text}") for text in found]
    return findings
