"""One adapted read: the contract request in, the ERP's own requests out, the mapped answer back.

``AdapterRun.answer`` returns the contract answer as JSON bytes; the gateway validates them exactly
like a contract URL's answer (the same models, the cross-customer guard, not-found), so every
guard that protects a contract read protects an adapted one.

List pages follow the ERP's next-page links while it serves smaller pages than asked
(``erp.adapters.outgoing`` builds the requests); a next link that leaves the base URL's origin is
refused, not followed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from multidict import CIMultiDict

from erpgate.erp.adapters.mapping import MappingError, MappingPool, line_of
from erpgate.erp.adapters.outgoing import (
    AdapterPlan,
    first_request,
    join_url,
    next_url,
    request_values,
    rows_at,
    with_rows,
)
from erpgate.erp.adapters.sessions import LoginSessions, Session, cookies_set
from erpgate.erp.adapters.templates import ImpossibleValue, render_json
from erpgate.erp.errors import (
    ErpContractError,
    ErpLoginAnswerError,
    ErpMappingError,
    ErpUnauthorizedError,
)
from erpgate.erp.exchange import Answer, Outbound
from erpgate.erp.reading import parse_json

# Time kept back from the call's deadline for validating the mapped answer.
VALIDATION_RESERVE_SECONDS = 0.02

Send = Callable[[Outbound, str, tuple[str, ...]], Awaitable[Answer]]


def _headers(
    plan: AdapterPlan,
    auth_headers: tuple[tuple[str, str], ...],
    session: Session | None,
    has_body: bool,
) -> CIMultiDict[str]:
    headers: CIMultiDict[str] = CIMultiDict(plan.profile.auth.headers)
    headers.extend(plan.spec.headers)
    headers.extend(auth_headers)
    if session is not None:
        headers["Cookie"] = session.header
    if has_body:
        headers.setdefault("Content-Type", "application/json")
    else:
        headers.popall("Content-Type", None)
    return headers


class AdapterRun:
    """One adapted read, inside the gateway's deadline and attempts."""

    def __init__(
        self,
        plan: AdapterPlan,
        send: Send,
        sessions: LoginSessions,
        pool: MappingPool,
        deadline: float,
        secrets: tuple[str, ...],
        login_values: dict[str, str],
        *,
        auth_headers: tuple[tuple[str, str], ...],
        detached_send: Send,
        attempt_secrets: Callable[[tuple[str, ...]], None],
    ) -> None:
        """``send`` records its attempts in this call's outcome; ``detached_send`` (a later
        logout) records them nowhere; ``attempt_secrets`` adds values to mask to the last
        attempt recorded."""
        self.plan = plan
        self.send = send
        self.sessions = sessions
        self.pool = pool
        self.deadline = deadline
        self.secrets = secrets
        self.login_values = login_values
        self.auth_headers = auth_headers
        self.detached_send = detached_send
        self.attempt_secrets = attempt_secrets

    async def answer(self, body: bytes) -> bytes:
        plan = self.plan
        request = parse_json(body)
        values = request_values(request, plan.endpoint)
        try:
            url, payload = first_request(plan, values)
        except ImpossibleValue:
            if not plan.ask_anyway:
                # An id no record can have: answered as the contract's not-found, no ERP call.
                return b'{"data":[]}' if plan.is_list else b'{"data":null}'
            url, payload = first_request(
                plan, {**values, "id": "0", "order_id": "0", "invoice_id": "0"}
            )
        document, has_more = await self._pages(url, payload, values)
        return await self._mapped(document, _bindings(request, values, has_more))

    async def _pages(self, url: str, payload: bytes, values: dict[str, Any]) -> tuple[Any, bool]:
        plan, paging = self.plan, self.plan.spec.paging
        first: Any = None
        rows: list[Any] = []
        want = values["top"] if plan.is_list else 0
        for _ in range(paging.max_pages):
            document = parse_json((await self._send(url, payload)).body)
            if first is None:
                first = document
            if not plan.is_list:
                return first, False
            rows.extend(rows_at(document, paging.rows))
            _check_row_cap(plan, len(rows))
            link = _next_link(plan, document)
            if len(rows) >= want or not link:
                break
            url = next_url(url, link, plan.profile.base_url)
        size = values["page_size"]
        document = with_rows(first, paging.rows, rows[:size])
        return document, len(rows) > size

    async def _send(self, url: str, payload: bytes) -> Answer:
        """One request, with the session (logged in again once if the ERP rejects it)."""
        auth = self.plan.profile.auth
        if auth.driver != "login_session":
            return await self.send(self._outbound(url, payload, None), "ERP", self.secrets)
        session = await self._session(None)
        try:
            return await self.send(
                self._outbound(url, payload, session), "ERP", self._with(session)
            )
        except ErpUnauthorizedError as exc:
            if exc.status != 401:
                raise
            session = await self._session(rejected=session)
            return await self.send(
                self._outbound(url, payload, session), "ERP", self._with(session)
            )

    def _outbound(self, url: str, payload: bytes, session: Session | None) -> Outbound:
        method = self.plan.spec.method
        headers = _headers(self.plan, self.auth_headers, session, bool(payload))
        return Outbound(url, headers, payload, method)

    def _with(self, session: Session) -> tuple[str, ...]:
        return (*self.secrets, *session.cookies.values())

    async def _session(self, rejected: Session | None) -> Session:
        key = self.plan.session_key
        assert key is not None
        return await self.sessions.get(key, self._login, rejected=rejected)

    async def _login(self) -> Session:
        profile = self.plan.profile
        login = profile.auth.login
        assert login is not None
        body = orjson.dumps(render_json(login.body, self.login_values, {}))
        headers: CIMultiDict[str] = CIMultiDict(profile.auth.headers)
        headers["Content-Type"] = "application/json"
        outbound = Outbound(join_url(profile.base_url, login.path), headers, body, "POST")
        answer = await self.send(outbound, "Login", self.secrets)
        cookies = cookies_set(answer.headers)
        missing = [name for name in login.cookies if not cookies.get(name)]
        if missing:
            raise ErpLoginAnswerError(
                f"Login answered {answer.status} without the cookie {', '.join(missing)}"
            )
        kept = {name: cookies[name] for name in login.cookies}
        # The session id may also sit in the answer's body (SAP's SessionId): masked as well.
        self.attempt_secrets(tuple(kept.values()))
        session = Session(kept, time.monotonic() + login.session_seconds)
        if login.logout_path:
            logout = Outbound(join_url(profile.base_url, login.logout_path), headers, b"{}", "POST")
            session.logout = _logout_call(self.detached_send, logout, session, self.secrets)
        return session

    async def _mapped(self, document: Any, bindings: dict[str, Any]) -> bytes:
        remaining = self.deadline - asyncio.get_running_loop().time() - VALIDATION_RESERVE_SECONDS
        return await run_mapping(self.plan, self.pool, document, bindings, remaining)


