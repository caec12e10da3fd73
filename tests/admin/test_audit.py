"""The audit log page: readable times with the exact one in <time>, changes as "field: old → new"
lines, and never a secret."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.admin.audit import DetailLine, detail_lines
from erpgate.kit.clock import Clock
from erpgate.models.audit_log import AuditLog
from tests.admin.conftest import World, sign_in

ERP = "http://127.0.0.1:8100/erp"
FIRST_TOKEN = "first-secret-token-1111"
SECOND_TOKEN = "second-secret-token-2222"
URL_SECRET = "url-secret-7777"


def _form(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "auth_style": "header",
        "key": "X-Erp-Api-Key",
        "token": FIRST_TOKEN,
        "orders_url": f"{ERP}/orders",
        "timeout_taxes": "2.5",
        "tax_failure_policy": "estimate",
        "stale_max_age_seconds": "3600",
        "notify_sender": "alerts@alpha.example",
        "notify_receivers": "it@alpha.example",
        **changes,
    }


async def test_settings_changes_read_as_old_and_new_values_with_secrets_masked(
    world: World, client: httpx.AsyncClient, db: AsyncSession, clock: Clock
) -> None:
    recorded_at = clock.now().replace(microsecond=0)
    clock.freeze(recorded_at - timedelta(hours=2))
    csrf = await sign_in(client, "owner@alpha.example")
    first = await client.post("/admin/apps/generic-erp", data=_form(csrf))
    assert first.status_code == 303, first.text
    clock.freeze(recorded_at)
    second = await client.post(
        "/admin/apps/generic-erp",
        data=_form(
            csrf,
            key="X-Other-Api-Key",
            token=SECOND_TOKEN,
            orders_url=f"{ERP}/v2/orders?api_key={URL_SECRET}",
            timeout_taxes="4",
            tax_failure_policy="block",
            notify_receivers="it@alpha.example\nops@alpha.example",
        ),
    )
    assert second.status_code == 303, second.text
    clock.freeze(recorded_at + timedelta(minutes=5))

    await sign_in(client, "support@alpha.example")  # every role that views may read the log
    page = (await client.get("/admin/audit")).text

    body = page.index("<tbody>")
    newest = page[body : page.index("</tr>", body)]
    for line in (
        "key: ••••-Key → ••••-Key",
        f"urls.orders: {ERP}/orders → {ERP}/v2/orders?api_key=••••",
        "timeouts.taxes: 2.5 → 4",
        "tax_failure_policy: estimate → block",
        "notify_receivers: it@alpha.example → it@alpha.example, ops@alpha.example",
        "token: ••••1111 → ••••2222",
    ):
        assert f"<li>{line}</li>" in newest
    assert "<li>timeouts.orders:" not in newest  # unchanged settings are not listed
    assert (
        f'<time datetime="{recorded_at.isoformat()}" '
        f'title="{recorded_at:%Y-%m-%d %H:%M:%S} UTC">5 minutes ago</time>'
    ) in newest
    # The first save set the Token where there was none.
    assert "<li>token: (none) → ••••1111</li>" in page
    assert "<li>auth_style: bearer → header</li>" in page

    api = (await client.get("/api/v1/admin/audit")).text
    stored = str((await db.execute(select(AuditLog.details))).scalars().all())
    for text in (page, api, stored):
        for secret in (FIRST_TOKEN, SECOND_TOKEN, URL_SECRET, "X-Erp-Api-Key", "X-Other-Api-Key"):
            assert secret not in text


def test_details_read_as_lines_without_linked_ids_or_secrets() -> None:
    # An entry recorded before changes were: the names alone.
    assert detail_lines({"changed": ["urls", "token"]}) == [DetailLine("changed", "urls, token")]
    assert detail_lines(
        {
            "user_id": "u-1",
            "session_id": "s-1",
            "sessions_ended": 2,
            "filters": {"endpoint": "orders", "outcome": "error"},
            "client_secret": "hunter2",
        }
    ) == [
        DetailLine("sessions_ended", "2"),
        DetailLine("filters", "endpoint=orders, outcome=error"),
        DetailLine("client_secret", "••••"),
    ]
    changed = {"changed": ["urls"], "changes": [{"field": "urls.orders", "old": "a", "new": ""}]}
    assert detail_lines(changed) == [DetailLine("urls.orders", "", "a")]
