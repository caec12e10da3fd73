"""The ERP's own requests of an adapted read, built from the contract request: the URL with its
query, the body, the page arithmetic, and the rows and next-page link of what comes back.

List pages ask for one row more than the page (``$top``, ``limit_page_length`` or ``limit``), so
``has_more`` is known without a count. A next link must stay on the base URL's origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from yarl import URL

from erpgate.erp.adapters.profile import LIST_ENDPOINTS, EndpointSpec, Profile
from erpgate.erp.adapters.sessions import SessionKey
from erpgate.erp.adapters.templates import render_json, render_text
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpContractError, ErpSsrfError


@dataclass(frozen=True, slots=True)
class AdapterPlan:
    """What an adapted target carries: the store's profile and this endpoint's part of it."""

    profile: Profile
    spec: EndpointSpec
    endpoint: Endpoint
    static_headers: tuple[tuple[str, str], ...]  # the auth driver's, when it is static
    session_key: SessionKey | None = None  # login_session driver only
    # The checker's no-credentials probe: an id no record can have is still sent (as 0), since
    # the probe is about what the ERP answers, not about the record.
    ask_anyway: bool = False

    @property
    def is_list(self) -> bool:
        return self.endpoint in LIST_ENDPOINTS


def request_values(request: dict[str, Any], endpoint: Endpoint) -> dict[str, Any]:
    """What templates may name, from the contract request."""
    values = dict(request)
    values["id"] = request.get("order_id") or request.get("invoice_id")
    if endpoint in LIST_ENDPOINTS:
        page, size = int(request.get("page") or 1), int(request.get("page_size") or 20)
        values.update(page=page, page_size=size, skip=(page - 1) * size, top=size + 1)
    return values


def _paging_parameters(spec: EndpointSpec, values: dict[str, Any]) -> dict[str, Any]:
    style = spec.paging.style
    if style == "odata":
        return {"$top": values["top"], "$skip": values["skip"]}
    if style == "limit_start":
        return {"limit_start": values["skip"], "limit_page_length": values["top"]}
    if style == "offset_limit":
        return {"offset": values["skip"], "limit": values["top"]}
    return {}


def _query_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def first_request(plan: AdapterPlan, values: dict[str, Any]) -> tuple[str, bytes]:
    """The first request's URL and body (ImpossibleValue: no record can match)."""
    spec = plan.spec
    path = render_text(spec.path, values, spec.filters, path=True)
    query: dict[str, str] = {}
    for name, template in spec.query.items():
        rendered = (
            render_text(template, values, spec.filters)
            if isinstance(template, str)
            else render_json(template, values, spec.filters)
        )
        if rendered not in (None, "", []):
            query[name] = _query_text(rendered)
    body_value = render_json(spec.body, values, spec.filters) if spec.body is not None else None
    paging = _paging_parameters(spec, values) if plan.is_list else {}
    if spec.paging.put == "body" and paging:
        body_value = {**(body_value or {}), **paging}
    else:
        query.update({name: str(value) for name, value in paging.items()})
    url = join_url(plan.profile.base_url, path)
    if query:
        url += ("&" if "?" in url else "?") + urlencode(query, safe="$,()'", quote_via=quote)
    body = orjson.dumps(body_value) if body_value is not None else b""
    return url, body


def join_url(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


def next_url(current: str, link: Any, base_url: str) -> str:
    """The next page's absolute URL; ErpSsrfError when it leaves the base URL's origin."""
    if not isinstance(link, str) or not link:
        raise ErpContractError("Answer broke the contract: the next-page link is not a URL")
    resolved = URL(current).join(URL(link))
    base = URL(base_url)
    if (resolved.scheme, resolved.host, resolved.port) != (base.scheme, base.host, base.port):
        raise ErpSsrfError(
            f"The ERP's next-page link points at {resolved.host or 'another address'}, "
            "not the adapter's base URL; it was not followed"
        )
    return str(resolved)


def rows_at(document: Any, path: str) -> list[Any]:
    node = document
    for part in path.split(".") if path else ():
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return []
    if not isinstance(node, list):
        where = path or "the answer"
        raise ErpContractError(f"Answer broke the contract: {where} is not a list of rows")
    return node


def with_rows(document: Any, path: str, rows: list[Any]) -> Any:
    if not path:
        return rows
    parts = path.split(".")
    root = dict(document) if isinstance(document, dict) else {}
    node = root
    for part in parts[:-1]:
        child = node.get(part)
        node[part] = dict(child) if isinstance(child, dict) else {}
        node = node[part]
    node[parts[-1]] = rows
    return root
