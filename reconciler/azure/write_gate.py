"""The write gate: no request that changes Azure leaves while the stack's lock is not held.

A command that holds a lock registers a check with ``guarded(check)``; every mutating request
(anything but GET, HEAD, OPTIONS) of both SDKs' clients calls the registered checks first, in
the thread that sends it, and a check raises ``LockLostError`` to stop it. The gate sits in the
transport (an azure-core policy for ARM, an httpx request hook for the data plane), so every
write of every command is covered, whatever step or kind sends it, and reads are never slowed.

The openai SDK wraps anything its transport raises into ``APIConnectionError``; ``refusal_in``
finds the gate's error inside, so that the SDK boundary (``azure/errors.mapped``) lets it out
as itself instead of as a retryable connection failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

from reconciler.errors import LockLostError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_guards: list[Callable[[], None]] = []
_mutex = threading.Lock()


@contextmanager
def guarded(check: Callable[[], None]) -> Iterator[None]:
    """While inside, ``check()`` runs before every mutating request of this process."""
    with _mutex:
        _guards.append(check)
    try:
        yield
    finally:
        with _mutex:
            _guards.remove(check)


def check_write(method: str) -> None:
    """Run the registered checks if ``method`` changes something (they raise to refuse)."""
    if method.upper() in SAFE_METHODS:
        return
    with _mutex:
        checks = list(_guards)
    for check in checks:
        check()


class WriteGatePolicy(SansIOHTTPPolicy[Any, Any]):
    """The gate in an azure-core pipeline (management plane)."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        check_write(request.http_request.method)


def _on_request(request: Any) -> None:
    check_write(str(request.method))


def data_plane_gate_hooks() -> dict[str, list[Callable[[Any], None]]]:
    """``event_hooks=`` entries for an httpx client (data plane)."""
    return {"request": [_on_request]}


def refusal_in(error: BaseException) -> LockLostError | None:
    """The gate's refusal that caused ``error`` (an SDK's wrapper around it), if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, LockLostError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
