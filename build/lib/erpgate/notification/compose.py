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
class ProblemFacts:
    """What a problem e-mail says: the problem as the admin's Problems page shows it."""

    endpoint: Endpoint
    error: str
    error_kind: str
    customer_code: str | None  # only for a problem of one customer account
    opened_at: datetime
    last_seen: datetime
    occurrences: int
    refusals: int
    customers: int
    reference: str  # the problem's code: every buyer reference of it starts with this
    problem_url: str
    held_back: int = 0  # failures since the last e-mail about it


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _scope_line(facts: ProblemFacts) -> str:
    if facts.customer_code:
        return f"Customer account: {facts.customer_code} (only this account fails)"
    return f"Customer accounts affected so far: {facts.customers}"


def _counts_line(facts: ProblemFacts) -> str:
    line = f"Failures: {facts.occurrences}"
    if facts.refusals:
        line += f", and {facts.refusals} calls held back by the circuit breaker"
    return line


def problem_opened_mail(facts: ProblemFacts) -> tuple[str, str]:
    subject = one_line(f"ERP integration problem: {facts.endpoint.label} — {facts.error}")
    lines = [
        f"Calls to the ERP are failing: {facts.endpoint.label}.",
        "",
        f"Error: {one_line(facts.error, 500)} ({facts.error_kind})",
        _scope_line(facts),
        f"Since: {_when(facts.opened_at)}",
        _counts_line(facts),
        f"Problem: {facts.reference} — {facts.problem_url}",
        "",
        "Buyers see a calm message with a reference starting with the problem's code.",
        "You get one more e-mail when it is resolved; acknowledge it to stop reminders.",
    ]
    return subject, "\n".join(lines) + "\n"


def problem_digest_mail(facts: ProblemFacts) -> tuple[str, str]:
    subject = one_line(f"ERP integration problem continues: {facts.endpoint.label} — {facts.error}")
    lines = [
        f"{facts.endpoint.label} is still failing.",
        "",
        f"Error: {one_line(facts.error, 500)} ({facts.error_kind})",
        _scope_line(facts),
        f"Since: {_when(facts.opened_at)}; last failure {_when(facts.last_seen)}",
        _counts_line(facts),
        f"Failures since the last e-mail: {facts.held_back}",
        f"Problem: {facts.reference} — {facts.problem_url}",
        "",
        "Acknowledge the problem to stop these reminders.",
    ]
    return subject, "\n".join(lines) + "\n"


def problem_resolved_mail(facts: ProblemFacts, resolved_at: datetime, how: str) -> tuple[str, str]:
    subject = one_line(f"ERP integration problem resolved: {facts.endpoint.label}")
    lines = [
        f"{facts.endpoint.label} works again ({how}).",
        "",
        f"Error that had been reported: {one_line(facts.error, 500)} ({facts.error_kind})",
        _scope_line(facts),
        f"From {_when(facts.opened_at)} to {_when(resolved_at)}",
        _counts_line(facts),
        f"Problem: {facts.reference} — {facts.problem_url}",
    ]
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
