"""Rules on submit_order: a test order is accepted, sending it again answers the same order, and a
refusal carries the contract's errors.

They place a real order in the ERP checked: one, for the test customer, under a fresh reference
``CHECK-<hex>`` that is also its Idempotency-Key, sent twice; and they try one for a customer code
no ERP knows. docs/check-erp.md says so: point the checker at a test ERP. Test integration in the
admin console runs none of them (``Caller.places_orders``): it talks to the merchant's live ERP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpgate.conformance import checks
from erpgate.conformance.caller import Exchange
from erpgate.conformance.payloads import (
    NEW_CUSTOMER,
    SAMPLE_CURRENCY,
    SAMPLE_SKU,
    SAMPLE_UNIT_PRICE,
    SampleItem,
    idempotency_key,
    new_reference,
    submit_payload,
)
from erpgate.erp.attempts import masked
from erpgate.erp.contract import RejectionReason, SubmitOrderResponse
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpOrderRejectedError

if TYPE_CHECKING:
    from erpgate.conformance.run import RuleRun

SUBMIT = Endpoint.SUBMIT_ORDER
SHAPE = "shape.submit_order"
IDEMPOTENT = "submit_order.idempotent"
REJECTION = "submit_order.rejection"
ERRORS_SHAPE = (
    '{"errors": [{"message": "…"}]} (each reason with a message; field and buyer_message optional)'
)
QUOTED_CHARS = 200


async def check_submit_order(run: RuleRun) -> None:
    item = sample_item(run)
    if item is None:
        reason = (
            f"No SKU for the test order: give {run.wording.setting('submit_sku')}, or let the "
            f"order by id rules read a known order with lines ({run.wording.setting('order_id')})"
        )
        run.skip_all(SUBMIT, [SHAPE, IDEMPOTENT], reason)
    else:
        reference = new_reference()
        payload = submit_payload(run.plan, reference, item)
        first = await _submit(run, payload, reference)
        order_id = _check_first(run, first, reference, item)
        if order_id is None:
            run.add(IDEMPOTENT, SUBMIT, "skip", "No accepted test order: see shape.submit_order")
        else:
            again = await _submit(run, payload, reference)
            _check_again(run, again, reference, order_id)
    await _check_rejection(run, item or SampleItem(SAMPLE_SKU, "the sample carts"))


def sample_item(run: RuleRun) -> SampleItem | None:
    """What the test order buys: the SKU given, else the first line of a known order."""
    if run.plan.submit_sku:
        return SampleItem(run.plan.submit_sku, "given")
    order = run.known_order()
    if order is None:
        return None
    line = order.lines[0]
    return SampleItem(
        line.sku,
        f"a line of order {order.order_id}",
        description=line.description,
        uom=line.uom,
        unit_price=line.unit_price if line.unit_price is not None else SAMPLE_UNIT_PRICE,
        currency=order.currency or SAMPLE_CURRENCY,
        ship_to=order.ship_to,
    )


async def _submit(
    run: RuleRun, payload: dict[str, Any], reference: str, customer_code: str | None = None
) -> Exchange[SubmitOrderResponse]:
    headers = idempotency_key(reference)
    return await run.call(SUBMIT, payload, SubmitOrderResponse, customer_code, headers)


def _check_first(
    run: RuleRun, first: Exchange[SubmitOrderResponse], reference: str, item: SampleItem
) -> str | None:
    """shape.submit_order from the test order's answer; the order's id when it was accepted."""
    if first.value is not None:
        order_id = first.value.data.order_id
        message = f"Test order {reference} (1 × {item.sku}, {item.origin}) accepted as {order_id}"
        run.add(SHAPE, SUBMIT, "pass", message, [first])
        return order_id
    error = first.error
    if isinstance(error, ErpOrderRejectedError) and error.reasons:
        message = (
            f"The test order {reference} (1 × {item.sku}, {item.origin}) was rejected: "
            f"{_reasons(error.reasons)}; the rules need an order your ERP accepts: give a SKU it "
            f"sells to {run.plan.customer_code} ({run.wording.setting('submit_sku')})"
        )
        run.add(SHAPE, SUBMIT, "fail", message, [first])
    elif isinstance(error, ErpOrderRejectedError):
        run.add(SHAPE, SUBMIT, "fail", _no_errors_list(first), [first])
    else:
        run.shape(SUBMIT, first, "")
    return None


def _check_again(
    run: RuleRun, again: Exchange[SubmitOrderResponse], reference: str, order_id: str
) -> None:
    if again.value is None:
        message = (
            f"Sent Idempotency-Key {reference} again and got: {run.hint(again)}; a key seen "
            f"before must answer the order created then ({order_id}) with a 2xx"
        )
        run.add(IDEMPOTENT, SUBMIT, "fail", message, [again])
        return
    second = again.value.data.order_id
    if second == order_id:
        message = f"Sent Idempotency-Key {reference} again: answered the same order {order_id}"
        run.add(IDEMPOTENT, SUBMIT, "pass", message, [again])
        return
    message = (
        f"Sent Idempotency-Key {reference} again and got order {second}, where the first call "
        f"created {order_id}: a key seen before must answer the order created then, never "
        "create a second one (erpgate sends an order again whenever an answer is lost)"
    )
    run.add(IDEMPOTENT, SUBMIT, "fail", message, [again], focus=second)


async def _check_rejection(run: RuleRun, item: SampleItem) -> None:
    """An order for a customer code no ERP knows: a refusal for good, so a 422 with its errors."""
    reference = new_reference()
    payload = submit_payload(run.plan, reference, item, NEW_CUSTOMER)
    exchange = await _submit(run, payload, reference, NEW_CUSTOMER)
    who = f"An order for customer code {NEW_CUSTOMER!r}, unknown to the ERP,"
    error = exchange.error
    if exchange.value is not None:
        message = (
            f"{who} was accepted as {exchange.value.data.order_id}: no refusal to check "
            "(your ERP may open accounts on the fly)"
        )
        run.add(REJECTION, SUBMIT, "skip", message, [exchange])
    elif isinstance(error, ErpOrderRejectedError) and error.reasons:
        message = f"{who} was rejected (422): {_reasons(error.reasons)}"
        run.add(REJECTION, SUBMIT, "pass", message, [exchange])
    elif isinstance(error, ErpOrderRejectedError):
        run.add(REJECTION, SUBMIT, "fail", _no_errors_list(exchange), [exchange])
    else:
        message = (
            f"{who} got: {run.hint(exchange)}; refuse an order for good with a 422 and "
            f"{ERRORS_SHAPE}: any other answer is sent again, for up to a day"
        )
        run.add(REJECTION, SUBMIT, "fail", message, [exchange])


def _reasons(reasons: tuple[RejectionReason, ...]) -> str:
    return checks.listed(
        [f"{r.field}: {r.message}" if r.field else r.message for r in reasons], "; "
    )


def _no_errors_list(exchange: Exchange[Any]) -> str:
    body = ""
    if exchange.attempts:
        raw = masked(exchange.attempts[-1]).response_body
        body = raw.decode("utf-8", "replace")
    quoted = body[:QUOTED_CHARS] + ("…" if len(body) > QUOTED_CHARS else "")
    return f"Answered 422 with {quoted or '(an empty body)'}; a 422 must carry {ERRORS_SHAPE}"
