"""Engine and session factory: the only module that knows which database it is talking to."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def supports_skip_locked(engine: AsyncEngine) -> bool:
    """Row claiming with FOR UPDATE SKIP LOCKED: PostgreSQL yes; SQLite serialises writers anyway."""
    return engine.dialect.name == "postgresql"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _begin_before_savepoint(connection: Connection, _name: str) -> None:
    # pysqlite (under aiosqlite) opens a transaction by itself only before INSERT/UPDATE/DELETE,
    # so reads run outside one and never hold a stale WAL snapshot (a writer then waits on the
    # busy timeout instead of failing). But a SAVEPOINT sent first starts a transaction of its
    # own that its RELEASE commits: an error event written in a savepoint was committed before
    # its outbox row, and a later rollback could not undo it. Open the real transaction first.
    driver_connection = connection.connection.dbapi_connection
    inner = getattr(driver_connection, "_connection", None)  # aiosqlite.Connection
    if inner is not None and not inner.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _json_dumps(value: Any) -> str:
    # orjson: JSON columns (event data, stored headers, saved ERP answers) are written in batches
    # on the request loop; the stdlib encoder showed up in the storefront profile.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_OPTIONS: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def create_engine(
    url: str, *, pool_size: int = 5, max_overflow: int = 5, pool_timeout: float = 30.0
) -> AsyncEngine:
    """The engine of one process. PostgreSQL: at most ``pool_size + max_overflow`` connections;
    the web app passes ERPGATE_DB_POOL_SIZE and ERPGATE_DB_MAX_OVERFLOW, workers and commands
    keep the small default. ``pool_timeout``: how long a caller waits for a free connection
    before SQLAlchemy's pool ``TimeoutError`` (the web app answers that 503 and sets it short)."""
    if is_sqlite(url):
        _prepare_sqlite_file(url)
        # SQLite has one writer at a time; readers never wait in WAL mode. The default pool
        # (5 + 10 overflow) is plenty: hot reads are cached and writes go through batch writers.
        engine = create_async_engine(
            url, connect_args={"timeout": 10}, pool_timeout=pool_timeout, **JSON_OPTIONS
        )
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "savepoint", _begin_before_savepoint)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        **JSON_OPTIONS,
    )


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error. Services flush, never commit."""
    async with _sqlite_writer_turn(factory), factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# SQLite has one writer at a time, and a writer that finds the lock taken sleeps and retries
# (the busy timeout) with growing pauses. Under steady load the batch writers, the error-event
# writer and the answer saver of one process kept the lock busy so much of the time that a
# waiting writer could lose every retry for the whole 10 s timeout: an error event was lost
# (seen in the soak run). So this process's own write transactions take turns, first come first
# served, on an asyncio lock; the busy timeout is left for other processes. One lock per engine
# and event loop; a transaction opened inside another one in the same task does not wait again.
# (engine id, loop id) -> (loop, lock); keeping the loop alive keeps its id from being reused.
_writer_locks: dict[tuple[int, int], tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}
_holding_writer_turn: ContextVar[bool] = ContextVar("holding_writer_turn", default=False)


@asynccontextmanager
async def _sqlite_writer_turn(factory: SessionFactory) -> AsyncIterator[None]:
    bind = factory.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite" or _holding_writer_turn.get():
        yield
        return
    loop = asyncio.get_running_loop()
    key = (id(bind), id(loop))
    if key not in _writer_locks:
        _writer_locks[key] = (loop, asyncio.Lock())
    async with _writer_locks[key][1]:
        token = _holding_writer_turn.set(True)
        try:
            yield
        finally:
            _holding_writer_turn.reset(token)


async def release_connection(db: AsyncSession) -> None:
    """Hand the session's pooled connection back before a long wait (an ERP call), so the
    request holds none meanwhile; the session takes one again when next used.

    Only for a session that has read and not written: it ends the transaction by committing,
    and refuses when there are pending changes, which that commit would write early.
    """
    if db.new or db.dirty or db.deleted:
        raise RuntimeError("release_connection() on a session with pending changes")
    if db.in_transaction():
        await db.commit()


async def serialize_on(db: AsyncSession, *names: str) -> None:
    """Make the rest of this transaction run alone among transactions naming the same locks.

    For check-then-insert rules (count the recent rows, insert one more only below a limit) that
    must hold under concurrency. PostgreSQL: transaction-level advisory locks, released at commit
    or rollback, taken in sorted order so two callers never wait on each other crosswise. SQLite:
    one writer at a time anyway; ``BEGIN IMMEDIATE`` takes the write lock before the checking
    reads, so a writer of another process cannot slip in between (this process's own writers
    already take turns in ``transaction``).
    """
    connection = await db.connection()
    if connection.dialect.name == "postgresql":
        for name in sorted(set(names)):
            digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
            key = int.from_bytes(digest, "big", signed=True)
            await connection.execute(select(func.pg_advisory_xact_lock(key)))
    elif connection.dialect.name == "sqlite":
        await connection.run_sync(_begin_immediate)


def _begin_immediate(connection: Connection) -> None:
    inner = getattr(connection.connection.dbapi_connection, "_connection", None)
    if inner is not None and not inner.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def after_commit(db: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once when ``db`` next commits (in-process cache invalidation: a reader
    that loaded the old row between the flush and the commit must not keep it)."""
    event.listen(db.sync_session, "after_commit", lambda _session: callback(), once=True)
