"""The process that evaluates mappings, so a slow or runaway expression never holds the app's
event loop (the JSONata engine keeps the GIL while it evaluates).

Protocol over one ``multiprocessing`` pipe, one job at a time: the parent sends a header
``[expression, until (wall-clock seconds), max_sequence_length, bindings]`` and then the input document's JSON
bytes; the worker answers ``[true, <result JSON>]`` or ``[false, <error sentence>]``. Compiled
expressions are kept (bounded), since a profile's handful of expressions repeat on every call.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import Any

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
        result = program.evaluate(
            orjson.loads(document),
            bindings=bindings,
            timeout=timeout_ms,
            max_sequence_length=int(max_sequence),
        )
        return True, orjson.dumps(result)
    except Exception as exc:  # the expression's failure is the answer, not the worker's
        return False, str(exc) or type(exc).__name__


def serve(connection: Connection) -> None:
    """Answer jobs until the pipe closes."""
    compiled: dict[str, Any] = {}
    while True:
        try:
            header = orjson.loads(connection.recv_bytes())
            document = connection.recv_bytes()
        except (EOFError, OSError):
            return
        ok, result = evaluate(compiled, header, document)
        if ok:
            connection.send_bytes(b"1")
            connection.send_bytes(result)  # type: ignore[arg-type]
        else:
            connection.send_bytes(b"0")
            connection.send_bytes(str(result).encode())
