"""SMTP with STARTTLS and implicit TLS, with authentication, against a real aiosmtpd server."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from erpgate.config import Settings
from erpgate.notification.backends import MailSendError, SmtpBackend
from erpgate.notification.compose import OutgoingMail
from tests.plugins.mail import SmtpSink, free_port

USER, PASSWORD = "alerts", "smtp-pass-123"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    return AuthResult(success=(data.login, data.password) == (USER.encode(), PASSWORD.encode()))


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context


@pytest.fixture(params=["starttls", "tls"])
def secure_sink(
    request: pytest.FixtureRequest, certificate: tuple[Path, ssl.SSLContext]
) -> Iterator[tuple[str, SmtpSink, Path]]:
    cert_path, context = certificate
    sink = SmtpSink("127.0.0.1", free_port())
    if request.param == "starttls":
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=sink.port,
            tls_context=context,
            require_starttls=True,
            authenticator=_authenticate,
        )
    else:
        controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=sink.port,
            ssl_context=context,
            authenticator=_authenticate,
            auth_require_tls=False,
        )
    controller.start()
    try:
        yield request.param, sink, cert_path
    finally:
        controller.stop()


def _mail() -> OutgoingMail:
    return OutgoingMail(
        "erp-alerts@shop.example.com",
        ("it@shop.example.com",),
        "ERP orders failing",
        "The orders endpoint failed.",
        "<n1@erpgate>",
    )


def _settings(mode: str, port: int, password: str) -> Settings:
    return Settings(
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=mode,
        smtp_username=USER,
        smtp_password=password,
    )


async def test_mail_goes_out_encrypted_and_authenticated(
    secure_sink: tuple[str, SmtpSink, Path],
) -> None:
    mode, sink, cert_path = secure_sink
    backend = SmtpBackend(_settings(mode, sink.port, PASSWORD), cert_bundle=str(cert_path))
    assert await backend.send(_mail()) == "<n1@erpgate>"
    assert [m["Subject"] for m in sink.messages] == ["ERP orders failing"]
    assert sink.envelopes == [("erp-alerts@shop.example.com", ["it@shop.example.com"])]


async def test_an_untrusted_certificate_is_refused(
    secure_sink: tuple[str, SmtpSink, Path],
) -> None:
    mode, sink, _cert_path = secure_sink
    backend = SmtpBackend(_settings(mode, sink.port, PASSWORD))  # system CAs only
    with pytest.raises(MailSendError) as caught:
        await backend.send(_mail())
    assert caught.value.permanent is False
    assert sink.messages == []
