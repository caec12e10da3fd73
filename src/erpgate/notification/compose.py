"""What an integration e-mail says, and the header checks that keep it from being hijacked.

Only facts a person needs go in: endpoint label, customer account code, the short error, the
time, the reference code and a link. Never a payload, a header or a credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from email_validator import EmailNotValidError, validate_email

from erpgate.erp.endpoints import Endpoint
from erpgate.errors import ValidationFailed

SUBJECT_LIMIT = 200
_WHITESPACE = re.compile(r"\s+")


def refuse_newlines(value: str, field: str) -> str:
    """Header injection guard: a CR or LF in an address or subject is refused, never stripped."""
    if "\r" in value or "\n" in value:
        raise ValidationFailed(
            f"The {field} must be on one line.", fields={field: "Line breaks are not allowed."}
        )
    return value


def is_valid_address(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def validate_mail_settings(sender: str | None, receivers: list[str]) -> None:
    """For the integration settings form: refuse line breaks and malformed addresses."""
    fields: dict[str, str] = {}
    if sender:
        refuse_newlines(sender, "sender")
        if not is_valid_address(sender):
            fields["sender"] = "Not a valid e-mail address."
    for receiver in receivers:
        refuse_newlines(receiver, "receiver")
        if not is_valid_address(receiver):
            fields["receivers"] = f"Not a valid e-mail address: {receiver}"
    if fields:
        raise ValidationFailed("Some e-mail addresses are not valid.", fields=fields)


def split_receivers(receivers: list[str]) -> tuple[list[str], list[str]]:
    """Valid and invalid receivers: one bad address must not stop the others from being told."""
    valid: list[str] = []
    invalid: list[str] = []
    for receiver in receivers:
        refuse_newlines(receiver, "receiver")
        (valid if is_valid_address(receiver) else invalid).append(receiver)
    return valid, invalid


def one_line(text: str, limit: int = SUBJECT_LIMIT) -> str:
    """ERP-provided words may carry line breaks; in a subject they become spaces."""
    flat = _WHITESPACE.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class ErrorFacts:
    endpoint: Endpoint
    event_type: str
    error: str
    error_kind: str
    customer_code: str | None
    occurred_at: datetime
    trace_id: str
    event_url: str
    held_back: int


def error_mail(facts: ErrorFacts) -> tuple[str, str]:
    subject = one_line(f"ERP integration error: {facts.endpoint.label} — {facts.error}")
    lines = [
        f"A call to the ERP failed: {facts.endpoint.label} ({facts.event_type}).",
        "",
        f"Customer account: {facts.customer_code or '(none)'}",
        f"Error: {one_line(facts.error, 500)}",
        f"When: {facts.occurred_at.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"Reference code: {facts.trace_id}",
        f"Event: {facts.event_url}",
    ]
    if facts.held_back:
        lines += [
            "",
            f"And {facts.held_back} more like it since the last e-mail "
            "(held back so you get at most one e-mail per endpoint and error kind per window).",
        ]
    return subject, "\n".join(lines) + "\n"


def recovered_mail(
    endpoint: Endpoint, recovered_at: datetime, held_back: int, kinds: list[str]
) -> tuple[str, str]:
    subject = one_line(f"ERP integration recovered: {endpoint.label}")
    lines = [
        f"{endpoint.label} answered successfully again.",
        "",
        f"When: {recovered_at.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"Errors that had been reported: {', '.join(sorted(kinds))}",
    ]
    if held_back:
        lines.append(f"Failures held back since the last error e-mail: {held_back}")
    return subject, "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    sender: str
    receivers: tuple[str, ...]
    subject: str
    body: str
    message_id: str

    def checked(self) -> OutgoingMail:
        refuse_newlines(self.sender, "sender")
        refuse_newlines(self.subject, "subject")
        for receiver in self.receivers:
            refuse_newlines(receiver, "receiver")
        return self

    def to_email_message(self) -> EmailMessage:
        self.checked()
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.receivers)
        message["Subject"] = self.subject
        message["Message-ID"] = self.message_id
        message.set_content(self.body)
        return message


def message_id_for(notification_id: str) -> str:
    return f"<{notification_id}@erpgate>"
