"""The Test integration form's fields as the checker's plan: SKUs typed as a list, each checked."""

from __future__ import annotations

import pytest

# Imported as a module: pytest would try to collect a class named Test... as tests.
from erpgate.admin import integration_test
from erpgate.errors import ValidationFailed


def test_skus_are_split_on_commas_and_spaces_each_once() -> None:
    inputs = integration_test.TestInputs.from_form(
        {"customer_code": "C0004935", "skus": " 5620, WR-13;5620\nTST03 "}
    )

    plan = integration_test.check_inputs(inputs)

    assert plan.skus == ["5620", "WR-13", "TST03"]
    assert (
        integration_test.check_inputs(integration_test.TestInputs(customer_code="C0004935")).skus
        == []
    )


@pytest.mark.parametrize(
    ("skus", "problem"),
    [
        (" ".join(f"SKU-{n}" for n in range(100)), "At most 99 SKUs."),
        ("5620, " + "X" * 201, "A SKU has at most 200 characters."),
    ],
)
def test_too_many_or_too_long_skus_are_refused_on_the_field(skus: str, problem: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        integration_test.check_inputs(
            integration_test.TestInputs(customer_code="C0004935", skus=skus)
        )

    assert caught.value.fields == {"skus": problem}
