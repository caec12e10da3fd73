"""The customer guard of a list: no row of another customer ever appears in this one's list.

A list that ignores ``customer_code`` and leaves it out of its rows slips past the gateway's
cross-customer guard (it can only refuse a ``customer_code`` it is shown). So the rule learns
another customer's rows (their ids given, and their own list's first page), then looks for them,
by id and by content, in every row this customer's list answered during the run, and searches
this customer's list for one of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.checks import Row, fingerprint, row_id, row_number
from erpgate.conformance.pages import ListPages, ask, rows_of
from erpgate.conformance.run import BY_ID_OF, KnownId

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

RULE = "filters.customer"


async def check_customer_filter(run: RuleRun, pages: ListPages) -> None:
    endpoint, noun = pages.endpoint, pages.noun
    by_id = BY_ID_OF[endpoint]
    other = run.plan.other_customer_code
    given = run.other_ids.get(by_id)
    if other is None and given is None:
        wording = run.wording
        reason = (
            f"No other customer to compare with: give {wording.setting('other_customer_code')} "
            f"(or {wording.setting(f'other_{noun}_id')})"
        )
        run.add(RULE, endpoint, "skip", reason)
        return
    who = f"customer {other}" if other else "another customer"
    theirs: set[str] = set()
    contents: set[tuple[str, str, str, str]] = set()
    used: list[Exchange[Any]] = []
    probe: str | None = None
    if given is not None:
        theirs.add(given.value)
        probe = given.value
    their_rows: list[Row] = []
    if other is not None:
        answer = await ask(run, endpoint, customer_code=other)
        used.append(answer)
        their_rows = rows_of(answer)
        for row in their_rows:
            theirs.add(row_id(row))
            contents.add(fingerprint(row))
        probe = probe or (row_number(their_rows[0]) if their_rows else None)
    if probe is not None:
        used.append(await ask(run, endpoint, search=probe))
    leaks = _leaks(run.ours(pages.endpoint), theirs, contents)
    if leaks:
        run.list_trouble[endpoint] = RULE
        first, exchange = leaks[0]
        message = (
            f"{len(leaks)} {noun}(s) of {who} appear in {run.plan.customer_code}'s "
            f"{endpoint.value} list: {checks.listed([key for key, _ in leaks])}; filter the "
            f"list by customer_code (a buyer would see another company's {noun}s)"
        )
        run.add(RULE, endpoint, "fail", message, [*used, exchange], evidence=exchange, focus=first)
        return
    if not theirs:
        reason = f"{who.capitalize()}'s {endpoint.value} list is empty: nothing to compare"
        run.add(RULE, endpoint, "skip", reason, used)
        return
    if their_rows and by_id not in run.other_ids:
        origin = f"the first row of {other}'s {endpoint.value} list"
        run.other_ids[by_id] = KnownId(row_id(their_rows[0]), origin, from_list=True)
    compared = sum(len(rows_of(exchange)) for exchange in run.ours(endpoint))
    message = (
        f"None of {len(theirs)} {noun}(s) of {who} appears in this list, by id or content "
        f"({compared} rows compared)"
    )
    run.add(RULE, endpoint, "pass", message, used)


def _leaks(
    ours: list[Exchange[Any]],
    theirs: set[str],
    contents: set[tuple[str, str, str, str]],
) -> list[tuple[str, Exchange[Any]]]:
    """Each of their rows found in our answers (once), with the first answer that carried it."""
    found: dict[str, Exchange[Any]] = {}
    for exchange in ours:
        for row in rows_of(exchange):
            if row_id(row) in theirs or fingerprint(row) in contents:
                found.setdefault(row_id(row), exchange)
    return list(found.items())
