"""Injected failures and latency, around every route except the admin API.

A fault answers the next ``count`` matching requests with ``status`` (``when: before``: without
performing them) or performs them first and then fails (``when: after``: the ambiguous failure a
retry loop must survive). ``drop: true`` cuts the connection instead of answering. A fault's
``retry_after`` is sent in whole seconds, as Azure sends Retry-After (under a second: 0).

A fault's path is a regular expression from an untrusted caller, so it is bounded twice: at
POST time (length, counted repeats whose product would make compiling slow) and at match time
(the ``regex`` package's ``timeout``, run off the event loop: a pattern that backtracks
catastrophically costs one worker thread ``MATCH_TIMEOUT`` seconds, once, and is then disabled,
while the server keeps answering).
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

import regex
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.emulator.lro import whole_seconds
from reconciler.emulator.state import EmulatorConfig

ADMIN_PREFIX = "/_emulator"

# Limits of a fault spec (docs/emulator.md lists them).
MAX_FAULTS = 100  # active at once
MAX_COUNT = 1_000_000
MAX_RETRY_AFTER = 86_400.0
MAX_PATTERN_CHARS = 512
MAX_MESSAGE_CHARS = 1024
# The product of a pattern's counted repeats ({n}, {n,m}): regex expands them when compiling,
# and 100^3 nested takes ~0.4 s (10^4: a few ms).
MAX_REPEAT_PRODUCT = 10_000
MATCH_TIMEOUT = 0.05  # seconds per match
_REPEAT = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_METHOD = re.compile(r"[A-Za-z]{1,16}|\*")

log = logging.getLogger("reconciler.emulator")


class FaultSpecError(ValueError):
    pass


class DroppedConnection(Exception):
    """Raised after a response has started so the server cuts the connection mid-answer."""


@dataclass
class Fault:
    method: str | None
    path: Any  # a compiled regex.Pattern (the package ships no type information)
    status: int
    count: int
    retry_after: float | None
    when: str  # "before" | "after"
    drop: bool
    message: str

    def matches(self, method: str, path: str, query: str) -> bool:
        if self.count <= 0:
            return False
        if self.method is not None and self.method not in ("*", method.upper()):
            return False
        # The path alone (so "$" anchors at its end), or with the query string. TimeoutError
        # past MATCH_TIMEOUT; concurrent: the GIL is released while matching.
        if self.path.search(path, timeout=MATCH_TIMEOUT, concurrent=True) is not None:
            return True
        if not query:
            return False
        found = self.path.search(f"{path}?{query}", timeout=MATCH_TIMEOUT, concurrent=True)
        return found is not None

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern,
            "status": self.status,
            "count": self.count,
            "retry_after": self.retry_after,
            "when": self.when,
            "drop": self.drop,
        }


def parse_faults(doc: Any) -> list[Fault]:
    """Faults from the admin body: a list of objects (or one object)."""
    items = doc if isinstance(doc, list) else [doc]
    faults: list[Fault] = []
    for index, item in enumerate(items):
        where = f"fault {index}"
        if not isinstance(item, dict):
            raise FaultSpecError(f"{where}: must be an object")
        unknown = set(item) - {
            "method",
            "path",
            "status",
            "count",
            "retry_after",
            "when",
            "drop",
            "message",
        }
        if unknown:
            raise FaultSpecError(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        method = item.get("method")
        if method is not None and not isinstance(method, str):
            raise FaultSpecError(f"{where}: method must be a string")
        if method is not None and not _METHOD.fullmatch(method):
            raise FaultSpecError(f"{where}: method must be an HTTP method name or '*'")
        pattern = _pattern(item.get("path", ".*"), where)
        drop = item.get("drop", False)
        if not isinstance(drop, bool):
            raise FaultSpecError(f"{where}: drop must be true or false")
        status = item.get("status", 500)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultSpecError(f"{where}: status must be an HTTP error status (400-599)")
        count = item.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise FaultSpecError(f"{where}: count must be an integer from 1 to {MAX_COUNT}")
        retry_after = item.get("retry_after")
        if retry_after is not None and (
            isinstance(retry_after, bool)
            or not isinstance(retry_after, int | float)
            or not math.isfinite(retry_after)
            or not 0 <= retry_after <= MAX_RETRY_AFTER
        ):
            raise FaultSpecError(
                f"{where}: retry_after must be a number of seconds from 0 to {MAX_RETRY_AFTER:g}"
            )
        when = item.get("when", "before")
        if when not in ("before", "after"):
            raise FaultSpecError(f"{where}: when must be 'before' or 'after'")
        message = item.get("message", "")
        if not isinstance(message, str) or len(message) > MAX_MESSAGE_CHARS:
            raise FaultSpecError(
                f"{where}: message must be a string of at most {MAX_MESSAGE_CHARS} characters"
            )
        faults.append(
            Fault(
                method=method.upper() if method else None,
                path=pattern,
                status=status,
                count=count,
                retry_after=float(retry_after) if retry_after is not None else None,
                when=when,
                drop=drop,
                message=message,
            )
        )
    return faults


def _pattern(path: Any, where: str) -> Any:
    if not isinstance(path, str) or len(path) > MAX_PATTERN_CHARS:
        raise FaultSpecError(
            f"{where}: path must be a regular expression of at most {MAX_PATTERN_CHARS} characters"
        )
    product = 1
    for low, high in _REPEAT.findall(path):
        too_long = len(low) > 6 or len(high) > 6
        product *= MAX_REPEAT_PRODUCT + 1 if too_long else max(int(low or 1), int(high or 1))
        if product > MAX_REPEAT_PRODUCT:
            raise FaultSpecError(
                f"{where}: path repeats too much (the product of its {{n,m}} counts must be "
                f"at most {MAX_REPEAT_PRODUCT})"
            )
    try:
        return regex.compile(path)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise FaultSpecError(f"{where}: path is not a valid regular expression: {exc}") from None


REQUEST_LOG_LIMIT = 200_000


class FaultTable:
    """The active faults (in memory: a test control, not state worth keeping)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._requests: list[tuple[str, str]] = []

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            if len(self._faults) + len(faults) > MAX_FAULTS:
                raise FaultSpecError(f"at most {MAX_FAULTS} faults may be active at once")
            self._faults.extend(faults)

    def active(self) -> bool:
        with self._lock:
            return bool(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.describe() for f in self._faults if f.count > 0]

    def record(self, method: str, path: str) -> None:
        """Log a request (method and path, never headers), for tests and benchmarks that count
        what a command sent."""
        with self._lock:
            self._requests.append((method, path))
            if len(self._requests) > REQUEST_LOG_LIMIT:
                del self._requests[: len(self._requests) - REQUEST_LOG_LIMIT]

    def requests(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def take(self, method: str, path: str, query: str = "") -> Fault | None:
        """The first fault matching this request, its count used up by one. Matching runs
        outside the lock (it may take up to MATCH_TIMEOUT per fault); a fault whose pattern
        times out is disabled."""
        with self._lock:
            candidates = list(self._faults)
        for fault in candidates:
            try:
                hit = fault.matches(method, path, query)
                timed_out = False
            except TimeoutError:
                log.warning(
                    "fault path %r took over %ss to match; the fault is disabled",
                    fault.path.pattern[:80],
                    MATCH_TIMEOUT,
                )
                hit, timed_out = False, True
            if not (hit or timed_out):
                continue
            with self._lock:
                taken = False
                if timed_out:
                    fault.count = 0
                elif fault.count > 0:  # another request may have used it up meanwhile
                    fault.count -= 1
                    taken = True
                self._faults = [f for f in self._faults if f.count > 0]
            if taken:
                return fault
        return None


_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    408: "RequestTimeout",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def _fault_body(fault: Fault) -> bytes:
    import json

    code = _CODES.get(fault.status, f"Http{fault.status}")
    message = fault.message or f"Injected fault: the emulator answers {fault.status}."
    # Both ARM ({code, message}) and the OpenAI SDK ({message, type, code}) read this shape.
    body = {"error": {"code": code, "message": message, "type": "server_error", "param": None}}
    return json.dumps(body).encode()


class FaultMiddleware:
    """Latency, then faults, for every HTTP request outside ``/_emulator``."""

    def __init__(self, app: ASGIApp, table: FaultTable, config: EmulatorConfig) -> None:
        self.app = app
        self.table = table
        self.config = config  # read per request: the admin API may change latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.config.latency_ms > 0:
            await asyncio.sleep(self.config.latency_ms / 1000)
        path = str(scope.get("path", ""))
        self.table.record(str(scope["method"]), path)
        query = scope.get("query_string", b"").decode("latin-1")
        fault = None
        if self.table.active():
            fault = await run_in_threadpool(self.table.take, str(scope["method"]), path, query)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.when == "after":
            await self.app(scope, receive, _discard)
        await _answer_fault(fault, send)


async def _discard(message: Message) -> None:
    return None


async def _answer_fault(fault: Fault, send: Send) -> None:
    body = _fault_body(fault)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", str(whole_seconds(fault.retry_after)).encode()))
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    if fault.drop:
        # Headers promise a body that never comes: the client sees a broken connection.
        raise DroppedConnection(f"injected: connection dropped ({fault.describe()})")
    await send({"type": "http.response.body", "body": body})


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, DroppedConnection):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


def quiet_dropped_connections() -> None:
    """Keep the server log free of tracebacks for connections dropped on purpose."""
    for name in ("uvicorn.error", "uvicorn"):
        logging.getLogger(name).addFilter(_QuietDrops())
