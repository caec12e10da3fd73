"""Each fault proxy mode, proven with plain sockets (and aiohttp) against a loopback server.

No timing is asserted as speed: delays are shown by what has NOT arrived yet after a short wait
far below the injected delay, which a fast machine cannot break.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from tests.plugins.fault_proxy import FaultProxy, FaultProxyFactory

pytestmark = pytest.mark.deadlines

ANSWER = b"0123456789abcdefghijklmnopqrstuvwxyzABCD"  # 40 bytes


@dataclass
class EchoServer:
    """Answers every chunk it receives with ANSWER; counts connections."""

    port: int = 0
    connections: int = 0


@pytest_asyncio.fixture
async def server() -> AsyncIterator[EchoServer]:
    state = EchoServer()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            while await reader.read(1024):
                writer.write(ANSWER)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = srv.sockets[0].getsockname()[1]
    yield state
    srv.close()


@pytest_asyncio.fixture
async def proxy(server: EchoServer, fault_proxy_factory: FaultProxyFactory) -> FaultProxy:
    return await fault_proxy_factory("127.0.0.1", server.port)


async def ask(proxy: FaultProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(b"ping")
    await writer.drain()
    return reader, writer


async def read_all(reader: asyncio.StreamReader, size: int, timeout: float = 10.0) -> bytes:
    return await asyncio.wait_for(reader.readexactly(size), timeout)


async def test_pass_forwards_the_answer(proxy: FaultProxy, server: EchoServer) -> None:
    reader, writer = await ask(proxy)

    assert await read_all(reader, len(ANSWER)) == ANSWER
    assert server.connections == 1
    writer.close()


async def test_latency_holds_each_chunk(proxy: FaultProxy) -> None:
    await proxy.set_mode("latency", seconds=1.0)
    reader, writer = await ask(proxy)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), 0.2)
    assert await read_all(reader, len(ANSWER)) == ANSWER
    writer.close()


async def test_blackhole_accepts_and_never_answers(proxy: FaultProxy, server: EchoServer) -> None:
    await proxy.set_mode("blackhole")
    reader, writer = await ask(proxy)

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), 0.3)
    assert proxy.connections_accepted == 1
    assert server.connections == 0
    writer.close()
    assert await proxy.wait_idle() == 0


async def test_reset_sends_a_tcp_rst(proxy: FaultProxy, server: EchoServer) -> None:
    await proxy.set_mode("reset")
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)

    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(reader.read(1), 5)
        writer.write(b"ping")  # only reached if the RST had not arrived before the read
        await writer.drain()
        await asyncio.wait_for(reader.read(1), 5)
    assert server.connections == 0
    writer.close()


async def test_reset_on_a_live_connection(proxy: FaultProxy) -> None:
    reader, writer = await ask(proxy)
    assert await read_all(reader, len(ANSWER)) == ANSWER

    await proxy.set_mode("reset")
    writer.write(b"ping")
    await writer.drain()

    with pytest.raises(ConnectionResetError):
        await asyncio.wait_for(reader.read(1), 5)
    writer.close()


async def test_drip_forwards_one_byte_per_write(proxy: FaultProxy) -> None:
    await proxy.set_mode("drip", interval_ms=25)
    reader, writer = await ask(proxy)

    first = await asyncio.wait_for(reader.read(1024), 5)
    rest = await read_all(reader, len(ANSWER) - len(first))

    assert len(first) < len(ANSWER)
    assert first + rest == ANSWER
    assert proxy.downstream_writes == len(ANSWER)
    writer.close()


async def test_bandwidth_limits_bytes_per_second(proxy: FaultProxy) -> None:
    await proxy.set_mode("bandwidth", bytes_per_second=40)  # 2-byte slices, 40 bytes in ~1 s
    reader, writer = await ask(proxy)

    early = b""
    with pytest.raises(TimeoutError):
        early = await asyncio.wait_for(reader.readexactly(len(ANSWER)), 0.3)
    assert early == b""
    assert await read_all(reader, len(ANSWER)) == ANSWER
    assert proxy.downstream_writes == len(ANSWER) // 2
    writer.close()


async def test_cut_closes_after_n_bytes(proxy: FaultProxy) -> None:
    await proxy.set_mode("cut", after_bytes=10)
    reader, writer = await ask(proxy)

    received = b""
    while chunk := await asyncio.wait_for(reader.read(1024), 5):
        received += chunk

    assert received == ANSWER[:10]
    writer.close()


async def test_refused_stops_listening_and_comes_back(proxy: FaultProxy) -> None:
    port = proxy.port
    await proxy.set_mode("refused")

    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)

    await proxy.set_mode("pass")
    reader, writer = await ask(proxy)
    assert proxy.port == port
    assert await read_all(reader, len(ANSWER)) == ANSWER
    writer.close()


async def test_unknown_mode_and_parameter_are_refused(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        await proxy.set_mode("sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown parameter"):
        await proxy.set_mode("latency", second=1)


async def test_http_through_the_proxy_with_aiohttp(fault_proxy_factory: FaultProxyFactory) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": "world"})

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        proxy = await fault_proxy_factory("127.0.0.1", runner.addresses[0][1])
        async with aiohttp.ClientSession() as session:
            async with session.get(proxy.url + "/") as response:
                assert await response.json() == {"hello": "world"}
            await proxy.set_mode("reset")
            with pytest.raises((aiohttp.ClientOSError, aiohttp.ServerDisconnectedError)):
                async with session.get(proxy.url + "/", headers={"Connection": "close"}):
                    pass
    finally:
        await runner.cleanup()
    assert await proxy.wait_idle() == 0
