"""A1 (part of `make bench`; alone: `make adapters`): what an adapter profile costs per page.

One `ErpGateway.read` of a 50-row orders page, in-process, over a transport that answers from
memory at once (no network, no HTTP server): the contract path (the ERP answers contract JSON)
next to the adapted paths (Business Central's OData answer of 51 rows in one request; SAP Business
One's 20-row pages: three requests). CPU is this process (the read and validation) plus the
mapping workers' CPU from /proc; each figure is the median of
RUNS runs of READS sequential reads, after a warm-up that starts the workers.

Standalone: `.venv/bin/python bench/adapter_pages.py` prints the figures and writes its section of
bench/RESULTS.md (knobs ADAPTER_READS (default 1000), ADAPTER_RUNS (3)).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h
import orjson

from erpgate.erp.adapters.profile import shipped_profile, with_addresses
from erpgate.erp.adapters.targets import adapter_target
from erpgate.erp.contract import OrdersListRequest, OrdersListResponse
from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.exchange import Outbound, RawAnswer
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ErpCall, NullSink
from erpgate.erp.targets import ErpTarget, build_target

READS = int(os.environ.get("ADAPTER_READS", "1000"))
RUNS = int(os.environ.get("ADAPTER_RUNS", "3"))
PAGE = 50
CUSTOMER = "C0004935"
BASE = "https://erp.example.com/"
BENCH_TOKEN = "bench-token"  # noqa: S105 (a made-up token for an ERP that is not there)


def contract_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "order_id": f"SO-{100000 + n}",
            "order_number": f"SO-{100000 + n}",
            "date": f"2026-10-{1 + n % 28:02d}",
            "status": "Open",
            "po_number": f"PO-{n}",
            "currency": "USD",
            "total": f"{100 + n}.25",
            "ship_to_name": "ACME Warehouse 3",
            "customer_code": CUSTOMER,
        }
        for n in range(count)
    ]


def bc_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "number": row["order_id"],
            "externalDocumentNumber": row["po_number"],
            "orderDate": row["date"],
            "customerNumber": CUSTOMER,
            "customerName": "ACME Industrial Supply",
            "currencyCode": "USD",
            "status": "Open",
            "totalAmountIncludingTax": float(row["total"]),
            "shipToName": row["ship_to_name"],
            "fullyShipped": False,
        }
        for n, row in enumerate(contract_rows(count))
    ]


def sap_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "DocEntry": 100000 + n,
            "DocNum": 100000 + n,
            "CardCode": CUSTOMER,
            "DocDate": row["date"],
            "DocTotal": float(row["total"]),
            "DocCurrency": "USD",
            "NumAtCard": row["po_number"],
            "DocumentStatus": "bost_Open",
            "Cancelled": "tNO",
            "ShipToCode": row["ship_to_name"],
        }
        for n, row in enumerate(contract_rows(count))
    ]


class MemoryTransport:
    """Answers every request at once from memory; SAP-style 20-row pages with next links."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.sent = 0

    async def send(self, request: Outbound, answer: RawAnswer, *, cap: int, subject: str) -> None:
        body = self.answers[self.sent % len(self.answers)]
        self.sent += 1
        answer.status, answer.reason = 200, "OK"
        answer.headers = {"Content-Type": "application/json"}
        answer.body = body


def sap_pages() -> list[bytes]:
    rows = sap_rows(PAGE + 1)
    pages = []
    for start in range(0, len(rows), 20):
        page: dict[str, Any] = {"value": rows[start : start + 20]}
        if start + 20 < len(rows):
            page["@odata.nextLink"] = f"Orders?$skip={start + 20}"
        pages.append(orjson.dumps(page))
    return pages


