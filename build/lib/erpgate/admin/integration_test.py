"""The "Test integration" button: the conformance checker for a customer code, from the admin.

It takes what `erpgate check-erp` takes for a run (the customer code, typed or chosen, known ids,
another customer's code and ids for the cross-customer rules, and SKUs for the prices and
inventory rules) and turns the report into rows the page shows, each failure with the ERP's
answer. The code needs no customer account: when the store has one for it, its events link to it
and its seller reference is sent. Prices are asked in the store's currency.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.conformance import run_admin_test
from erpgate.conformance.config import MAX_SKUS
from erpgate.conformance.payloads import CheckPlan
from erpgate.conformance.results import ConformanceReport
from erpgate.customer import service as customer_service
from erpgate.db.engine import release_connection
from erpgate.erp.gateway import ErpGateway
from erpgate.errors import ValidationFailed
from erpgate.integration import service as integration_service
from erpgate.kit.crypto import SecretBox
from erpgate.store import service as store_service

ID_LIMIT = 200  # an ERP id longer than this is a paste gone wrong
SKU_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class TestInputs:
    """The form's fields as typed (kept on the page when one is wrong)."""

    customer_code: str = ""
    order_id: str = ""
    invoice_id: str = ""
    other_customer_code: str = ""
    other_order_id: str = ""
    other_invoice_id: str = ""
    skus: str = ""  # separated by commas or spaces

    @classmethod
    def from_form(cls, form: Mapping[str, object]) -> TestInputs:
        return cls(**{f.name: str(form.get(f.name) or "").strip() for f in fields(cls)})

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class TestRow:
    endpoint: str
    passed: bool
    rule: str
    message: str
    trace_id: str | None  # of the first call kept as an event; the page links it
    status: str = ""
    unkept_calls: bool = False  # calls were made but none is an event (the no-credentials probe)
    answer: str = ""  # a failure's evidence: the ERP's status and answer body, masked


@dataclass(frozen=True, slots=True)
class TestReport:
    rows: list[TestRow]
    message: str = ""

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.rows)


def check_inputs(inputs: TestInputs) -> CheckPlan:
    """The plan of a run, or ValidationFailed naming each field that cannot work."""
    problems: dict[str, str] = {}
    for name in ("customer_code", "other_customer_code"):
        value = getattr(inputs, name)
        if value or name == "customer_code":
            problem = customer_service.customer_code_problem(value)
            if problem is not None:
                problems[name] = problem
    for name in ("order_id", "invoice_id", "other_order_id", "other_invoice_id"):
        if len(getattr(inputs, name)) > ID_LIMIT:
            problems[name] = f"At most {ID_LIMIT} characters."
    if inputs.other_customer_code and inputs.other_customer_code == inputs.customer_code:
        problems["other_customer_code"] = "Must be another customer than the one tested."
    skus = list(dict.fromkeys(sku for sku in SKU_SEPARATORS.split(inputs.skus) if sku))
    if len(skus) > MAX_SKUS:
        problems["skus"] = f"At most {MAX_SKUS} SKUs."
    elif any(len(sku) > ID_LIMIT for sku in skus):
        problems["skus"] = f"A SKU has at most {ID_LIMIT} characters."
    if problems:
        raise ValidationFailed("Check the fields marked below.", fields=problems)
    return CheckPlan(
        customer_code=inputs.customer_code,
        order_id=inputs.order_id or None,
        invoice_id=inputs.invoice_id or None,
        other_customer_code=inputs.other_customer_code or None,
        other_order_id=inputs.other_order_id or None,
        other_invoice_id=inputs.other_invoice_id or None,
        skus=skus,
    )


def _rows(report: ConformanceReport) -> list[TestRow]:
    return [
        TestRow(
            endpoint=result.endpoint,
            passed=result.passed,
            rule=result.rule,
            message=result.message,
            trace_id=result.event_trace_id,
            unkept_calls=bool(result.trace_ids) and result.event_trace_id is None,
            status=result.status,
            answer=result.answer.as_text() if result.answer is not None else "",
        )
        for result in report.results
    ]


async def run(
    gateway: ErpGateway,
    box: SecretBox,
    db: AsyncSession,
    store_id: uuid.UUID,
    inputs: TestInputs,
) -> TestReport:
    plan = check_inputs(inputs)
    live = await integration_service.load_live_integration(db, store_id, box, gateway.options)
    if not live.installed:
        return TestReport(rows=[], message="Install the app first.")
    account = await customer_service.find_account_by_code(db, store_id, plan.customer_code)
    if account is not None:
        plan.seller_reference = account.seller_reference
    plan.currency = (await store_service.get_store(db, store_id)).currency
    await release_connection(db)  # the rules call the ERP many times: hold no connection
    report = await run_admin_test(gateway, live, plan, account)
    return TestReport(rows=_rows(report), message=report.summary)
