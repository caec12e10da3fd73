"""References: what a buyer quotes when the ERP failed, built so it resolves even after a crash.

A reference is the problem's code and the time of the failure in milliseconds, both in Crockford
base32 (no I, L, O or U to misread): ``7KQ2MX-1JF4T8AZC``. The problem row is written before the
first reference naming it is handed out, so every reference leads at least to its problem and
the moment it happened, and to its event once the writer has stored that.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
TIME_LENGTH = 9  # 32**9 ms: good until the year 3084
# A reference exactly as erpgate prints it (what a page or an e-mail shows).
REFERENCE_PATTERN = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}-[{ALPHABET}]{{{TIME_LENGTH}}}$")
_VALUES = {char: index for index, char in enumerate(ALPHABET)}
# Crockford: letters people confuse read as the digit they look like.
_VALUES.update({"O": 0, "I": 1, "L": 1})


def new_problem_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _encode(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def format_reference(code: str, at: datetime) -> str:
    millis = int(at.timestamp() * 1000)
    return f"{code}-{_encode(millis, TIME_LENGTH)}"


def parse_reference(text: str) -> tuple[str, datetime] | None:
    """(problem code, time) of a reference as a person typed it, or None when it is not one."""
    cleaned = text.strip().upper().replace(" ", "").replace("-", "")
    if len(cleaned) != CODE_LENGTH + TIME_LENGTH:
        return None
    try:
        code = "".join(ALPHABET[_VALUES[char]] for char in cleaned[:CODE_LENGTH])
        millis = 0
        for char in cleaned[CODE_LENGTH:]:
            millis = millis * 32 + _VALUES[char]
        at = datetime.fromtimestamp(millis / 1000, UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None
    return code, at


def normalize_reference(text: str) -> str | None:
    """The reference in the form it is stored in, or None when the text is not one."""
    parsed = parse_reference(text)
    return None if parsed is None else format_reference(*parsed)