async def run_mapping(
    plan: AdapterPlan, pool: MappingPool, document: Any, bindings: dict[str, Any], seconds: float
) -> bytes:
    """The endpoint's mapping over one (merged) ERP answer, as contract JSON bytes."""
    mapping = plan.spec.mapping
    try:
        result = await pool.evaluate(mapping, orjson.dumps(document), bindings, seconds)
    except MappingError as exc:
        line = line_of(mapping, str(exc))
        where = f" (mapping line {line})" if line else ""
        raise ErpMappingError(f"The adapter's mapping failed{where}: {exc}") from None
    return _shaped(plan, result)


def _shaped(plan: AdapterPlan, result: bytes) -> bytes:
    """The one-row pitfall: JSONata turns a one-item sequence into the item, so a list's
    ``data`` that came out as one object is made a list again (and nothing, an empty one)."""
    if not plan.is_list:
        return result
    mapped = orjson.loads(result)
    if not isinstance(mapped, dict):
        return result
    data = mapped.get("data")
    if isinstance(data, dict):
        mapped["data"] = [data]
    elif data is None:
        mapped["data"] = []
    else:
        return result
    return orjson.dumps(mapped)


async def map_recorded(
    plan: AdapterPlan, pool: MappingPool, request: dict[str, Any], answer: bytes, seconds: float
) -> bytes:
    """A recorded ERP answer (pasted in the preview, or a fixture) mapped as a live read would
    map it: the same rows, page trimming, ``$has_more`` and bindings."""
    document = parse_json(answer)
    values = request_values(request, plan.endpoint)
    has_more = False
    if plan.is_list:
        rows = rows_at(document, plan.spec.paging.rows)
        _check_row_cap(plan, len(rows))
        size = values["page_size"]
        has_more = len(rows) > size or bool(_next_link(plan, document))
        document = with_rows(document, plan.spec.paging.rows, rows[:size])
    return await run_mapping(plan, pool, document, _bindings(request, values, has_more), seconds)


def _check_row_cap(plan: AdapterPlan, count: int) -> None:
    if count > plan.profile.row_cap:
        raise ErpContractError(
            f"Answer broke the contract: the ERP answered more than "
            f"{plan.profile.row_cap} rows for one page (the adapter's row cap)"
        )


def _next_link(plan: AdapterPlan, document: Any) -> Any:
    """The answer's next-page link, if the paging names one (an answer that is the list itself
    has nowhere to carry it)."""
    key = plan.spec.paging.next_link
    return document.get(key) if key and isinstance(document, dict) else None


def _bindings(request: dict[str, Any], values: dict[str, Any], has_more: bool) -> dict[str, Any]:
    """The mapping's variables: ``$request``, ``$has_more``, ``$page`` and ``$page_size``."""
    return {
        "request": request,
        "has_more": has_more,
        "page": values.get("page"),
        "page_size": values.get("page_size"),
    }


def _logout_call(
    send: Send, outbound: Outbound, session: Session, secrets: tuple[str, ...]
) -> Callable[[], Awaitable[None]]:
    async def logout() -> None:
        outbound.headers["Cookie"] = session.header
        await send(outbound, "Logout", (*secrets, *session.cookies.values()))

    return logout
