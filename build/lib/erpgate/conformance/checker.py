"""The rule engine: runs every rule against whatever endpoints a Caller can reach.

The order matters in one way only: the lists run before the by-id endpoints, so that when no
known ids were given the first ids of the list answers stand in for them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable

from erpgate.conformance import checks
from erpgate.conformance.caller import Caller
from erpgate.conformance.lists import check_list
from erpgate.conformance.payloads import (
    UNKNOWN_ID,
    CheckPlan,
    idempotency_key,
    new_reference,
    sample_payload,
)
from erpgate.conformance.prices import check_inventory, check_prices
from erpgate.conformance.results import RULES, ConformanceReport, rule_family
from erpgate.conformance.run import RuleRun
from erpgate.conformance.single import check_balance, check_by_id, check_shipping, check_taxes
from erpgate.conformance.submit import check_submit_order
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpBlockedError, ErpRejectedError
from erpgate.kit.clock import utcnow

# (done, total, label): lets a front end draw a progress bar without the engine knowing about it.
ProgressHook = Callable[[int, int, str], None]

ENDPOINT_ORDER = {endpoint.value: index for index, endpoint in enumerate(Endpoint)}
RULE_ORDER = {rule: index for index, rule in enumerate(RULES)}


async def check_auth(run: RuleRun) -> None:
    for endpoint in _ordered(run.endpoints):
        known = run.known_ids.get(endpoint)
        record_id = known.value if known is not None else UNKNOWN_ID
        headers: tuple[tuple[str, str], ...] = ()
        if endpoint is Endpoint.SUBMIT_ORDER:
            record_id = new_reference()  # refused, or it is an order of its own
            headers = idempotency_key(record_id)
        payload = sample_payload(run.plan, endpoint, record_id)
        exchange = await run.caller.call_without_credentials(endpoint, payload, headers)
        error = exchange.error
        if isinstance(error, ErpRejectedError) and error.status in (401, 403):
            run.add(
                "auth.required",
                endpoint,
                "pass",
                f"Refused without credentials ({error.status})",
                [exchange],
            )
        elif exchange.ok:
            run.add(
                "auth.required",
                endpoint,
                "fail",
                "Answered 200 without credentials: anyone can read this endpoint; answer 401 "
                "when the credentials are missing or wrong",
                [exchange],
            )
        else:
            status = error.status if error is not None else None
            got = f"{status}: {run.hint(exchange)}" if status else run.hint(exchange)
            run.add(
                "auth.required",
                endpoint,
                "fail",
                f"Expected 401 or 403 without credentials, got {got}",
                [exchange],
            )


def check_latency(run: RuleRun) -> None:
    for endpoint in _ordered(run.endpoints):
        # Refusals before any I/O (our guard, an open breaker) say nothing about the ERP's speed.
        timed = [
            exchange
            for exchange in run.seen.get(endpoint, [])
            if not isinstance(exchange.error, ErpBlockedError)
        ]
        budget = run.plan.budgets_ms.get(endpoint, run.caller.timeout_seconds(endpoint) * 1000.0)
        if not timed:
            run.add("latency.budget", endpoint, "skip", "No call reached the ERP")
            continue
        late = [exchange for exchange in timed if exchange.timed_out]
        slowest = max(timed, key=lambda exchange: exchange.duration_ms)
        if late:
            run.add(
                "latency.budget",
                endpoint,
                "fail",
                f"{late[0].human} ({len(late)} of {len(timed)} calls; budget {budget:.0f} ms)",
                late,
            )
        elif slowest.duration_ms > budget:
            run.add(
                "latency.budget",
                endpoint,
                "fail",
                f"Slowest answer took {slowest.duration_ms:.0f} ms; budget {budget:.0f} ms",
                [slowest],
            )
        else:
            run.add(
                "latency.budget",
                endpoint,
                "pass",
                f"Slowest of {len(timed)} answers took {slowest.duration_ms:.0f} ms "
                f"(budget {budget:.0f} ms)",
                [slowest],
            )


def check_formats(run: RuleRun) -> None:
    for endpoint in _ordered(run.endpoints):
        answered = [exchange for exchange in run.seen.get(endpoint, []) if exchange.bodies]
        bodies = [body for exchange in answered for body in exchange.bodies]
        if not bodies:
            run.skip_all(endpoint, ["format.money", "format.dates"], "No answer to read")
            continue
        for rule, findings, good in (
            (
                "format.money",
                checks.money_findings(bodies),
                "Money fields are decimal strings or numbers",
            ),
            ("format.dates", checks.date_findings(bodies), "Date fields are ISO 8601"),
        ):
            if findings:
                run.add(rule, endpoint, "fail", checks.summarize(findings), answered)
            else:
                run.add(rule, endpoint, "pass", f"{good} in {len(bodies)} answer(s)", answered)


def _ordered(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    return sorted(endpoints, key=lambda endpoint: ENDPOINT_ORDER[endpoint.value])


def _stages(run: RuleRun) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    available = run.endpoints
    stages: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("credentials", lambda: check_auth(run))
    ]
    for endpoint in (Endpoint.ORDERS, Endpoint.INVOICES):
        if endpoint in available:
            stages.append((f"{endpoint.value} list", functools.partial(check_list, run, endpoint)))
    for endpoint in (Endpoint.ORDER, Endpoint.INVOICE):
        if endpoint in available:
            stages.append(
                (f"{endpoint.value} by id", functools.partial(check_by_id, run, endpoint))
            )
    if Endpoint.BALANCE in available:
        stages.append(("balance", lambda: check_balance(run)))
    if Endpoint.TAXES in available:
        stages.append(("taxes", lambda: check_taxes(run)))
    if Endpoint.SHIPPING in available:
        stages.append(("shipping", lambda: check_shipping(run)))
    # After the order by id: without SKUs given, these ask about the known order's.
    if Endpoint.PRICES in available:
        stages.append(("prices", lambda: check_prices(run)))
    if Endpoint.INVENTORY in available:
        stages.append(("inventory", lambda: check_inventory(run)))
    # Last: its test order takes a SKU from the order the by-id rules read.
    if Endpoint.SUBMIT_ORDER in available:
        stages.append(("submit order", lambda: check_submit_order(run)))
    return stages


async def run_checks(
    caller: Caller, plan: CheckPlan, *, progress: ProgressHook | None = None
) -> ConformanceReport:
    """Run every rule the caller's endpoints allow and return the report (never raises ErpError)."""
    report = ConformanceReport(customer_code=plan.customer_code, started_at=utcnow())
    started = time.perf_counter()
    run = RuleRun(caller, plan)
    if Endpoint.SUBMIT_ORDER in caller.endpoints and not caller.places_orders:
        run.add(
            "shape.submit_order",
            Endpoint.SUBMIT_ORDER,
            "skip",
            "Not checked here: the submit_order rules place a test order, and this ERP is the "
            "store's own; run erpgate check-erp against a test ERP (docs/check-erp.md)",
        )
    stages = _stages(run)
    total = len(stages) + 1
    for done, (label, stage) in enumerate(stages):
        if progress is not None:
            progress(done, total, label)
        await stage()
    if progress is not None:
        progress(len(stages), total, "latency and formats")
    check_latency(run)
    check_formats(run)
    if progress is not None:
        progress(total, total, "done")
    report.results = sorted(
        run.results,
        key=lambda result: (
            ENDPOINT_ORDER.get(result.endpoint, len(ENDPOINT_ORDER)),
            RULE_ORDER.get(rule_family(result.rule), len(RULE_ORDER)),
        ),
    )
    report.duration_ms = (time.perf_counter() - started) * 1000.0
    return report
