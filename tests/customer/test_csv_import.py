"""CSV import of accounts and users: per-row errors, all or nothing, and the files people really send."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import service as customer_service
from erpgate.customer.csv_import import MAX_ROWS, RowError, import_customers
from erpgate.errors import ValidationFailed
from erpgate.models.customer_account import CustomerAccount
from erpgate.models.store import Store
from erpgate.models.user import User
from erpgate.store.service import create_store

HEADER = "customer_code,account_name,seller_reference,email,name,permissions\n"


@pytest.fixture
async def store(db: AsyncSession) -> Store:
    store = await create_store(db, slug="acme", name="Acme")
    account = await customer_service.create_account(
        db, store.id, name="Existing", customer_code="C1"
    )
    await customer_service.create_buyer(
        db, store.id, customer_account_id=account.id, email="taken@example.com", password=None
    )
    await db.commit()
    return store


async def _counts(db: AsyncSession) -> tuple[int, int]:
    accounts = await db.scalar(select(func.count()).select_from(CustomerAccount))
    users = await db.scalar(select(func.count()).select_from(User))
    return int(accounts or 0), int(users or 0)


async def test_a_good_file_with_a_bom_creates_accounts_and_users(
    db: AsyncSession, store: Store
) -> None:
    data = (
        "\ufeff"
        + HEADER
        + "C2,Gibsonburg Hardware,S-1,pat@gib.example,Pat,orders invoices\n"
        + "C2,,,sam@gib.example,Sam,\n"
        + "C1,,,new@acme.example,New,balance\n"
        + "C3,Lone Account,,,,\n"
    ).encode()
    report = await import_customers(db, store.id, data)
    assert report.errors == []
    assert (report.rows, report.accounts_created, report.users_created) == (4, 2, 3)
    await db.commit()
    assert await _counts(db) == (3, 4)
    sam = await customer_service.find_user_by_email(db, store.id, "sam@gib.example")
    assert sam is not None and sam.permissions == ["orders", "invoices", "balance", "checkout"]
    # Every column is filled as creating them one by one would: links, defaults, timestamps.
    gibsonburg = await customer_service.find_account_by_code(db, store.id, "C2")
    assert gibsonburg is not None
    assert (gibsonburg.name, gibsonburg.seller_reference) == ("Gibsonburg Hardware", "S-1")
    assert gibsonburg.created_at is not None
    assert (sam.customer_account_id, sam.name, sam.password_hash) == (gibsonburg.id, "Sam", None)
    assert sam.is_active and sam.created_at is not None
    existing = await customer_service.find_account_by_code(db, store.id, "C1")
    new = await customer_service.find_user_by_email(db, store.id, "new@acme.example")
    assert existing is not None and new is not None and new.customer_account_id == existing.id


async def test_one_bad_row_imports_nothing_and_every_problem_is_listed(
    db: AsyncSession, store: Store
) -> None:
    data = (
        HEADER
        + "C2,Gibsonburg,,pat@gib.example,Pat,orders\n"
        + "C4,,,x@gib.example,,\n"
        + "C2,,,PAT@gib.example,,\n"
        + "C1,,,taken@example.com,,\n"
        + "C5,Five,,not-an-address,,\n"
        + "C6,Six,,six@gib.example,,everything\n"
        + "has space,Bad,,,,\n"
    ).encode()
    report = await import_customers(db, store.id, data)
    assert report.errors == [
        RowError(3, "account_name", "New customer code C4 needs an account name."),
        RowError(4, "email", "pat@gib.example is also on line 2."),
        RowError(5, "email", "A user with e-mail taken@example.com exists already."),
        RowError(
            6,
            "email",
            "Not a valid e-mail address: An email address must have an @-sign.",
        ),
        RowError(7, "permissions", "Use some of: orders invoices balance checkout."),
        RowError(8, "customer_code", "1-64 characters, no spaces."),
    ]
    await db.commit()
    assert await _counts(db) == (1, 1)


async def test_a_value_over_its_length_is_a_row_error_not_cut(
    db: AsyncSession, store: Store
) -> None:
    data = (
        HEADER
        + f"C2,{'n' * 201},,,,\n"
        + f"C3,Three,{'s' * 129},,,\n"
        + f"C4,Four,,four@example.com,{'p' * 201},\n"
        + f"C5,{'n' * 200},{'s' * 128},five@example.com,{'p' * 200},\n"
    ).encode()
    report = await import_customers(db, store.id, data)
    assert report.errors == [
        RowError(2, "account_name", "At most 200 characters."),
        RowError(3, "seller_reference", "At most 128 characters."),
        RowError(4, "name", "At most 200 characters."),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"customer_code;account_name;email\nC2;Two;a@b.example\n",
            "The columns are separated by semicolons, not commas. Save the file as "
            "comma-separated CSV; the first line should read: "
            "customer_code,account_name,seller_reference,email,name,permissions",
        ),
        (
            b"code,name\nC2,Two\n",
            "Unknown column(s): code. The columns are: "
            "customer_code, account_name, seller_reference, email, name, permissions.",
        ),
        (
            "customer_code\nC\xe9\n".encode("latin-1"),
            "The file is not UTF-8 text. In your spreadsheet choose “CSV UTF-8” when saving.",
        ),
        (b"   \n", "The file is empty."),
        (
            "customer_code\nC2\n".encode("utf-16-le"),
            "The file holds NUL characters, so it is not CSV text. In your spreadsheet choose "
            "“CSV UTF-8” when saving.",
        ),
        (
            b"customer_code,account_name\nC2,Tw\x00o\n",
            "The file holds NUL characters, so it is not CSV text. In your spreadsheet choose "
            "“CSV UTF-8” when saving.",
        ),
    ],
)
async def test_files_that_no_row_fix_would_save_are_refused_whole(
    db: AsyncSession, store: Store, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await import_customers(db, store.id, data)
    assert caught.value.message == message


async def test_a_file_over_the_row_limit_is_refused_with_the_limit_named(
    db: AsyncSession, store: Store
) -> None:
    rows = "".join(f"K{i},Account {i},,u{i}@bulk.example,,\n" for i in range(100_000))
    with pytest.raises(ValidationFailed) as caught:
        await import_customers(db, store.id, (HEADER + rows).encode())
    assert caught.value.message == (
        f"The file has more than {MAX_ROWS:,} rows. Split it into files of at most "
        f"{MAX_ROWS:,} rows and import them one after the other."
    )
    assert await _counts(db) == (1, 1)
