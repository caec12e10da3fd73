"""Argon2id password hashes, computed off the event loop.

One hash or check costs ~0.1 s of CPU and 64 MiB (argon2-cffi's defaults, RFC 9106's
low-memory profile). On the event loop that would freeze every other request of the instance
for the duration of each sign-in, so the work runs on a small thread pool of its own: argon2's
C code releases the GIL, and the pool's size bounds the memory a burst of sign-ins can take.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="argon2")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash and check with ``hasher`` from now on; returns the one it replaces. The test suite
    uses a cheap profile (a real hash at production cost takes ~0.1 s); the app never calls it.
    A hash records its own parameters, so hashes made under either profile still verify."""
    global _hasher, _DUMMY_HASH
    previous = _hasher
    _hasher = hasher
    # Verified against when the account does not exist, so a miss costs as much time as a hit.
    _DUMMY_HASH = hasher.hash("not-a-real-password")
    return previous


_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True only for a real hash that matches; None (no such account) costs the same and is False."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _verify, password_hash, password)
