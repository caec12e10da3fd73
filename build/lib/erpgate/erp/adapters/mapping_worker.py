"""The process that evaluates mappings, so a slow or runaway expression never holds the app's
event loop (the JSONata engine keeps the GIL while it evaluates).

Started as ``python -m erpgate.erp.adapters.mapping_worker``, one job at a time over its stdin and
stdout, each message a 4-byte big-endian length and its bytes: the parent sends a header
``[expression, until (wall-clock seconds), max_sequence_length, bindings]`` and the input
document's JSON; the worker answers ``b"1"`` and the result's JSON, or ``b"0"`` and the error's
sentence. Compiled
expressions are kept (bounded), since a profile's handful of expressions repeat on every call.
"""

from __future__ import annotations

import struct
import sys
import time
from typing import IO, Any

import jsonatapy
import orjson

COMPILED_KEPT = 256
MIN_TIMEOUT_MS = 5


def evaluate(
    compiled: dict[str, Any], header: list[Any], document: bytes
) -> tuple[bool, bytes | str]:
    expression, until, max_sequence, bindings = header
    timeout_ms = int((until - time.time()) * 1000)
    if timeout_ms < MIN_TIMEOUT_MS:
        return False, "no time was left in the call's deadline to run the mapping"
    try:
        program = compiled.get(expression)
        if program is None:
            if len(compiled) >= COMPILED_KEPT:
                compiled.clear()
            program = compiled[expression] = jsonatapy.compile(expression)
        # JSON in, JSON out: no conversion to Python objects and back (a 50-row page: 263 µs
        # against 429 µs through dicts).
        result = program.evaluate_json(
            document.decode(),
            bindings=bindings,
            timeout=timeout_ms,
            max_sequence_length=int(max_sequence),
        )
        return True, (result if result is not None else "null").encode()
    except Exception as exc:  # the expression's failure is the answer, not the worker's
        return False, str(exc) or type(exc).__name__


def read_frame(stream: IO[bytes]) -> bytes | None:
    """One length-prefixed message, or None at the end of the stream."""
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    body = stream.read(size)
    return body if len(body) == size else None


def write_frame(stream: IO[bytes], body: bytes) -> None:
    stream.write(struct.pack(">I", len(body)) + body)


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Answer jobs until the parent closes the pipe."""
    compiled: dict[str, Any] = {}
    while True:
        header = read_frame(source)
        document = read_frame(source) if header is not None else None
        if header is None or document is None:
            return
        ok, result = evaluate(compiled, orjson.loads(header), document)
        write_frame(sink, b"1" if ok else b"0")
        write_frame(sink, result if isinstance(result, bytes) else result.encode())
        sink.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
