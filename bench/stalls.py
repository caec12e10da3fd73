"""`make stalls`: how long the other requests of an instance wait while it does heavy one-off work.

A prober asks `GET /healthz` back to back on a connection of its own while erpgate (one worker)
does, in turn: nothing (the baseline); a burst of buyer sign-ins (Argon2id password checks); and an
admin CSV import of 10,000 accounts with one user each. The figure for each is the prober's slowest
answer meanwhile: the longest any other buyer's request would have waited. Printed, and written
to its section of bench/RESULTS.md (one per database).

Knobs: STALLS_RUNS (3; the median of the slowest answers is reported), STALLS_SIGN_INS (8, all at
once), STALLS_ROWS (10000), BENCH_DATABASE_URL (default: a temporary SQLite file).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import harness as h

RUNS = int(os.environ.get("STALLS_RUNS", "3"))
SIGN_INS = int(os.environ.get("STALLS_SIGN_INS", "8"))
ROWS = int(os.environ.get("STALLS_ROWS", "10000"))
ADMIN = {"email": "admin@example.com", "password": "demo-admin"}
BASELINE_SECONDS = 2.0


async def _probe(session: aiohttp.ClientSession, base: str, stop: asyncio.Event) -> list[float]:
    """Answer times of /healthz, asked back to back until stop is set."""
    times: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        async with session.get(base + "/healthz") as answer:
            await answer.read()
        times.append(time.perf_counter() - started)
    return times


async def _slowest_answer_during(base: str, work: Callable[[], Awaitable[None]]) -> float:
    """The prober's slowest answer (ms) while work runs."""
    stop = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        prober = asyncio.create_task(_probe(session, base, stop))
        await asyncio.sleep(0.2)  # the prober's connection is open and warm
        try:
            await work()
        finally:
            stop.set()
        return max(await prober) * 1000


async def _idle() -> None:
    await asyncio.sleep(BASELINE_SECONDS)


def _sign_ins(base: str) -> Callable[[], Awaitable[None]]:
    async def work() -> None:
        async with aiohttp.ClientSession() as session:

            async def one() -> None:
                async with session.post(base + "/api/v1/auth/login", json=h.BUYER) as answer:
                    assert answer.status == 200, await answer.text()

            await asyncio.gather(*(one() for _ in range(SIGN_INS)))

    return work


def _import(base: str, run: int) -> Callable[[], Awaitable[None]]:
    # New codes and e-mails on every run: an import that only repeats existing rows is refused.
    rows = "".join(
        f"B{run}-{i},Bench account {i},,bench{run}.{i}@example.com,Buyer {i},orders invoices\n"
        for i in range(ROWS)
    )
    body = ("customer_code,account_name,seller_reference,email,name,permissions\n" + rows).encode()

    async def work() -> None:
        # unsafe: aiohttp keeps no cookies for an IP address (127.0.0.1) otherwise.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.post(base + "/api/v1/admin/auth/login", json=ADMIN) as answer:
                assert answer.status == 200, await answer.text()
                csrf = (await answer.json())["csrf_token"]
            async with session.post(
                base + "/api/v1/admin/customers/import",
                data=body,
                headers={"Content-Type": "text/csv", "X-CSRF-Token": csrf},
            ) as answer:
                report = await answer.json()
                assert answer.status == 200 and report["users_created"] == ROWS, report

    return work


async def _measure(base: str) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {"nothing (baseline)": [], "sign-ins": [], "import": []}
    for run in range(RUNS):
        figures["nothing (baseline)"].append(await _slowest_answer_during(base, _idle))
        figures["sign-ins"].append(await _slowest_answer_during(base, _sign_ins(base)))
        figures["import"].append(await _slowest_answer_during(base, _import(base, run)))
    return figures


def _report(figures: dict[str, list[float]]) -> str:
    names = {
        "nothing (baseline)": "nothing (baseline)",
        "sign-ins": f"{SIGN_INS} buyer sign-ins at once",
        "import": f"admin CSV import, {ROWS:,} accounts and users",
    }
    lines = [
        f"# Event-loop stalls ({h.database_name()})",
        "",
        "`make stalls` (bench/stalls.py): the slowest `GET /healthz` answer, asked back to back on",
        f"its own connection, while one erpgate worker does the work below; median of {RUNS} runs.",
        "",
        "| while erpgate does | slowest other answer, ms (median) | runs, ms |",
        "|---|---|---|",
    ]
    for key, values in figures.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        lines.append(f"| {names[key]} | {statistics.median(values):.1f} | {runs} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    with h.stack(os.environ.get("BENCH_DATABASE_URL")) as st:
        st.start_mock()
        st.seed()
        _proc, base = st.start_app(1)
        figures = asyncio.run(_measure(base))
    text = _report(figures)
    print(text)
    h.write_results_section(f"stalls-{h.database_name()}", text)
    print(f"written to {h.RESULTS}")


if __name__ == "__main__":
    main()
