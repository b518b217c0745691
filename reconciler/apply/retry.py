"""Retrying calls to Azure: exponential backoff with full jitter, Retry-After, a time budget.

What is retried by default: 409 (``ConflictError``: RequestConflict while another write runs on
the account), 429 (``ThrottledError``) and ``TransientError`` (5xx, timeouts, dropped
connections). Everything else is raised at once, unchanged.

The delay before retry *n* (1-based) is ``uniform(0, min(cap, base * factor ** (n - 1)))``
("full jitter": callers that collide once do not collide again in lockstep). A ``retry_after``
carried by the error is a floor: the service asked for at least that long. No retry starts
after ``total_seconds`` from the first attempt, nor beyond ``max_attempts``.

Non-idempotent operations (creating a job: a second POST makes a second job) must not be blindly
repeated, because a failure may come after the service acted (a 5xx or timeout after sending, a
dropped connection). They pass ``before_retry``, which looks again (lists what exists and finds
the operation's result by its fingerprint) before every retry: when it finds the result, that is
the call's result and nothing is sent again. It runs before *every* retry, not only after the
errors marked ambiguous: the emulator's ``when: after`` faults (and a proxy in front of Azure)
can answer any status after the request took effect, and a look costs one list call. An
operation declared ``idempotent=False`` without a ``before_retry`` is not retried after an
ambiguous error at all.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from reconciler.errors import (
    AuthError,
    AzureError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    TransientError,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    max_attempts: int = 10
    total_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base < 0 or self.cap < 0 or self.factor < 1 or self.total_seconds < 0:
            raise ValueError(f"invalid retry policy {self}")

    def ceiling(self, retry: int) -> float:
        """The largest jittered delay before retry number ``retry`` (1-based)."""
        # min() before the power would overflow on absurd attempt counts; the exponent is bounded.
        exponent = min(retry - 1, 64)
        return min(self.cap, self.base * self.factor**exponent)


def is_retryable(error: BaseException) -> bool:
    """The default: 409, 429 and transient errors (5xx, timeouts, dropped connections)."""
    return isinstance(error, ConflictError | ThrottledError | TransientError)


def is_ambiguous(error: BaseException) -> bool:
    """Whether the failed request may have taken effect."""
    return isinstance(error, TransientError) and error.ambiguous


def describe(error: BaseException) -> str:
    """An error as ``409 RequestConflict: message``, without the operation prefix it carries."""
    text = str(error) or type(error).__name__
    if isinstance(error, AzureError):
        if error.operation and text.startswith(f"{error.operation}: "):
            text = text[len(error.operation) + 2 :]
        if error.status is not None and not text.startswith(str(error.status)):
            text = f"{error.status} {text}"
    return text


def _gave_up(operation: str, last: BaseException, attempts: int, elapsed: float) -> AzureError:
    """The final error: the last error's kind, with the operation, attempts and time named."""
    noun = "attempt" if attempts == 1 else "attempts"
    message = f"gave up after {attempts} {noun} over {elapsed:.0f} s: {describe(last)}"
    if not isinstance(last, AzureError):
        return AzureError(message, operation=operation)
    status, code, after = last.status, last.code, last.retry_after
    if isinstance(last, TransientError):
        return TransientError(
            message,
            operation=operation,
            status=status,
            code=code,
            retry_after=after,
            ambiguous=last.ambiguous,
        )
    kind: type[AzureError] = AzureError
    if type(last) in (ConflictError, ThrottledError, NotFoundError, AuthError):
        kind = type(last)  # keep the kind so callers can still tell a 409 from a 429
    return kind(message, operation=operation, status=status, code=code, retry_after=after)


def retry_call(
    operation: str,
    fn: Callable[[], T],
    *,
    policy: RetryPolicy | None = None,
    is_retryable: Callable[[BaseException], bool] = is_retryable,
    on_retry: Callable[[int, float, BaseException], None] | None = None,
    before_retry: Callable[[], T | None] | None = None,
    idempotent: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    jitter: Callable[[], float] = random.random,
) -> T:
    """``fn()``, retried as the module docstring says; ``operation`` names it in the final error.

    ``on_retry(retry_number, delay, error)`` is called before each sleep (to tell the user).
    ``jitter`` returns a float in [0, 1); tests pass a fixed one.
    """
    policy = policy or RetryPolicy()
    start = clock()
    deadline = start + policy.total_seconds
    attempts = 0
    look_first = False
    while True:
        attempts += 1
        try:
            if look_first and before_retry is not None:
                found = before_retry()
                if found is not None:
                    return found
            return fn()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            if not idempotent and before_retry is None and is_ambiguous(exc):
                assert isinstance(exc, TransientError)
                raise TransientError(
                    f"not retried, it may have taken effect: {describe(exc)}",
                    operation=operation,
                    status=exc.status,
                    code=exc.code,
                    ambiguous=True,
                ) from exc
            now = clock()
            if attempts >= policy.max_attempts:
                raise _gave_up(operation, exc, attempts, now - start) from exc
            delay = policy.ceiling(attempts) * jitter()
            retry_after = exc.retry_after if isinstance(exc, AzureError) else None
            if retry_after is not None:
                delay = max(delay, retry_after)
            if now + delay > deadline:
                raise _gave_up(operation, exc, attempts, now - start) from exc
            if on_retry is not None:
                on_retry(attempts, delay, exc)
            sleep(delay)
            look_first = True
