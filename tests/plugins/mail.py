"""Real mail parts for tests: an aiosmtpd SMTP sink and moto's SES API server, both on loopback."""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A plain SMTP server that keeps every message it receives."""
    port = free_port()
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@dataclass
class MotoSes:
    endpoint_url: str
    region: str = "us-east-1"

    def sent_messages(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.endpoint_url + "/moto-api/data.json") as answer:  # noqa: S310
            data = json.load(answer)
        messages: list[dict[str, Any]] = data.get("ses", {}).get("Message", [])
        return messages

    def reset(self) -> None:
        request = urllib.request.Request(self.endpoint_url + "/moto-api/reset", method="POST")  # noqa: S310
        urllib.request.urlopen(request).close()  # noqa: S310


@pytest.fixture(scope="session")
def _moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_ses(_moto_server: str) -> Iterator[MotoSes]:
    """moto's AWS API on loopback, emptied for each test."""
    ses = MotoSes(_moto_server)
    ses.reset()
    yield ses
    ses.reset()
