"""`make soak`: a bounded load run with 5% ERP faults; prints figures and writes the soak section
of bench/RESULTS.md (answers by kind, the RSS curve of the app, references checked as events).

The buyer mix is what a signed-in buyer does: order and invoice lists (varied pages, searches
and date ranges, so the ERP is asked for real rather than served from the shared-answer window),
order and invoice details, the balance, the HTML pages, and checkout quotes. The mock ERP fails
SOAK_FAULT_RATE of its answers with a 500.

What counts as erpgate failing: any 5xx other than the documented calm 503 for an ERP failure
(`{"error": "erp_unavailable", "reference": ...}` on the API, the calm page with its reference
on HTML). Every reference a buyer received must name an error event in the database.

Knobs: SOAK_SECONDS (600), SOAK_CONCURRENCY (16), SOAK_FAULT_RATE (0.05),
SOAK_SAMPLE_SECONDS (30), BENCH_DATABASE_URL (default: a temporary SQLite file).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import harness as h

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
CONCURRENCY = int(os.environ.get("SOAK_CONCURRENCY", "16"))
FAULT_RATE = float(os.environ.get("SOAK_FAULT_RATE", "0.05"))
SAMPLE_SECONDS = float(os.environ.get("SOAK_SAMPLE_SECONDS", "30"))
STORE = "demo"
REFERENCE_IN_PAGE = re.compile(r"[0-9a-f]{32}")
QUOTE = {
    "lines": [{"sku": "5620", "quantity": 3}],
    "ship_to": {
        "address1": "1 Main St",
        "city": "New York",
        "state": "NY",
        "zip": "10001",
        "country": "US",
    },
}


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)
    references: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)  # erpgate's own 5xx, first few kept

    def record(self, kind: str, status: int, body: bytes, is_json: bool) -> None:
        if status < 500:
            self.answers[f"{status}"] += 1
            return
        reference = _calm_reference(status, body, is_json)
        if reference is None:
            self.answers[f"{status} (not calm)"] += 1
            if len(self.failures) < 5:
                self.failures.append(f"{kind}: {status} {body[:300]!r}")
            return
        self.answers["503 calm, with reference"] += 1
        self.references.add(reference)


def _calm_reference(status: int, body: bytes, is_json: bool) -> str | None:
    if status != 503:
        return None
    if is_json:
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if isinstance(data, dict) and data.get("error") == "erp_unavailable":
            return str(data.get("reference") or "") or None
        return None
    found = REFERENCE_IN_PAGE.search(body.decode(errors="replace"))
    return found.group(0) if found else None


def _requests(rng: random.Random, orders: list[str], invoices: list[str]) -> tuple[str, str, str]:
    """(kind, method, path) of one buyer action."""
    day = f"20{rng.randint(10, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    choice = rng.random()
    if choice < 0.25:
        return "orders", "GET", f"/api/v1/storefront/orders?page={rng.randint(1, 8)}&date_to={day}"
    if choice < 0.35:
        term = rng.choice(["PO", "SO-1", "widget", "9"])
        return "orders", "GET", f"/api/v1/storefront/orders?search={term}&date_to={day}"
    if choice < 0.45:
        return "order", "GET", f"/api/v1/storefront/orders/{rng.choice(orders)}"
    if choice < 0.60:
        status = rng.choice(["open", "paid", "all"])
        return "invoices", "GET", f"/api/v1/storefront/invoices?status={status}&date_to={day}"
    if choice < 0.70:
        return "invoice", "GET", f"/api/v1/storefront/invoices/{rng.choice(invoices)}"
    if choice < 0.78:
        return "balance", "GET", "/api/v1/storefront/balance"
    if choice < 0.90:
        page = rng.choice(["orders", "invoices", "balance", f"orders/{rng.choice(orders)}"])
        return f"page {page.split('/')[0]}", "GET", f"/store/{STORE}/{page}"
    return "quote", "POST", "/api/v1/storefront/checkout/quote"


async def _ids(session: aiohttp.ClientSession, base: str, path: str, key: str) -> list[str]:
    async with session.get(f"{base}{path}?page_size=50") as answer:
        data = await answer.json()
    return [str(item[key]) for item in data["data"]]


async def _buyer(
    session: aiohttp.ClientSession,
    base: str,
    csrf: str,
    until: float,
    seed: int,
    orders: list[str],
    invoices: list[str],
    tally: Tally,
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        kind, method, path = _requests(rng, orders, invoices)
        is_json = path.startswith("/api/")
        try:
            if method == "POST":
                request = session.post(base + path, json=QUOTE, headers={"X-CSRF-Token": csrf})
            else:
                request = session.get(base + path, allow_redirects=False)
            async with request as answer:
                body = await answer.read()
                tally.record(kind, answer.status, body, is_json)
        except (TimeoutError, aiohttp.ClientError) as exc:
            tally.answers["transport error"] += 1
            if len(tally.failures) < 5:
                tally.failures.append(f"{kind}: {exc!r}")


async def _sample_rss(proc: h.Proc, until: float, curve: list[tuple[float, float]]) -> None:
    started = time.monotonic()
    while time.monotonic() < until:
        curve.append((time.monotonic() - started, h.current_rss_mb(proc.pids())))
        await asyncio.sleep(min(SAMPLE_SECONDS, max(0.0, until - time.monotonic())))
    curve.append((time.monotonic() - started, h.current_rss_mb(proc.pids())))


async def drive(base: str, cookie: str, proc: h.Proc) -> tuple[Tally, list[tuple[float, float]]]:
    tally = Tally()
    curve: list[tuple[float, float]] = []
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    headers = {"Cookie": cookie, "Accept": "application/json"}
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        async with session.get(base + "/api/v1/storefront/me") as answer:
            csrf = (await answer.json())["csrf_token"]
        orders = await _ids(session, base, "/api/v1/storefront/orders", "order_id")
        invoices = await _ids(session, base, "/api/v1/storefront/invoices", "invoice_id")
        until = time.monotonic() + SECONDS
        await asyncio.gather(
            _sample_rss(proc, until, curve),
            *(
                _buyer(session, base, csrf, until, seed, orders, invoices, tally)
                for seed in range(CONCURRENCY)
            ),
        )
    return tally, curve


async def _missing_events(database_url: str, references: set[str]) -> set[str]:
    from sqlalchemy import select

    from erpgate.db.engine import create_engine
    from erpgate.models.event import Event

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(Event.trace_id).where(Event.outcome == "error"))
            found = {row[0] for row in rows}
    finally:
        await engine.dispose()
    return references - found


def _logged_problems(log: Path) -> list[str]:
    """The app's error lines (its log level is WARNING, so anything here is worth reading)."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if "[error" in line or "[critical" in line]