def targets(options: ErpClientOptions) -> dict[str, tuple[ErpTarget, list[bytes]]]:
    contract = build_target(
        options,
        store_id=None,
        endpoint=Endpoint.ORDERS,
        url=BASE + "orders",
        timeout_seconds=5.0,
        credentials=Credentials("bearer", "", BENCH_TOKEN),
    )

    def adapted(name: str) -> ErpTarget:
        profile = with_addresses(shipped_profile(name), base_url=BASE)
        # Bearer auth stands in for each profile's own: the bench measures reading, not login.
        profile = profile.model_copy(
            update={"auth": profile.auth.model_copy(update={"driver": "bearer", "login": None})}
        )
        return adapter_target(
            options,
            store_id=None,
            endpoint=Endpoint.ORDERS,
            profile=profile,
            timeout_seconds=5.0,
            key="",
            token=BENCH_TOKEN,
        )

    return {
        "contract URL (contract JSON)": (
            contract,
            [orjson.dumps({"data": contract_rows(PAGE), "meta": {"has_more": True}})],
        ),
        "adapter, business-central (1 request)": (
            adapted("business-central"),
            [orjson.dumps({"value": bc_rows(PAGE + 1)})],
        ),
        "adapter, sap-b1 (3 requests of 20 rows)": (adapted("sap-b1"), sap_pages()),
    }


async def measure(target: ErpTarget, answers: list[bytes]) -> dict[str, float]:
    transport = MemoryTransport(answers)
    gateway = ErpGateway(ErpClientOptions(), NullSink(), transport=transport)
    actor = Actor(source="storefront", customer_code=CUSTOMER)
    request = OrdersListRequest(customer_code=CUSTOMER, page_size=PAGE)

    async def read() -> float:
        transport.sent = 0
        call = ErpCall.of(Endpoint.ORDERS, request, OrdersListResponse, actor)
        began = time.perf_counter()
        outcome = await gateway.read(target, call, coalesce=False)
        if not outcome.ok or len(outcome.value.data) != PAGE:  # type: ignore[union-attr]
            raise SystemExit(f"bench read failed: {outcome.error}")
        return time.perf_counter() - began

    try:
        for _ in range(50):  # warm-up: starts the mapping workers, fills the caches
            await read()
        runs = []
        for _ in range(RUNS):
            workers = gateway.mapping.pids
            cpu_before = time.process_time() + h.cpu_seconds(workers)
            latencies = [await read() for _ in range(READS)]
            cpu = time.process_time() + h.cpu_seconds(workers) - cpu_before
            runs.append(
                {
                    "cpu_us": cpu / READS * 1e6,
                    "p50_ms": statistics.median(latencies) * 1000,
                    "p99_ms": sorted(latencies)[int(len(latencies) * 0.99)] * 1000,
                }
            )
        return {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    finally:
        await gateway.mapping.close()


def run() -> dict[str, dict[str, float]]:
    options = ErpClientOptions()
    return {
        name: asyncio.run(measure(target, answers))
        for name, (target, answers) in targets(options).items()
    }


def rows(figures: dict[str, dict[str, float]]) -> list[str]:
    """The A1 lines of the goals table."""
    contract = figures["contract URL (contract JSON)"]["cpu_us"]
    bc = figures["adapter, business-central (1 request)"]["cpu_us"]
    return [
        f"| A1 | CPU of one {PAGE}-row orders page read through an adapter profile "
        f"(Business Central) / through a contract URL, in-process | {bc:.0f} µs / "
        f"{contract:.0f} µs ({bc / contract:.1f}×) | (informative) | |"
    ]


def table(figures: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        f"A1: one `ErpGateway.read` of a {PAGE}-row orders page, in-process over a transport "
        f"that answers from memory ({READS} sequential reads per run, median of {RUNS} runs; "
        "CPU includes the mapping worker processes):",
        "",
        "| path | CPU µs/read | p50 ms | p99 ms |",
        "|---|---|---|---|",
    ]
    for name, f in figures.items():
        lines.append(f"| {name} | {f['cpu_us']:.0f} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} |")
    return lines


def main() -> None:
    figures = run()
    text = "\n".join(
        [
            "## Adapter profiles (A1)",
            "",
            f"Run {time.strftime('%Y-%m-%d %H:%M')} by `make adapters` (bench/adapter_pages.py).",
            "",
            *table(figures),
            "",
        ]
    )
    print(text)
    h.write_results_section("bench adapters", text)


if __name__ == "__main__":
    main()
