"""Injected failures and latency, around every route except the admin API.

A fault answers the next ``count`` matching requests with ``status`` (``when: before``: without
performing them) or performs them first and then fails (``when: after``: the ambiguous failure a
retry loop must survive). ``drop: true`` cuts the connection instead of answering. A fault's
``retry_after`` is sent in whole seconds, as Azure sends Retry-After (under a second: 0).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reconciler.emulator.lro import whole_seconds
from reconciler.emulator.state import EmulatorConfig

ADMIN_PREFIX = "/_emulator"


class FaultSpecError(ValueError):
    pass


class DroppedConnection(Exception):
    """Raised after a response has started so the server cuts the connection mid-answer."""


@dataclass
class Fault:
    method: str | None
    path: re.Pattern[str]
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
        # The path alone (so "$" anchors at its end), or with the query string.
        if self.path.search(path) is not None:
            return True
        return bool(query) and self.path.search(f"{path}?{query}") is not None

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
        path = item.get("path", ".*")
        if not isinstance(path, str):
            raise FaultSpecError(f"{where}: path must be a regular expression string")
        try:
            pattern = re.compile(path)
        except re.error as exc:
            raise FaultSpecError(f"{where}: path is not a valid regular expression: {exc}") from exc
        drop = item.get("drop", False)
        if not isinstance(drop, bool):
            raise FaultSpecError(f"{where}: drop must be true or false")
        status = item.get("status", 500)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultSpecError(f"{where}: status must be an HTTP error status (400-599)")
        count = item.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise FaultSpecError(f"{where}: count must be a positive integer")
        retry_after = item.get("retry_after")
        if retry_after is not None and (
            isinstance(retry_after, bool)
            or not isinstance(retry_after, int | float)
            or retry_after < 0
        ):
            raise FaultSpecError(f"{where}: retry_after must be a non-negative number")
        when = item.get("when", "before")
        if when not in ("before", "after"):
            raise FaultSpecError(f"{where}: when must be 'before' or 'after'")
        message = item.get("message", "")
        if not isinstance(message, str):
            raise FaultSpecError(f"{where}: message must be a string")
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


REQUEST_LOG_LIMIT = 200_000


class FaultTable:
    """The active faults (in memory: a test control, not state worth keeping)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._requests: list[tuple[str, str]] = []

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

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
        """The first fault matching this request, its count used up by one."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, query):
                    fault.count -= 1
                    self._faults = [f for f in self._faults if f.count > 0]
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
        fault = self.table.take(str(scope["method"]), path, query)
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
