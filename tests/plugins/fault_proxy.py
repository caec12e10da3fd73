"""A TCP fault proxy: sits on a loopback port in front of a target and misbehaves on demand.

Modes (switch at runtime with ``await proxy.set_mode(...)``):

- ``pass``: forward both ways untouched.
- ``latency``: wait ``seconds`` before forwarding each chunk, both ways.
- ``blackhole``: accept connections and never answer; bytes already flowing are swallowed.
- ``reset``: answer with a TCP RST (SO_LINGER 0 then close) on accept or on the next chunk.
- ``drip``: forward the answer (target → client) one byte every ``interval_ms``.
- ``bandwidth``: forward the answer at ``bytes_per_second``.
- ``cut``: forward ``after_bytes`` of the answer per connection, then close both sides.
- ``refused``: stop listening, so connects are refused; any other mode listens again on the
  same port.

The shaping modes act on the answer direction only: that is where a slow or broken ERP hurts.
Register as a pytest plugin (``tests.plugins.fault_proxy``) or import ``fault_proxy_factory``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import pytest_asyncio

Mode = Literal["pass", "latency", "blackhole", "reset", "drip", "bandwidth", "cut", "refused"]
MODES: tuple[Mode, ...] = (
    "pass",
    "latency",
    "blackhole",
    "reset",
    "drip",
    "bandwidth",
    "cut",
    "refused",
)
READ_BYTES = 64 * 1024


@dataclass(slots=True)
class FaultSettings:
    mode: Mode = "pass"
    seconds: float = 0.5  # latency
    interval_ms: float = 100.0  # drip
    bytes_per_second: float = 1024.0  # bandwidth
    after_bytes: int = 64  # cut


def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """One proxy listening on 127.0.0.1:<port> in front of ``target_host:target_port``."""

    def __init__(self, target_host: str, target_port: int, host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = host
        self.port = 0
        self.settings = FaultSettings()
        self.connections_accepted = 0
        self.upstream_connects = 0
        self.downstream_writes = 0  # writes towards the client (the drip test counts them)
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def open_connections(self) -> int:
        """Client connections the proxy still holds (a leak check reads this)."""
        return len(self._handlers)

    async def start(self) -> FaultProxy:
        await self._listen()
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def set_mode(self, mode: Mode, **params: float) -> None:
        """Switch mode; params are the FaultSettings fields of that mode."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
        settings = FaultSettings(mode=mode)
        for name, value in params.items():
            if not hasattr(settings, name) or name == "mode":
                raise ValueError(f"unknown parameter {name!r}")
            setattr(settings, name, type(getattr(settings, name))(value))
        self.settings = settings
        if mode == "refused":
            await self._stop_listening()
        elif self._server is None:
            await self._listen()

    async def wait_idle(self, timeout: float = 5.0, *, expected: int = 0) -> int:
        """Wait until at most ``expected`` client connections are held (or timeout); return how
        many remain."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while len(self._handlers) > expected and loop.time() < end:
            await asyncio.sleep(0.01)
        return len(self._handlers)

    async def close(self) -> None:
        await self._stop_listening()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._handlers):
            task.cancel()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        self.connections_accepted += 1
        try:
            await self._serve(reader, writer)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
            self._handlers.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        mode = self.settings.mode
        if mode == "reset":
            _rst(writer)
            return
        if mode == "blackhole":
            await _swallow(reader)
            return
        up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        self.upstream_connects += 1
        self._writers.add(up_writer)
        try:
            upstream = asyncio.create_task(self._pump(reader, up_writer, writer, answer=False))
            downstream = asyncio.create_task(self._pump(up_reader, writer, writer, answer=True))
            done, pending = await asyncio.wait(
                {upstream, downstream}, return_when=asyncio.FIRST_COMPLETED
            )
            # One side ended: the exchange is over; a half-open relay would only hide leaks.
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                task.exception()  # retrieved: a reset from either peer ends the relay quietly
        finally:
            self._writers.discard(up_writer)
            up_writer.transport.abort()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client_writer: asyncio.StreamWriter,
        *,
        answer: bool,
    ) -> None:
        forwarded = 0
        while True:
            chunk = await reader.read(READ_BYTES)
            if not chunk:
                return
            s = self.settings
            if s.mode == "reset":
                _rst(client_writer)
                return
            if s.mode == "blackhole":
                await _swallow(reader)
                return
            if s.mode == "latency":
                await asyncio.sleep(s.seconds)
            if not answer or s.mode in ("pass", "latency", "refused"):
                await self._write(writer, chunk, answer)
                continue
            if s.mode == "cut":
                room = max(0, s.after_bytes - forwarded)
                if room:
                    await self._write(writer, chunk[:room], answer)
                    forwarded += min(room, len(chunk))
                if forwarded >= s.after_bytes:
                    return
                continue
            step, pause = _shape(s)
            for start in range(0, len(chunk), step):
                await self._write(writer, chunk[start : start + step], answer)
                await asyncio.sleep(pause)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes, answer: bool) -> None:
        if answer:
            self.downstream_writes += 1
        writer.write(data)
        await writer.drain()


def _shape(settings: FaultSettings) -> tuple[int, float]:
    """Slice size and pause between slices for the drip and bandwidth modes."""
    if settings.mode == "drip":
        return 1, settings.interval_ms / 1000.0
    # Twenty slices a second keeps the rate smooth without a timer per byte.
    step = max(1, int(settings.bytes_per_second / 20))
    return step, step / settings.bytes_per_second


async def _swallow(reader: asyncio.StreamReader) -> None:
    while await reader.read(READ_BYTES):
        pass


FaultProxyFactory = Callable[[str, int], Awaitable[FaultProxy]]


@pytest_asyncio.fixture
async def fault_proxy_factory() -> AsyncIterator[FaultProxyFactory]:
    """Start proxies with ``await fault_proxy_factory(target_host, target_port)``; closed after."""
    proxies: list[FaultProxy] = []

    async def start(target_host: str, target_port: int) -> FaultProxy:
        proxy = await FaultProxy(target_host, target_port).start()
        proxies.append(proxy)
        return proxy

    yield start
    for proxy in proxies:
        await proxy.close()
