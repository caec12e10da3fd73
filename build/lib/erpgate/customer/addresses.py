"""Ship-to addresses an admin keeps on a customer account; checkout offers them to its buyers.

The ERP contract has no endpoint for an account's addresses, so erpgate keeps its own: typed in
the admin console, never read from the ERP on a page load.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from erpgate.customer import repository
from erpgate.errors import NotFound, ValidationFailed
from erpgate.models.customer_address import CustomerAddress

# field: (label, required), in the form's order; lengths are the columns' own.
ADDRESS_FIELDS = {
    "label": ("Label", False),
    "name": ("Name", False),
    "address1": ("Street address", True),
    "address2": ("Address line 2", False),
    "city": ("City", True),
    "state": ("State / region", False),
    "zip": ("Postcode", True),
    "country": ("Country", True),
}
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _max_length(field: str) -> int:
    length: int = getattr(CustomerAddress, field).property.columns[0].type.length
    return length


def check_address(values: Mapping[str, str]) -> dict[str, str]:
    """The address's fields stripped (country in capitals), or ValidationFailed naming each bad
    field."""
    cleaned = {field: str(values.get(field) or "").strip() for field in ADDRESS_FIELDS}
    cleaned["country"] = cleaned["country"].upper()
    errors: dict[str, str] = {}
    for field, (label, required) in ADDRESS_FIELDS.items():
        value, limit = cleaned[field], _max_length(field)
        if required and not value:
            errors[field] = f"{label} is required."
        elif field == "country" and value and not _COUNTRY.match(value):
            errors[field] = "Two letters, such as US or DE."
        elif len(value) > limit:
            errors[field] = f"At most {limit} characters."
    if errors:
        raise ValidationFailed("Some of the address is missing or not valid.", fields=errors)
    return cleaned


async def list_addresses(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID
) -> list[CustomerAddress]:
    return await repository.list_addresses(db, store_id, account_id)


async def find_address(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, address_id: uuid.UUID
) -> CustomerAddress | None:
    """One of this account's addresses; None for an unknown id or another account's."""
    return await repository.get_address(db, store_id, account_id, address_id)


async def add_address(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, values: Mapping[str, str]
) -> CustomerAddress:
    if await repository.get_account(db, store_id, account_id) is None:
        raise NotFound("There is no such customer account.")
    cleaned = check_address(values)
    address = CustomerAddress(
        store_id=store_id,
        customer_account_id=account_id,
        **{field: value or None for field, value in cleaned.items()},
    )
    await repository.add(db, address)
    return address


async def remove_address(
    db: AsyncSession, store_id: uuid.UUID, account_id: uuid.UUID, address_id: uuid.UUID
) -> None:
    address = await repository.get_address(db, store_id, account_id, address_id)
    if address is None:
        raise NotFound("There is no such address on this customer account.")
    await repository.delete_address(db, address)
