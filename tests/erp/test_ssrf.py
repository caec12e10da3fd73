"""The SSRF guard: URL rules, address classes, the settings-form check, the connect-time check."""

from __future__ import annotations

import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from tests.erp.loopback import (
    PAYLOAD,
    TRACE_ID,
    ListAnswer,
    answer_json,
    loopback_server,
    started_client,
    target,
)

from erpgate.erp.errors import ErpBlockedError
from erpgate.erp.options import ErpClientOptions
from erpgate.erp.ssrf import GuardedResolver, SsrfRefused, check_url, forbidden_reason, url_refusal

STRICT = ErpClientOptions()


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("ftp://erp.example.com/orders", "Only http and https addresses can be called, not ftp"),
        ("file:///etc/passwd", "Only http and https addresses can be called, not file"),
        (
            "https://user:pw@erp.example.com/orders",
            "Addresses with a user name or password are refused; use the Key and Token settings",
        ),
        ("https://erp.example.com/my orders", "The address contains spaces or control characters"),
        ("https://erp.example.com:0/orders", "Port 0 is not a valid port"),
        ("https://erp.example.com:99999/orders", "Port 99999 is not a valid port"),
        ("http://127.0.0.1/orders", "Refused to call 127.0.0.1: loopback address"),
        ("http://10.0.0.5/orders", "Refused to call 10.0.0.5: private address"),
        ("http://169.254.169.254/latest", "Refused to call 169.254.169.254: link-local address"),
        ("http://100.64.1.2/orders", "Refused to call 100.64.1.2: shared (CGNAT) address"),
        ("http://[::1]/orders", "Refused to call ::1: loopback address"),
        ("http://[::ffff:127.0.0.1]/orders", "Refused to call ::ffff:7f00:1: loopback address"),
        ("http://0.0.0.0/orders", "Refused to call 0.0.0.0: unspecified address"),
        ("http://224.0.0.1/orders", "Refused to call 224.0.0.1: multicast address"),
        ("/orders", "Only http and https addresses can be called, not a relative address"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, sentence: str) -> None:
    assert url_refusal(url, STRICT) == sentence


def test_public_and_unicode_hosts_pass_the_url_rules() -> None:
    assert url_refusal("https://erp.example.com/orders", STRICT) is None
    assert url_refusal("https://bücher.example/orders", STRICT) is None
    assert url_refusal("http://93.184.216.34/orders", STRICT) is None


def test_https_is_required_in_production_except_for_allowlisted_hosts() -> None:
    production = ErpClientOptions(require_https=True, allowed_private_hosts=frozenset({"erp.lan"}))

    assert url_refusal("http://erp.example.com/x", production) == (
        "Only https addresses can be called in production"
    )
    assert url_refusal("https://erp.example.com/x", production) is None
    assert url_refusal("http://ERP.lan./x", production) is None


