"""Live prices and stock, unit by unit, over a transport that answers what it is asked: batching,
the per-SKU cache and its ages, joined calls, the stale fallback and every bad row."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest

from erpgate.erp.credentials import Credentials
from erpgate.erp.endpoints import Endpoint
from erpgate.erp.errors import ErpConnectError
from erpgate.erp.exchange import Outbound, RawAnswer
from erpgate.erp.gateway import ErpClientOptions, ErpGateway
from erpgate.erp.outcome import Actor, ListSink
from erpgate.erp.targets import build_target
from erpgate.integration.service import LiveIntegration
from erpgate.kit.clock import Clock
from erpgate.kit.local_cache import INTEGRATIONS, changed
from erpgate.pricing.cache import AnswerCache
from erpgate.pricing.service import MAX_LIVE_SKUS, LivePrices, PriceAsker, Wanted
from tests.erp.scripted import Step

PRICES = "https://erp.example.com/prices"
INVENTORY = "https://erp.example.com/inventory"
STORE = uuid.UUID("00000000-0000-4000-8000-00000000000a")
OPTIONS = ErpClientOptions(breaker_min_calls=1000)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class ErpTwin:
    """Answers prices and inventory from its rules; ``fail`` makes every call fail to connect."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.urls: list[str] = []
        self.fail = False
        self.delay = 0.0
        self.rows: Any = None  # a function (request) -> answer rows, replacing the rules

    async def send(self, request: Outbound, answer: RawAnswer, *, cap: int, subject: str) -> None:
        body = orjson.loads(request.body)
        self.requests.append(body)
        self.urls.append(request.url)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise ErpConnectError("connection refused")
        rows = self.rows(body) if self.rows else self._rules(request.url, body)
        step = Step(200, orjson.dumps({"data": rows}))
        answer.status, answer.reason, answer.headers = step.status, None, dict(step.headers)
        answer.body, answer.truncated = step.body, False

    def _rules(self, url: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        if url == PRICES:
            return [
                {"sku": line["sku"], "unit_price": "9.50", "currency": body["currency"]}
                for line in body["lines"]
                if not line["sku"].startswith("NOPRICE")
            ]
        return [{"sku": sku, "available": "7"} for sku in body["skus"]]

    def calls(self, url: str) -> int:
        return self.urls.count(url)


def integration(
    *, prices: bool = True, stock: bool = True, price_age: int = 300, stale_age: int = 3600
) -> LiveIntegration:
    credentials = Credentials(auth_style="bearer", token="s3cret-token")
    urls = {Endpoint.PRICES: PRICES} if prices else {}
    if stock:
        urls[Endpoint.INVENTORY] = INVENTORY
    return LiveIntegration(
        store_id=STORE,
        installed=True,
        urls=urls,
        timeouts={e: 2.0 for e in Endpoint},
        credentials=credentials,
        tax_failure_policy="estimate",
        stale_max_age_seconds=stale_age,
        order_retry_hours=24,
        price_cache_seconds=price_age,
        stock_cache_seconds=30,
        notify_sender=None,
        notify_receivers=(),
        targets={
            endpoint: build_target(
                OPTIONS,
                store_id=STORE,
                endpoint=endpoint,
                url=url,
                timeout_seconds=2.0,
                credentials=credentials,
            )
            for endpoint, url in urls.items()
        },
    )


def asker(customer: str = "C1", currency: str = "USD") -> PriceAsker:
    actor = Actor(source="storefront", customer_code=customer)
    return PriceAsker(STORE, currency, customer, None, actor)


class Ticking:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def twin() -> ErpTwin:
    return ErpTwin()


@pytest.fixture
def ticking() -> Ticking:
    return Ticking()


@pytest.fixture
def live(twin: ErpTwin, ticking: Ticking) -> LivePrices:
    clock = Clock()
    clock.freeze(T0)
    prices = LivePrices(ErpGateway(OPTIONS, ListSink(), transport=twin), clock)
    prices.prices = AnswerCache(monotonic=ticking)
    prices.stock = AnswerCache(monotonic=ticking)
    return prices


def skus(count: int, prefix: str = "SKU") -> list[Wanted]:
    return [Wanted(f"{prefix}-{index:05d}") for index in range(count)]


async def test_a_page_is_asked_in_sku_order_at_most_100_lines_per_call(
    live: LivePrices, twin: ErpTwin
) -> None:
    wanted = [*reversed(skus(250)), Wanted("NOPRICE-1")]

    offers = await live.offers(integration(), asker(), wanted)

    price_requests = [r for r, url in zip(twin.requests, twin.urls, strict=True) if url == PRICES]
    assert sorted(len(r["lines"]) for r in price_requests) == [51, 100, 100]
    asked = [line["sku"] for r in price_requests for line in r["lines"]]
    assert sorted(asked) == sorted(w.sku for w in wanted)
    for request in price_requests:
        in_request = [line["sku"] for line in request["lines"]]
        assert in_request == sorted(in_request)
        assert request["customer_code"] == "C1" and request["currency"] == "USD"
        assert request["lines"][0]["quantity"] == "1"
    assert twin.calls(INVENTORY) == 3
    row = offers.price("SKU-00007")
    assert row is not None and row.unit_price == Decimal("9.50")
    assert offers.price("NOPRICE-1") is None  # the ERP does not price it: the catalog applies
    stock = offers.stock_of("SKU-00249")
    assert stock is not None and stock.available == Decimal(7)
    assert offers.references == {} and offers.prices_as_of is None


async def test_a_huge_page_is_bounded_and_never_floods_the_erp(
    live: LivePrices, twin: ErpTwin
) -> None:
    offers = await live.offers(integration(stock=False), asker(), skus(10_000))

    assert twin.calls(PRICES) == MAX_LIVE_SKUS // 100
    assert len(offers.prices) == MAX_LIVE_SKUS
    assert offers.price("SKU-09999") is None


async def test_answers_are_kept_for_the_stores_age_then_asked_again(
    live: LivePrices, twin: ErpTwin, ticking: Ticking
) -> None:
    page = [*skus(3), Wanted("NOPRICE-1")]
    await live.offers(integration(stock=False, price_age=300), asker(), page)
    ticking.now += 299
    again = await live.offers(integration(stock=False, price_age=300), asker(), page)

    assert twin.calls(PRICES) == 1  # the unpriced SKU is remembered too
    assert again.price("SKU-00001") is not None and again.price("NOPRICE-1") is None

    ticking.now += 2
    await live.offers(integration(stock=False, price_age=300), asker(), page)
    assert twin.calls(PRICES) == 2

    await live.offers(integration(stock=False, price_age=0), asker(), page)
    assert twin.calls(PRICES) == 3  # age 0: asked on every page


async def test_the_cache_is_per_customer_quantity_and_currency(
    live: LivePrices, twin: ErpTwin
) -> None:
    one = integration(stock=False)
    await live.offers(one, asker("C1"), [Wanted("A")])
    await live.offers(one, asker("C2"), [Wanted("A")])
    await live.offers(one, asker("C1"), [Wanted("A", Decimal(10))])
    await live.offers(one, asker("C1", currency="EUR"), [Wanted("A")])
    await live.offers(one, asker("C1"), [Wanted("A")])

    assert twin.calls(PRICES) == 4
    assert [r["customer_code"] for r in twin.requests] == ["C1", "C2", "C1", "C1"]
    assert twin.requests[2]["lines"] == [{"sku": "A", "quantity": "10"}]


async def test_changed_settings_drop_what_was_kept(live: LivePrices, twin: ErpTwin) -> None:
    await live.offers(integration(stock=False), asker(), [Wanted("A")])
    changed(INTEGRATIONS)  # e.g. the Prices URL now points at another ERP
    await live.offers(integration(stock=False), asker(), [Wanted("A")])

    assert twin.calls(PRICES) == 2


async def test_buyers_of_one_customer_loading_a_page_at_once_make_one_call_per_endpoint(
    live: LivePrices, twin: ErpTwin
) -> None:
    twin.delay = 0.05
    page = skus(50)

    results = await asyncio.gather(*(live.offers(integration(), asker(), page) for _ in range(200)))

    assert twin.calls(PRICES) == 1 and twin.calls(INVENTORY) == 1
    assert all(len(offers.prices) == 50 and len(offers.stock) == 50 for offers in results)


async def test_while_the_erp_fails_kept_answers_serve_as_of_their_time_and_the_rest_is_unknown(
    live: LivePrices, twin: ErpTwin, ticking: Ticking
) -> None:
    await live.offers(integration(price_age=60), asker(), [Wanted("A")])
    twin.fail = True
    ticking.now += 120  # past the price age, within the stale age
    live.clock.advance(seconds=120)

    offers = await live.offers(integration(price_age=60), asker(), [Wanted("A"), Wanted("B")])

    row = offers.price("A")
    assert row is not None and row.unit_price == Decimal("9.50")
    assert offers.prices_as_of == T0
    assert offers.price("B") is None  # never answered: the catalog price, marked
    assert offers.prices_failed and offers.references["prices"]
    stock = offers.stock_of("A")  # past the stock age too, kept within the stale age
    assert stock is not None and offers.stock_failed and offers.stock_as_of == T0
    assert offers.stock_of("B") is None  # stock never known is not invented


async def test_past_the_stale_age_a_kept_answer_is_not_used(
    live: LivePrices, twin: ErpTwin, ticking: Ticking
) -> None:
    await live.offers(integration(stock=False, stale_age=600), asker(), [Wanted("A")])
    twin.fail = True
    ticking.now += 601

    offers = await live.offers(integration(stock=False, stale_age=600), asker(), [Wanted("A")])

    assert offers.price("A") is None and offers.prices_as_of is None and offers.prices_failed


async def test_nothing_is_asked_without_the_urls(live: LivePrices, twin: ErpTwin) -> None:
    offers = await live.offers(integration(prices=False, stock=False), asker(), skus(5))

    assert twin.requests == []
    assert not offers.prices_on and not offers.stock_on and offers.prices == {}


def _row(sku: str, price: Any = "5.00", currency: str = "USD", **more: Any) -> dict[str, Any]:
    return {"sku": sku, "unit_price": price, "currency": currency, **more}


async def test_bad_rows_are_refused_one_by_one_and_the_others_used(
    live: LivePrices, twin: ErpTwin
) -> None:
    twin.rows = lambda body: [
        _row("GOOD", 12.5, list_price="14", price_breaks=[{"min_quantity": 10, "unit_price": 11}]),
        _row("NOT-ASKED"),
        _row("TWICE-SAME", "3.00"),
        _row("TWICE-SAME", "3.00"),
        _row("TWICE-DIFF", "3.00"),
        _row("TWICE-DIFF", "2.00"),
        _row("ZERO", "0"),
        _row("NEGATIVE", "-1.00"),
        _row("EURO", "4.00", currency="EUR"),
        _row("LOWER", "4.00", currency="usd"),
        _row("BAD-BREAK", "4.00", price_breaks=[{"min_quantity": 5, "unit_price": "-1"}]),
    ]
    asked = ["GOOD", "TWICE-SAME", "TWICE-DIFF", "ZERO", "NEGATIVE", "EURO", "LOWER", "BAD-BREAK"]

    offers = await live.offers(integration(stock=False), asker(), [Wanted(s) for s in asked])

    good = offers.price("GOOD")
    assert good is not None and good.unit_price == Decimal("12.5")
    assert good.list_price == Decimal(14)
    assert [(b.min_quantity, b.unit_price) for b in good.price_breaks] == [
        (Decimal(10), Decimal(11))
    ]
    assert offers.price("TWICE-SAME") is not None and offers.price("LOWER") is not None
    for refused in ("TWICE-DIFF", "ZERO", "NEGATIVE", "EURO", "BAD-BREAK"):
        assert offers.price(refused) is None, refused
    assert offers.price("NOT-ASKED") is None
    assert offers.references == {}  # the answer itself was fine


async def test_stock_as_text_or_float_is_read_and_a_conflicting_row_is_refused(
    live: LivePrices, twin: ErpTwin
) -> None:
    twin.rows = lambda body: [
        {"sku": "TEXT", "available": "12", "warehouses": [{"code": "W1", "available": 12}]},
        {"sku": "FLOAT", "available": 12.5, "backorderable": True},
        {"sku": "DIFF", "available": 1},
        {"sku": "DIFF", "available": 2},
        {"sku": "OTHER", "available": 3},
    ]
    offers = await live.offers(
        integration(prices=False), asker(), [Wanted(s) for s in ("TEXT", "FLOAT", "DIFF")]
    )

    text, decimal = offers.stock_of("TEXT"), offers.stock_of("FLOAT")
    assert text is not None and text.available == Decimal(12)
    assert [w.code for w in text.warehouses] == ["W1"]
    assert decimal is not None and decimal.available == Decimal("12.5") and decimal.backorderable
    assert offers.stock_of("DIFF") is None and offers.stock_of("OTHER") is None


async def test_an_answer_for_another_customer_is_refused_whole(
    live: LivePrices, twin: ErpTwin
) -> None:
    twin.rows = lambda body: [_row("A", customer_code="C2")]

    offers = await live.offers(integration(stock=False), asker("C1"), [Wanted("A")])

    assert offers.price("A") is None and offers.prices_failed


async def test_an_answer_that_breaks_the_contract_fails_the_call(
    live: LivePrices, twin: ErpTwin
) -> None:
    twin.rows = lambda body: [{"sku": "A", "unit_price": "1,234.50", "currency": "USD"}]

    offers = await live.offers(integration(stock=False), asker(), [Wanted("A")])

    assert offers.price("A") is None and offers.prices_failed
    sink = live.gateway.sink
    assert isinstance(sink, ListSink)
    [outcome] = sink.outcomes
    assert outcome.error is not None and "unit_price is not a number" in outcome.error.human


async def test_a_sku_is_asked_at_one_quantity_per_request(live: LivePrices, twin: ErpTwin) -> None:
    wanted = [Wanted("A", Decimal(1)), Wanted("B"), Wanted("A", Decimal(10))]

    offers = await live.offers(integration(stock=False), asker(), wanted)

    [request] = twin.requests
    assert request["lines"] == [{"sku": "A", "quantity": "1"}, {"sku": "B", "quantity": "1"}]
    assert offers.price("A") is not None and offers.price("A", Decimal(10)) is None
