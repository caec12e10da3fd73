"""Mail backends: SES v2 (aiobotocore), SMTP (aiosmtplib) and .eml files for the demo."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from erpgate.config import Settings
from erpgate.notification.compose import OutgoingMail

SMTP_TIMEOUT_SECONDS = 20.0
# SES answers that will not change on a retry.
SES_PERMANENT = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "AccountSuspendedException",
        "SendingPausedException",
        "BadRequestException",
        "NotFoundException",
        "InvalidParameterValue",
    }
)


class MailSendError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class MailBackend(Protocol):
    name: str

    async def send(self, mail: OutgoingMail) -> str:
        """Send and return the provider's message id; raise MailSendError."""
        ...

    async def already_sent(self, mail: OutgoingMail) -> bool:
        """Whether this Message-ID already left (only a backend that can tell says True)."""
        ...


class FileBackend:
    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, mail: OutgoingMail) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", mail.message_id.strip("<>"))
        return self.directory / f"{safe}.eml"

    async def send(self, mail: OutgoingMail) -> str:
        data = mail.to_email_message().as_bytes()
        path = self.path_for(mail)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".eml.part")
            partial.write_bytes(data)
            os.replace(partial, path)  # atomic: a reader never sees half a message

        await asyncio.to_thread(write)
        return str(path.name)

    async def already_sent(self, mail: OutgoingMail) -> bool:
        return await asyncio.to_thread(self.path_for(mail).exists)


class SmtpBackend:
    name = "smtp"

    def __init__(self, settings: Settings, *, cert_bundle: str | None = None) -> None:
        self.settings = settings
        self.cert_bundle = cert_bundle

    async def send(self, mail: OutgoingMail) -> str:
        s = self.settings
        options: dict[str, Any] = {
            "hostname": s.smtp_host,
            "port": s.smtp_port,
            "timeout": SMTP_TIMEOUT_SECONDS,
            "use_tls": s.smtp_security == "tls",
            "start_tls": s.smtp_security == "starttls",
        }
        if self.cert_bundle:
            options["cert_bundle"] = self.cert_bundle
        if s.smtp_username:
            options["username"] = s.smtp_username
            options["password"] = s.smtp_password.get_secret_value() if s.smtp_password else ""
        try:
            refused, _reply = await aiosmtplib.send(mail.to_email_message(), **options)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise MailSendError(f"SMTP refused every receiver: {exc}", permanent=True) from None
        except aiosmtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.code < 600
            raise MailSendError(f"SMTP {exc.code}: {exc.message}", permanent=permanent) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailSendError(f"SMTP server unreachable: {exc}", permanent=False) from None
        if refused:
            return "partial; refused: " + ", ".join(sorted(refused))
        return mail.message_id

    async def already_sent(self, mail: OutgoingMail) -> bool:
        return False  # SMTP cannot be asked; the stable Message-ID lets readers spot a repeat


class SesBackend:
    name = "ses"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _client_options(self) -> dict[str, Any]:
        s = self.settings
        options: dict[str, Any] = {}
        if s.ses_region:
            options["region_name"] = s.ses_region
        if s.ses_endpoint_url:
            options["endpoint_url"] = s.ses_endpoint_url
        # Without explicit keys botocore reads the standard AWS environment and profiles.
        if s.ses_access_key_id and s.ses_secret_access_key:
            options["aws_access_key_id"] = s.ses_access_key_id
            options["aws_secret_access_key"] = s.ses_secret_access_key.get_secret_value()
        return options

    async def send(self, mail: OutgoingMail) -> str:
        mail.checked()
        content = {
            "Simple": {
                "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": mail.body, "Charset": "UTF-8"}},
            }
        }
        try:
            async with get_session().create_client("sesv2", **self._client_options()) as ses:
                answer = await ses.send_email(
                    FromEmailAddress=mail.sender,
                    Destination={"ToAddresses": list(mail.receivers)},
                    Content=content,
                )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            reason = f"SES {code}: {error.get('Message', '')}".strip()
            raise MailSendError(reason, permanent=code in SES_PERMANENT) from None
        except BotoCoreError as exc:
            raise MailSendError(f"SES unreachable: {exc}", permanent=False) from None
        return str(answer.get("MessageId", ""))

    async def already_sent(self, mail: OutgoingMail) -> bool:
        return False


def backend_from_settings(settings: Settings) -> MailBackend:
    if settings.mail_backend == "ses":
        return SesBackend(settings)
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings)
    return FileBackend(settings.mail_dir)
