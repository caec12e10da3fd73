"""Password hashes: right answers, and the event loop keeps serving while one is computed."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher

from erpgate.auth import passwords
from erpgate.auth.passwords import hash_password, verify_password


async def test_a_hash_checks_against_its_password_only() -> None:
    stored = await hash_password("correct horse")
    assert stored.startswith("$argon2id$")
    assert await verify_password(stored, "correct horse")
    assert not await verify_password(stored, "correct horse ")
    assert not await verify_password(None, "correct horse")  # no account: never a match
    assert not await verify_password("not a hash", "correct horse")


async def test_other_requests_run_while_a_password_is_checked() -> None:
    # On the loop, the check would finish inside one step of the task and nothing else would run
    # meanwhile; off the loop, the ticker below turns many times before the answer comes.
    # Production cost here: the suite's cheap profile would finish before the ticker turns.
    cheap = passwords.use_hasher(PasswordHasher())
    try:
        stored = await hash_password("correct horse")
        check = asyncio.ensure_future(verify_password(stored, "correct horse"))
        turns = 0
        while not check.done():
            turns += 1
            await asyncio.sleep(0)
        assert await check
        assert turns > 10
    finally:
        passwords.use_hasher(cheap)


async def test_the_suite_hashes_at_test_cost_and_production_hashes_still_verify() -> None:
    stored = await hash_password("correct horse")
    production = PasswordHasher().hash("correct horse")

    assert "m=1024,t=1,p=1" in stored
    assert await verify_password(production, "correct horse")
