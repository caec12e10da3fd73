"""ERPGATE_ALLOWED_PRIVATE_HOSTS entries name a host, optionally a port and stores; the URL check,
the settings-form check and the connect-time resolver all honour the port and the store."""

from __future__ import annotations

import uuid

import pytest
from tests.erp.loopback import (
    PAYLOAD,
    TRACE_ID,
    ListAnswer,
    answer_json,
    loopback_server,
    started_client,
    target,
)
from tests.erp.test_ssrf import RebindingResolver

from erpgate.config import ConfigError, load_settings
from erpgate.erp.errors import ErpBlockedError
from erpgate.erp.options import ErpClientOptions, PrivateHost
from erpgate.erp.ssrf import GuardedResolver, SsrfRefused, check_url, url_refusal

DEMO, ACME = uuid.uuid4(), uuid.uuid4()


def _options(*entries: str) -> ErpClientOptions:
    return ErpClientOptions(
        allowed_private_hosts=frozenset(entries), store_slugs={DEMO: "demo", ACME: "acme"}
    )


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("127.0.0.1", PrivateHost("127.0.0.1")),
        ("127.0.0.1:8100", PrivateHost("127.0.0.1", 8100)),
        (" ERP.lan.:8443@demo ", PrivateHost("erp.lan", 8443, "demo")),
        ("erp.lan@demo", PrivateHost("erp.lan", None, "demo")),
        ("[::1]:8100@acme", PrivateHost("::1", 8100, "acme")),
        ("::1", PrivateHost("::1")),
        ("[::1]", PrivateHost("::1")),
        ("Bücher.Example", PrivateHost("xn--bcher-kva.example")),
        ("erp_mock:8100", PrivateHost("erp_mock", 8100)),
    ],
)
def test_entries_name_a_host_and_optionally_a_port_and_a_store(
    entry: str, parsed: PrivateHost
) -> None:
    assert PrivateHost.parse(entry) == parsed
    assert PrivateHost.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("127.0.0.1:99999", "port '99999' is not a port number (1-65535)"),
        ("127.0.0.1:", "port '' is not a port number (1-65535)"),
        ("http://erp.lan:8100", "write a host, not a URL"),
        ("erp lan", "'erp lan' is not a host name or an IP address"),
        ("[::1:8100", "an IPv6 address in brackets needs its closing ]"),
        ("[erp.lan]:80", "'erp.lan' in brackets is not an IPv6 address"),
        ("1::2::3", "'1::2::3' is not a host name or an IP address"),
        ("127.0.0.1:8100@", "'' is not a store slug (lower-case letters, digits and dashes)"),
        (
            "127.0.0.1:8100@Demo Shop",
            "'Demo Shop' is not a store slug (lower-case letters, digits and dashes)",
        ),
        ("@demo", "'' is not a host name or an IP address"),
    ],
)
def test_malformed_entries_are_refused_with_a_reason(entry: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        PrivateHost.parse(entry)
    assert str(caught.value) == reason


def test_settings_split_entries_and_give_following_store_names_to_the_entry_before() -> None:
    settings = load_settings(allowed_private_hosts=" 127.0.0.1:8100@demo,acme, erp.lan ,,")
    assert settings.allowed_private_hosts == [
        "127.0.0.1:8100@demo",
        "127.0.0.1:8100@acme",
        "erp.lan",
    ]


def test_a_malformed_entry_refuses_to_start_naming_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(allowed_private_hosts="127.0.0.1:8100, erp.lan:http")
    assert str(caught.value) == (
        "ERPGATE_ALLOWED_PRIVATE_HOSTS: entry 'erp.lan:http' is not valid: port 'http' is not "
        "a port number (1-65535); write host, host:port or host:port@store"
    )


def test_a_port_entry_allows_that_port_only() -> None:
    options = _options("127.0.0.1:8100")
    assert url_refusal("http://127.0.0.1:8100/erp/orders", options) is None
    assert url_refusal("http://127.0.0.1:8101/erp/orders", options) == (
        "Refused to call 127.0.0.1: loopback address"
    )
    assert url_refusal("http://127.0.0.1/erp/orders", options) == (
        "Refused to call 127.0.0.1: loopback address"
    )


def test_a_store_entry_allows_that_store_only() -> None:
    options = _options("127.0.0.1:8100@demo", "erp.lan@demo")
    url = "http://127.0.0.1:8100/erp/orders"
    assert url_refusal(url, options, DEMO) is None
    assert url_refusal(url, options, ACME) == "Refused to call 127.0.0.1: loopback address"
    assert url_refusal(url, options) == "Refused to call 127.0.0.1: loopback address"
    # A name is refused before any look-up: the resolver cannot tell stores apart.
    assert url_refusal("http://erp.lan/x", options, DEMO) is None
    assert url_refusal("http://erp.lan/x", options, ACME) == (
        "Refused to call erp.lan: it is a private host this store may not call"
    )


def test_production_https_exemption_follows_port_and_store() -> None:
    options = ErpClientOptions(
        allowed_private_hosts=frozenset({"erp.lan:8080@demo"}),
        store_slugs={DEMO: "demo"},
        require_https=True,
    )
    assert url_refusal("http://erp.lan:8080/x", options, DEMO) is None
    assert url_refusal("http://erp.lan:8081/x", options, DEMO) == (
        "Only https addresses can be called in production"
    )
    assert url_refusal("http://erp.lan:8080/x", options, ACME) == (
        "Only https addresses can be called in production"
    )


async def test_the_settings_form_check_honours_port_and_store() -> None:
    options = _options("localhost:8100@demo")
    assert await check_url("http://localhost:8100/erp", options, DEMO) is None
    assert await check_url("http://localhost:8100/erp", options, ACME) == (
        "Refused to call localhost: it is a private host this store may not call"
    )
    assert await check_url("http://localhost:8101/erp", options, DEMO) == (
        "Refused to call localhost: it resolves to 127.0.0.1, a loopback address"
    )


async def test_the_resolver_lets_a_listed_name_through_on_its_port_only() -> None:
    guarded = GuardedResolver(_options("erp.lan:8100@demo"), RebindingResolver("10.0.0.7"))

    assert [a["host"] for a in await guarded.resolve("erp.lan", 8100)] == ["10.0.0.7"]
    with pytest.raises(SsrfRefused):
        await guarded.resolve("erp.lan", 8101)


async def test_the_client_calls_a_listed_port_for_its_store_only() -> None:
    async with loopback_server() as erp:
        erp.route("/orders", answer_json({"data": []}))
        url = erp.url("/orders")
        options = _options(f"127.0.0.1:{erp.port}@demo")
        async with started_client(options) as (client, _):
            outcomes = []
            for store_id in (DEMO, ACME, None):
                try:
                    await client.call(
                        target(url, store_id=store_id, opts=options),
                        PAYLOAD,
                        ListAnswer,
                        trace_id=TRACE_ID,
                        expected_customer_code=None,
                    )
                    outcomes.append("called")
                except ErpBlockedError as exc:
                    outcomes.append(exc.human)
        refused = "Refused to call 127.0.0.1: loopback address"
        assert outcomes == ["called", refused, refused]
        assert erp.hits("/orders") == 1
