"""CSV import of customer accounts and their users: checked row by row, written all or nothing.

One file holds both: each row names a customer account by ``customer_code`` (created when new) and,
optionally, one user of it. Nothing is written unless every row is right, so a merchant can fix the
file and upload it again without cleaning up half an import.
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import repository
from erpgate.customer.service import (
    ACCOUNT_NAME_MAX,
    SELLER_REFERENCE_MAX,
    USER_NAME_MAX,
    customer_code_problem,
    too_long,
)
from erpgate.errors import ValidationFailed
from erpgate.kit.ids import new_uuid
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.user import PERMISSIONS, User

MAX_BYTES = 5 * 1024 * 1024
# Above this the import would hold one transaction (and the admin's browser) for too long; bigger
# lists are split into several files. Documented in docs/admin.md.
MAX_ROWS = 10_000
MAX_REPORTED_ERRORS = 200
INSERT_BATCH = 500
COLUMNS = ("customer_code", "account_name", "seller_reference", "email", "name", "permissions")
REQUIRED = ("customer_code",)
LENGTHS = {
    "account_name": ACCOUNT_NAME_MAX,
    "seller_reference": SELLER_REFERENCE_MAX,
    "name": USER_NAME_MAX,
}


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # line number in the file; the header is line 1
    column: str
    message: str


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    accounts_created: int = 0
    users_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0  # errors beyond MAX_REPORTED_ERRORS, counted but not listed

    @property
    def ok(self) -> bool:
        return not self.errors


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": message})


def decode(data: bytes) -> str:
    """UTF-8 text without a BOM, or a ValidationFailed the merchant can act on."""
    if len(data) > MAX_BYTES:
        raise _refuse(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    if not data.strip():
        raise _refuse("The file is empty.")
    if b"\x00" in data:
        # Spreadsheets never write NUL; a file holding one is binary (or UTF-16) and a database
        # text column could not store it anyway.
        raise _refuse(
            "The file holds NUL characters, so it is not CSV text. In your spreadsheet choose "
            "“CSV UTF-8” when saving."
        )
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put in front.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(
            "The file is not UTF-8 text. In your spreadsheet choose “CSV UTF-8” when saving."
        ) from None


def _check_header(header: list[str]) -> list[str]:
    names = [name.strip().lower() for name in header]
    if len(names) == 1:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in names[0]:
                raise _refuse(
                    f"The columns are separated by {label}, not commas. Save the file as "
                    f"comma-separated CSV; the first line should read: {','.join(COLUMNS)}"
                )
    unknown = [name for name in names if name not in COLUMNS]
    if unknown:
        raise _refuse(
            f"Unknown column(s): {', '.join(unknown)}. The columns are: {', '.join(COLUMNS)}."
        )
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise _refuse(f"The first line must name the column(s): {', '.join(missing)}.")
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise _refuse(f"Column(s) named twice: {', '.join(sorted(duplicates))}.")
    return names


def parse_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; refuses the whole file for problems no row fix would solve."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise _refuse("The file has no header line.") from None
    names = _check_header(header)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise _refuse(
                    f"The file has more than {MAX_ROWS:,} rows. Split it into files of at most "
                    f"{MAX_ROWS:,} rows and import them one after the other."
                )
            padded = values + [""] * (len(names) - len(values))
            row = {name: padded[i].strip() for i, name in enumerate(names)}
            if len(values) > len(names):
                row["__extra__"] = "yes"
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise _refuse(f"The file is not valid CSV near line {reader.line_num}: {exc}.") from None
    return rows


def _permissions(text: str) -> list[str] | None:
    chosen = [p.strip().lower() for p in text.replace(";", " ").replace("|", " ").split()]
    if any(p not in PERMISSIONS for p in chosen):
        return None
    return list(dict.fromkeys(chosen))


@dataclass(slots=True)
class _CheckedFile:
    report: ImportReport
    accounts: list[dict[str, Any]]  # column values of each new customer account
    users: list[tuple[dict[str, Any], str]]  # each new user's values and its account's code


async def import_customers(
    db: AsyncSession, store_id: uuid.UUID, data: bytes, *, dry_run: bool = False
) -> ImportReport:
    """Check every row; when all are right (and not dry_run), create the accounts and users."""
    codes = await repository.existing_codes(db, store_id)
    emails = await repository.existing_emails(db, store_id)
    # Decoding and checking 10,000 rows is a few hundred ms of CPU: done on a thread, so the
    # instance keeps answering buyers meanwhile (the GIL is handed back every few ms).
    checked = await asyncio.to_thread(_check_file, store_id, data, codes, emails)
    report = checked.report
    if report.errors or dry_run:
        return report
    await _insert_in_batches(db, CustomerAccount, checked.accounts)
    codes.update({account["customer_code"]: account["id"] for account in checked.accounts})
    for user, code in checked.users:
        user["customer_account_id"] = codes[code]
    await _insert_in_batches(db, User, [user for user, _code in checked.users])
    report.accounts_created = len(checked.accounts)
    report.users_created = len(checked.users)
    return report


async def _insert_in_batches(
    db: AsyncSession, model: type[CustomerAccount | User], rows: Sequence[dict[str, Any]]
) -> None:
    """One ORM flush of 10,000 new objects held the event loop for most of a second. Plain
    inserts of column values, INSERT_BATCH rows at a time, leave other requests their turn
    between batches (one transaction: still all or nothing)."""
    for start in range(0, len(rows), INSERT_BATCH):
        await repository.insert_many(db, model, rows[start : start + INSERT_BATCH])


def _check_file(
    store_id: uuid.UUID, data: bytes, codes: Container[str], emails: Container[str]
) -> _CheckedFile:
    """Every row checked against the store's existing codes and e-mails and the rows above it."""
    rows = parse_rows(decode(data))
    report = ImportReport(rows=len(rows))
    new_accounts: dict[str, dict[str, Any]] = {}
    seen_emails: dict[str, int] = {}
    new_users: list[tuple[dict[str, Any], str]] = []

    def error(line: int, column: str, message: str) -> None:
        if len(report.errors) < MAX_REPORTED_ERRORS:
            report.errors.append(RowError(line, column, message))
        else:
            report.more_errors += 1

    for line, row in rows:
        if row.pop("__extra__", None):
            error(line, "", "The row has more values than the header has columns.")
        code = row.get("customer_code", "")
        problem = customer_code_problem(code)
        if problem is not None:
            error(line, "customer_code", problem)
            continue
        # The same length rules as the pages and the API: a value is refused, never cut.
        too_long_columns = [
            (column, problem)
            for column, limit in LENGTHS.items()
            if (problem := too_long(row.get(column, ""), limit)) is not None
        ]
        for column, problem in too_long_columns:
            error(line, column, problem)
        if too_long_columns:
            continue
        account_name = row.get("account_name", "")
        if code not in codes:
            pending = new_accounts.get(code)
            if pending is None:
                if not account_name:
                    error(line, "account_name", f"New customer code {code} needs an account name.")
                    continue
                pending = {
                    "id": new_uuid(),
                    "store_id": store_id,
                    "name": account_name,
                    "customer_code": code,
                    "seller_reference": row.get("seller_reference", "") or None,
                }
                new_accounts[code] = pending
            elif account_name and account_name != pending["name"]:
                error(line, "account_name", f"Code {code} was named {pending['name']!r} above.")
        email_text = row.get("email", "")
        if not email_text:
            continue
        try:
            email = validate_email(email_text, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            error(line, "email", f"Not a valid e-mail address: {exc}")
            continue
        if email in emails:
            error(line, "email", f"A user with e-mail {email} exists already.")
            continue
        if email in seen_emails:
            error(line, "email", f"{email} is also on line {seen_emails[email]}.")
            continue
        seen_emails[email] = line
        permissions = _permissions(row.get("permissions", "") or " ".join(PERMISSIONS))
        if permissions is None:
            error(line, "permissions", f"Use some of: {' '.join(PERMISSIONS)}.")
            continue
        user = {
            "store_id": store_id,
            "email": email,
            "name": row.get("name", ""),
            "password_hash": None,
            "permissions": permissions,
        }
        new_users.append((user, code))

    return _CheckedFile(report, list(new_accounts.values()), new_users)
