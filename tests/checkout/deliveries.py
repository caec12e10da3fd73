"""Arranging a placed order's delivery in a given state, and reading the page's words back."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.checkout import placed
from erpgate.models.order_delivery import OrderDelivery
from tests.storefront.conftest import Shop

ACCOUNT = "C0004935"


async def attach_delivery(
    db: AsyncSession, shop: Shop, order: dict[str, Any], state: str, **values: Any
) -> OrderDelivery:
    """The order's delivery as the worker would have left it in ``state``. The store has no
    Submit Order URL, and a waiting row is due only in an hour: nothing sends it meanwhile."""
    now = datetime.now(UTC)
    account = shop.accounts[ACCOUNT]
    row = OrderDelivery(
        store_id=shop.store.id,
        order_id=uuid.UUID(order["id"]),
        order_number=order["number"],
        customer_code=ACCOUNT,
        customer_account_id=account.id,
        request_body=b'{"order_reference": "%s"}' % order["number"].encode(),
        state=state,
        attempts=values.pop("attempts", 1),
        next_attempt_at=now + timedelta(hours=1),
        give_up_at=now + timedelta(hours=24),
        reasons=values.pop("reasons", []),
        created_at=now,
        **values,
    )
    db.add(row)
    await db.commit()
    placed.order_placed(account.id)  # the orders list reads the account's placed orders again
    return row


def text_of(html: str, element_id: str) -> str | None:
    """The text of the element with ``element_id`` (tags dropped, spaces folded), or None."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    if found is None:
        return None
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def items_of(html: str, element_id: str) -> list[str]:
    found = re.search(rf'<ul[^>]*\bid="{element_id}"[^>]*>(.*?)</ul>', html, re.S)
    assert found is not None, element_id
    return [" ".join(item.split()) for item in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]
