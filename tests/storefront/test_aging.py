"""The balance page's aging chart: bars are shares of the aged amounts, labelled, empty ones bare."""

from __future__ import annotations

from decimal import Decimal

from erpgate.erp.contract import Balance
from erpgate.storefront.service import aging_chart


def chart_of(*buckets: tuple[str, str]) -> list[tuple[str, Decimal, str, bool]]:
    balance = Balance.model_validate(
        {"balance": "0", "aging": [{"label": label, "amount": amount} for label, amount in buckets]}
    )
    return [(b.label, b.share, b.share_label, b.negative) for b in aging_chart(balance).bars]


def test_a_bucket_fills_its_share_of_the_balance_not_the_whole_width() -> None:
    # Before, the largest bucket (72 % of the balance) filled the whole width.
    assert chart_of(("Current", "720.00"), ("1-30 days", "280.00"), ("31-60 days", "0")) == [
        ("Current", Decimal("72.0"), "72 %", False),
        ("1-30 days", Decimal("28.0"), "28 %", False),
        ("31-60 days", Decimal("0"), "0 %", False),  # no sliver for an empty bucket
    ]


def test_credits_count_by_their_size_and_tiny_buckets_never_read_as_zero() -> None:
    assert chart_of(("Current", "-1500.50"), ("1-30 days", "250.00"), ("90+", "0.01")) == [
        ("Current", Decimal("85.7"), "85.7 %", True),
        ("1-30 days", Decimal("14.3"), "14.3 %", False),
        ("90+", Decimal("0.0"), "< 0.1 %", False),
    ]


def test_no_buckets_or_only_empty_ones_draw_nothing() -> None:
    assert chart_of() == []
    assert chart_of(("Current", "0")) == [("Current", Decimal("0"), "0 %", False)]