def test_allowlisted_private_host_is_exempt() -> None:
    allow = ErpClientOptions(allowed_private_hosts=frozenset({"10.0.0.5", "Bücher.Example"}))

    assert url_refusal("http://10.0.0.5/orders", allow) is None
    assert allow.allowed_private_hosts == frozenset({"10.0.0.5", "xn--bcher-kva.example"})


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("192.168.1.1", "private address"),
        ("172.16.0.1", "private address"),
        ("fd00::1", "private address"),
        ("fe80::1", "link-local address"),
        ("::ffff:10.0.0.1", "private address"),
        ("100.127.255.255", "shared (CGNAT) address"),
        ("240.0.0.1", "reserved address"),
        ("::", "unspecified address"),
        ("ff02::1", "multicast address"),
        ("192.0.2.10", "private address"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_classes(address: str, reason: str | None) -> None:
    assert forbidden_reason(address) == reason


async def test_check_url_refuses_an_unresolvable_host() -> None:
    assert await check_url("https://nonexistent.invalid/orders", STRICT) == (
        "Host nonexistent.invalid could not be resolved"
    )
    assert await check_url("https://bücher.invalid/orders", STRICT) == (
        "Host xn--bcher-kva.invalid could not be resolved"
    )


async def test_check_url_refuses_a_name_resolving_to_loopback_unless_allowlisted() -> None:
    assert await check_url("http://localhost:8080/orders", STRICT) == (
        "Refused to call localhost: it resolves to 127.0.0.1, a loopback address"
    )
    allow = ErpClientOptions(allowed_private_hosts=frozenset({"localhost"}))
    assert await check_url("http://localhost:8080/orders", allow) is None


async def test_check_url_passes_url_rule_failures_through() -> None:
    assert await check_url("ftp://x.example/", STRICT) == (
        "Only http and https addresses can be called, not ftp"
    )


async def test_client_refuses_a_private_literal_without_any_io() -> None:
    strict = ErpClientOptions()
    async with loopback_server() as erp, started_client(strict) as (client, sink):
        url = erp.route("/orders", answer_json({"data": []}))

        with pytest.raises(ErpBlockedError) as caught:
            await client.call(
                target(url, opts=strict),
                PAYLOAD,
                ListAnswer,
                trace_id=TRACE_ID,
                expected_customer_code=None,
            )

    assert caught.value.human == "Refused to call 127.0.0.1: loopback address"
    assert caught.value.kind == "ssrf"
    assert erp.hits("/orders") == 0
    assert sink.records == []
    assert client.erp_calls_made == 0


async def test_localhost_is_refused_at_connect_time_unless_allowlisted() -> None:
    async with loopback_server() as erp:
        erp.route("/orders", answer_json({"data": []}))
        url = erp.url("/orders", host="localhost")
        async with started_client(ErpClientOptions()) as (client, sink):
            with pytest.raises(ErpBlockedError) as caught:
                await client.call(
                    target(url),
                    PAYLOAD,
                    ListAnswer,
                    trace_id=TRACE_ID,
                    expected_customer_code=None,
                )
        assert caught.value.kind == "ssrf"
        assert caught.value.human.startswith("Refused to call localhost: it resolves to ")
        assert erp.hits("/orders") == 0
        [record] = sink.records
        assert (record.status, record.error) == (None, caught.value.human)

        allow = ErpClientOptions(allowed_private_hosts=frozenset({"localhost"}))
        async with started_client(allow) as (client, _):
            result = await client.call(
                target(url), PAYLOAD, ListAnswer, trace_id=TRACE_ID, expected_customer_code=None
            )
        assert result.data == []
        assert erp.hits("/orders") == 1


class RebindingResolver(AbstractResolver):
    """A DNS server that answers with whatever address it is told: the rebinding attacker."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0
            )
            for address in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_public_name_rebound_to_loopback_is_refused_where_the_connection_is_made() -> None:
    async with loopback_server() as erp:
        erp.route("/orders", answer_json({"data": []}))
        url = erp.url("/orders", host="erp.rebind.example")
        async with started_client(
            ErpClientOptions(), dns_resolver=RebindingResolver("127.0.0.1")
        ) as (client, _):
            assert url_refusal(url, client.options) is None  # the URL alone looks fine
            with pytest.raises(ErpBlockedError) as caught:
                await client.call(
                    target(url),
                    PAYLOAD,
                    ListAnswer,
                    trace_id=TRACE_ID,
                    expected_customer_code=None,
                )

        assert caught.value.human == (
            "Refused to call erp.rebind.example: it resolves to 127.0.0.1, a loopback address"
        )
        assert erp.hits("/orders") == 0


async def test_guarded_resolver_keeps_only_public_answers() -> None:
    guarded = GuardedResolver(ErpClientOptions(), RebindingResolver("10.0.0.1", "93.184.216.34"))

    answers = await guarded.resolve("erp.example.com", 443)

    assert [a["host"] for a in answers] == ["93.184.216.34"]
    with pytest.raises(SsrfRefused):
        await GuardedResolver(ErpClientOptions(), RebindingResolver("::1")).resolve("x.example")
