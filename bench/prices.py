"""P7 (part of `make bench`; alone: `make prices`): live prices and stock under a crowd.

A 50-product catalog page (`GET /store/demo/catalog`, prices and stock from the mock ERP) is
asked by 200 signed-in buyers of one customer account at once: how many ERP prices and inventory
calls does that make, per cache period? Bursts: the first (nothing kept), a second at once
(within the period), a third after the period, and a fourth after the period with the ERP taking
100 ms per call. The store's price and stock ages are set to PRICES_PERIOD seconds (default 10)
so a period passes within the bench; the store default is 5 minutes and 30 seconds.

Standalone: `.venv/bin/python bench/prices.py` prints the figures and writes its section of
bench/RESULTS.md (knobs PRICES_PERIOD, PRICES_BUYERS (200), BENCH_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import harness as h

# Longer than a burst of 200 page loads takes on a small machine (about 4 s on 2 cores), so that
# each burst falls within one period.
PERIOD = float(os.environ.get("PRICES_PERIOD", "10"))
BUYERS = int(os.environ.get("PRICES_BUYERS", "200"))
PRODUCTS = 50
ERP_LATENCY = 0.1
CATALOG_PATH = "/store/demo/catalog"


def catalog_csv() -> str:
    """50 products: the demo catalog's (which the mock ERP prices and stocks) and more."""
    from erpgate.checkout.demo import demo_catalog_csv

    rows = demo_catalog_csv().strip().splitlines()
    header, known = rows[0], rows[1:]
    extra = [
        f"BENCH-{n:04d},Bench product {n},{10 + n}.50,EA" for n in range(PRODUCTS - len(known))
    ]
    return "\n".join([header, *known, *extra]) + "\n"


def prepare(st: h.Stack) -> None:
    """The 50-product catalog, the mock's Prices and Inventory URLs, and short ages."""
    path = st.workdir / "p7-catalog.csv"
    path.write_text(catalog_csv())
    env = {**os.environ, **st.env()}
    subprocess.run(
        [h.ERPGATE, "import-catalog", "--store", "demo", str(path)],
        env=env,
        check=True,
        capture_output=True,
    )
    code = (
        "import asyncio, sys\n"
        "from sqlalchemy import update\n"
        "from erpgate.config import load_settings\n"
        "from erpgate.db.engine import create_engine, create_session_factory\n"
        "from erpgate.models.integration import Integration\n"
        "async def main():\n"
        "    engine = create_engine(load_settings().database_url)\n"
        "    async with create_session_factory(engine)() as db:\n"
        "        await db.execute(update(Integration).values(\n"
        "            prices_url=sys.argv[1] + '/erp/prices',\n"
        "            inventory_url=sys.argv[1] + '/erp/inventory',\n"
        "            price_cache_seconds=int(float(sys.argv[2])),\n"
        "            stock_cache_seconds=int(float(sys.argv[2]))))\n"
        "        await db.commit()\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", code, st.erp_base, str(PERIOD)], env=env, check=True)


