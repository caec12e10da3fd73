"""Orders placed in this store, exported as CSV for staff (linked from Developers › Deliveries)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from erpgate.admin import audit
from erpgate.admin.deps import AdminPrincipal, require
from erpgate.admin.roles import Capability
from erpgate.checkout import export
from erpgate.web.db import DbSession
from erpgate.web.params import FilterText, parse_day
from erpgate.web.state import get_state

router = APIRouter()
Viewer = Annotated[AdminPrincipal, require(Capability.VIEW)]


@router.get("/admin/orders-placed/export.csv", include_in_schema=False)
async def export_placed_orders(
    request: Request,
    db: DbSession,
    principal: Viewer,
    since: Annotated[FilterText | None, Query()] = None,
    until: Annotated[FilterText | None, Query()] = None,
) -> Response:
    """The store's placed orders as CSV, one row per order, newest first."""
    since_day, until_day = parse_day(since, "since"), parse_day(until, "until")
    text, count = await export.placed_orders_csv(
        db, principal.store_id, since=since_day, until=until_day
    )
    now = get_state(request).clock.now()
    # Customer data leaving the console: who took it is on record.
    await audit.record(
        db,
        store_id=principal.store_id,
        admin=principal.admin,
        action=audit.PLACED_ORDERS_EXPORTED,
        now=now,
        subject=f"{count} order(s)",
        details={k: str(v) for k, v in (("since", since_day), ("until", until_day)) if v},
    )
    name = f"orders-placed-{now:%Y%m%d-%H%M}.csv"
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