def report(
    tally: Tally, curve: list[tuple[float, float]], missing: set[str], problems: list[str]
) -> str:
    total = sum(tally.answers.values())
    failed = total - sum(
        n for kind, n in tally.answers.items() if kind[0] in "234" or kind.startswith("503 calm")
    )
    settled = [rss for at, rss in curve if at >= 120] or [rss for _, rss in curve]
    growth = settled[-1] - settled[0]
    lines = [
        f"## Soak ({h.database_name()})",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `make soak` "
        f"(bench/soak.py): {SECONDS:g} s, {CONCURRENCY} concurrent buyers, the mock ERP failing "
        f"{FAULT_RATE:.0%} of its answers with a 500; one uvicorn worker; "
        f"{h.database_name()}.",
        "",
        "| answer | count |",
        "|---|---|",
        *(f"| {kind} | {count} |" for kind, count in sorted(tally.answers.items())),
        f"| **total** | {total} ({total / SECONDS:.0f} req/s) |",
        "",
        f"- erpgate's own failures (5xx other than the calm 503, transport errors): **{failed}**"
        + ("" if not tally.failures else " — first: " + "; ".join(tally.failures)),
        f"- references handed to buyers: {len(tally.references)}; without an error event in the "
        f"database: **{len(missing)}**",
        f"- errors in the app's log: **{len(problems)}**"
        + ("" if not problems else " — first: `" + "`; `".join(problems[:3]) + "`"),
        f"- RSS of the app after the 2-minute warm-up: {settled[0]:.1f} MB → {settled[-1]:.1f} MB "
        f"({growth:+.1f} MB)",
        "",
        "RSS of the app process tree (VmRSS) over the run:",
        "",
        "| second | RSS MB |",
        "|---|---|",
        *(f"| {at:.0f} | {rss:.1f} |" for at, rss in curve),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    with h.stack(os.environ.get("BENCH_DATABASE_URL")) as st:
        st.start_mock()
        st.seed()
        proc, base = st.start_app(1)
        cookie = h.login(base)
        st.erp_control(
            "POST", "/_control/faults", {"endpoint": "*", "fault": "error_rate", "rate": FAULT_RATE}
        )
        print(f"soak: {SECONDS:g} s, {CONCURRENCY} buyers, {FAULT_RATE:.0%} ERP faults", flush=True)
        tally, curve = asyncio.run(drive(base, cookie, proc))
        st.erp_control("DELETE", "/_control/faults")
        time.sleep(2)  # the last error events are written before their 503 leaves; be generous
        missing = asyncio.run(_missing_events(st.database_url, tally.references))
        problems = _logged_problems(proc.log)
        if problems or "SOAK_LOG" in os.environ:  # the log outlives the temporary directory
            kept = Path(os.environ.get("SOAK_LOG", h.ROOT / "var" / "soak-app.log"))
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(proc.log.read_text(errors="replace"))
            print(f"the app's log is kept in {kept}")
    text = report(tally, curve, missing, problems)
    print(text)
    h.write_results_section(f"soak {h.database_name().lower()}", text)
    print(f"written to {h.RESULTS}")


if __name__ == "__main__":
    main()
