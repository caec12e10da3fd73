"""Running a profile's JSONata mappings: in worker processes, under a hard deadline, with caps.

Engine: ``jsonatapy`` (JSONata in Rust). Measured on this project's 2-core machine, a 50-row
orders page mapped in 0.27 ms against 8.6 ms with the pure-Python ``jsonata-python``; it has its
own evaluation timeout and sequence-length cap, which stop ``$count([1..10000000])`` in 0.2 ms
where the pure-Python engine ran 1.5 s past its timeout. It holds the GIL while it evaluates, so
it runs in worker processes (``mapping_worker``): the app's loop never waits on an expression,
and a worker that overruns the call's deadline is killed and replaced, which is the only
deadline a runaway expression cannot ignore.

The input is capped before it is sent (``row cap``) and every result sequence is capped inside
the engine, so neither a 20,000-row ERP page nor ``[1..1e9]`` can exhaust memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jsonatapy
import orjson

from erpgate.erp.adapters import mapping_worker
from erpgate.logging import get_logger

log = get_logger(__name__)

MAX_SEQUENCE_LENGTH = 100_000
MIN_MAPPING_MS = 5  # less time than this left: the call's deadline has already been spent
WORKERS = 2


class MappingError(ValueError):
    """The mapping failed on this input: the sentence says how, and where in the mapping."""


@dataclass(frozen=True, slots=True)
class MappingIssue:
    message: str
    line: int | None = None

    def sentence(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def compile_issue(expression: str) -> MappingIssue | None:
    """The expression's syntax error, if it has one (compiling is cheap: done in-process)."""
    if not expression.strip():
        return MappingIssue("the mapping is empty")
    try:
        jsonatapy.compile(expression)
    except Exception as exc:
        return MappingIssue(str(exc), line_of(expression, str(exc)))
    return None


_NAMED = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*|\"[^\"]+\"")


def line_of(expression: str, message: str) -> int | None:
    """The mapping's line an error most likely points at: the first line naming what the error
    names (a function like ``$nosuch``, or a field like ``data[2].total``'s ``"total"``)."""
    names = [name for name in _NAMED.findall(message)]
    field = re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)\b", message.split(" ", 1)[0] + " ")
    candidates = [*names, *(f'"{name}"' for name in reversed(field))]
    lines = expression.splitlines()
    for candidate in candidates:
        for number, text in enumerate(lines, start=1):
            if candidate in text:
                return number
    return None


class _Worker:
    """One worker process, spoken to over its stdin and stdout (no multiprocessing: nothing of
    the parent is imported or pickled into it)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "erpgate.erp.adapters.mapping_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def roundtrip(self, header: bytes, document: bytes) -> tuple[bool, bytes]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        mapping_worker.write_frame(stdin, header)
        mapping_worker.write_frame(stdin, document)
        stdin.flush()
        status = mapping_worker.read_frame(stdout)
        result = mapping_worker.read_frame(stdout)
        if status is None or result is None:
            raise EOFError("the mapping worker ended")
        return status == b"1", result

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self._reap()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.process.stdin is not None:
                self.process.stdin.close()  # the worker ends at the end of its input
        try:
            self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reap()

    def _reap(self) -> None:
        with contextlib.suppress(Exception):
            self.process.wait(timeout=1.0)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()


class MappingPool:
    """A few worker processes, started on first use (a store without adapters never pays)."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._size = workers
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self._threads: ThreadPoolExecutor | None = None
        self.killed = 0  # workers killed for overrunning a deadline (/metrics, bench)

    def _start(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            self._threads = ThreadPoolExecutor(self._size, thread_name_prefix="erpgate-mapping")
            for _ in range(self._size):
                self._add_worker()
        return self._idle

    def _add_worker(self) -> None:
        worker = _Worker()
        self._all.append(worker)
        assert self._idle is not None
        self._idle.put_nowait(worker)

    async def evaluate(
        self, expression: str, document: bytes, bindings: dict[str, Any], seconds: float
    ) -> bytes:
        """The mapping's result as JSON bytes; MappingError when it fails or overruns."""
        if seconds * 1000 < MIN_MAPPING_MS:
            raise MappingError("no time was left in the call's deadline to run the mapping")
        idle = self._start()
        worker = await idle.get()
        # The engine's own timeout fires first, with its explanation; the kill below is for
        # what ignores it.
        # what ignores it. The worker counts from this wall-clock time, so a worker still
        # starting up eats into the engine's time, not past the call's deadline.
        engine_until = time.time() + seconds * 0.9
        header = orjson.dumps([expression, engine_until, MAX_SEQUENCE_LENGTH, bindings])
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self._threads, worker.roundtrip, header, document)
        # A killed worker's job ends in EOFError after we stopped waiting: retrieve it quietly.
        job.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            async with asyncio.timeout(seconds + 0.05):
                ok, result = await asyncio.shield(job)
        except asyncio.CancelledError:
            self._replace(worker)  # its answer would be read by the next job
            raise
        except TimeoutError:
            self._replace(worker)
            self.killed += 1
            raise MappingError(
                f"the mapping did not finish within {seconds:.2f} s and was stopped"
            ) from None
        except (EOFError, OSError):
            self._replace(worker)
            raise MappingError("the mapping's worker process ended unexpectedly") from None
        idle.put_nowait(worker)
        if not ok:
            text = result.decode(errors="replace")
            raise MappingError(text)
        return result

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self._all:
            self._all.remove(worker)
        log.warning("mapping_worker_replaced", pid=worker.process.pid)
        self._add_worker()

    def close(self) -> None:
        for worker in self._all:
            worker.close()
        self._all.clear()
        self._idle = None
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None