def sign_in_many(base: str, count: int) -> list[str]:
    """``count`` sessions of the demo buyer (each its own cookie), a few sign-ins at a time."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda _: h.login(base), range(count)))


async def crowd(url: str, cookies: list[str]) -> tuple[list[int], list[float]]:
    """One GET per cookie, released at once: statuses and answer times (ms)."""
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        gate = asyncio.Event()

        async def one(cookie: str) -> tuple[int, float]:
            await gate.wait()
            started = time.perf_counter()
            async with session.get(url, headers={"Cookie": cookie}) as answer:
                body = await answer.text()
            # A page that fell back to catalog prices (its notice) would hide a failed ERP call.
            failed = "not available right now" in body or "could not be checked" in body
            status = 599 if failed else answer.status
            return status, (time.perf_counter() - started) * 1000

        tasks = [asyncio.create_task(one(cookie)) for cookie in cookies]
        await asyncio.sleep(0.05)
        gate.set()
        results = await asyncio.gather(*tasks)
    return [status for status, _ in results], [ms for _, ms in results]


def burst(st: h.Stack, base: str, cookies: list[str], name: str) -> dict[str, Any]:
    st.erp_control("DELETE", "/_control/calls")
    statuses, times = asyncio.run(crowd(base + CATALOG_PATH, cookies))
    counts = st.erp_control("GET", "/_control/calls")["counts"]
    times.sort()
    figures = {
        "name": name,
        "prices": counts.get("prices", 0),
        "inventory": counts.get("inventory", 0),
        "ok": sum(status == 200 for status in statuses),
        # The pool guard's calm 503 ("busy"): more pages at once than one worker serves within
        # the pool wait (ERPGATE_DB_POOL_TIMEOUT_SECONDS); not an ERP failure.
        "busy": sum(status == 503 for status in statuses),
        "catalog_fallback": sum(status == 599 for status in statuses),
        "p50_ms": statistics.median(times),
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
    }
    print(
        f"  {name}: {figures['prices']} prices + {figures['inventory']} inventory ERP call(s), "
        f"{figures['ok']}/{len(cookies)} pages with live prices, {figures['busy']} busy (503), "
        f"{figures['catalog_fallback']} on catalog prices, p50 {figures['p50_ms']:.0f} ms, "
        f"p99 {figures['p99_ms']:.0f} ms",
        flush=True,
    )
    return figures


def run_p7(st: h.Stack) -> list[dict[str, Any]]:
    """The four bursts against a fresh app (default settings) over a seeded stack."""
    prepare(st)
    proc, base = st.start_app(1)
    try:
        cookies = sign_in_many(base, BUYERS)
        bursts = [
            burst(st, base, cookies, "first (nothing kept)"),
            burst(st, base, cookies, "again at once (within the period)"),
        ]
        time.sleep(PERIOD + 0.5)
        bursts.append(burst(st, base, cookies, "after the period"))
        for endpoint in ("prices", "inventory"):
            st.erp_control(
                "POST",
                "/_control/faults",
                {"endpoint": endpoint, "fault": "latency", "seconds": ERP_LATENCY},
            )
        time.sleep(PERIOD + 0.5)
        bursts.append(
            burst(st, base, cookies, f"after the period, ERP {ERP_LATENCY * 1000:.0f} ms")
        )
        st.erp_control("DELETE", "/_control/faults")
    finally:
        st.stop(proc)
    return bursts


def rows(bursts: list[dict[str, Any]]) -> list[str]:
    """P7's lines of the goals table (1 + 1 ERP calls per period; none within one)."""
    within = bursts[1]
    per_period = [b for i, b in enumerate(bursts) if i != 1]
    calls = ", ".join(f"{b['prices']} + {b['inventory']}" for b in per_period)
    met = all(b["prices"] == 1 and b["inventory"] == 1 for b in per_period)
    met = met and within["prices"] == 0 and within["inventory"] == 0
    # Every page answered had live prices: none fell back to catalog prices for an ERP failure.
    met = met and all(b["catalog_fallback"] == 0 for b in bursts)
    busy = ", ".join(str(b["busy"]) for b in bursts)
    fallback = sum(b["catalog_fallback"] for b in bursts)
    return [
        f"| P7 | {PRODUCTS}-product catalog page, {BUYERS} concurrent buyers of one customer → "
        f"ERP prices + inventory calls per cache period (bursts: first, after the period, after "
        f"the period with the ERP at {ERP_LATENCY * 1000:.0f} ms; again within the period: "
        f"{within['prices']} + {within['inventory']}) | {calls}; pages on catalog prices: "
        f"{fallback}; busy 503s per burst: {busy} | 1 + 1 (0 + 0 within), none on catalog "
        f"prices | {'met' if met else '**missed**'} |",
    ]


def table(bursts: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"P7 bursts ({BUYERS} buyers at once, price and stock ages {PERIOD:g} s):",
        "",
        "| burst | prices calls | inventory calls | pages with live prices | busy (503) | "
        "on catalog prices | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {b['name']} | {b['prices']} | {b['inventory']} | {b['ok']}/{BUYERS} | {b['busy']} | "
        f"{b['catalog_fallback']} | {b['p50_ms']:.0f} | {b['p99_ms']:.0f} |"
        for b in bursts
    ]
    return lines


def main() -> None:
    with h.stack(os.environ.get("BENCH_DATABASE_URL")) as st:
        st.start_mock()
        st.seed()
        bursts = run_p7(st)
    text = "\n".join(
        [
            f"# P7: live prices under a crowd ({h.database_name()})",
            "",
            *rows(bursts),
            "",
            *table(bursts),
        ]
    )
    print()
    print(text)
    h.write_results_section(f"prices {h.database_name().lower()}", text)
    print(f"written to {h.RESULTS}")


if __name__ == "__main__":
    main()
