"""SDK exceptions translated to the project's errors, in this one place (DESIGN.md principle 7).

Neither SDK is imported here: an SDK's exception can exist only once the SDK is loaded, so
``sys.modules`` says which ones to look for (a read-only command never loads them).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from reconciler.errors import (
    AuthError,
    AzureError,
    ConflictError,
    NotFoundError,
    ThrottledError,
    TransientError,
)

if TYPE_CHECKING:
    import openai
    from azure.core import exceptions as az

T = TypeVar("T")


def _openai_error_type() -> type[BaseException] | None:
    """openai's base exception if openai is loaded (importing it costs half a second, and
    no openai exception can exist before it is imported)."""
    module = sys.modules.get("openai")
    return getattr(module, "OpenAIError", None) if module is not None else None


def _azure_error_type() -> type[BaseException] | None:
    """azure-core's base exception if azure-core is loaded."""
    module = sys.modules.get("azure.core.exceptions")
    return getattr(module, "AzureError", None) if module is not None else None


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = headers.get(name)
        if value:
            try:
                return float(value) / 1000.0
            except ValueError:
                pass
    value = headers.get("retry-after")
    if value:
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _by_status(
    status: int | None,
    message: str,
    *,
    operation: str,
    code: str | None,
    retry_after: float | None,
) -> AzureError:
    kw: dict[str, Any] = {
        "operation": operation,
        "status": status,
        "code": code,
        "retry_after": retry_after,
    }
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 409:
        return ConflictError(message, **kw)
    if status == 429:
        return ThrottledError(message, **kw)
    if status in (401, 403):
        return AuthError(message, **kw)
    if status is not None and (status >= 500 or status == 408):
        return TransientError(message, **kw)
    return AzureError(message, **kw)


def _arm_error(exc: az.AzureError, operation: str) -> AzureError:
    from azure.core import exceptions as az

    if isinstance(exc, az.ServiceRequestError):  # never reached the service
        return TransientError(str(exc), operation=operation, ambiguous=False)
    if isinstance(exc, az.ServiceResponseError):  # sent; the answer was lost
        return TransientError(str(exc), operation=operation, ambiguous=True)
    if isinstance(exc, az.ClientAuthenticationError) and getattr(exc, "status_code", None) is None:
        return AuthError(str(exc.message or exc), operation=operation)
    if isinstance(exc, az.HttpResponseError):
        status = exc.status_code
        code = exc.error.code if exc.error is not None else None
        message = exc.error.message if exc.error is not None and exc.error.message else exc.reason
        raw_headers = getattr(exc.response, "headers", None) if exc.response is not None else None
        lowered = {str(k).lower(): str(v) for k, v in raw_headers.items()} if raw_headers else None
        text = f"{code}: {message}" if code else str(message or f"HTTP {status}")
        return _by_status(
            status, text, operation=operation, code=code, retry_after=_retry_after(lowered)
        )
    return AzureError(str(exc), operation=operation)


def _openai_body_error(body: object) -> tuple[str | None, str | None]:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            code = inner.get("code")
            message = inner.get("message")
            return (str(code) if code is not None else None, str(message) if message else None)
    if isinstance(body, str):
        try:
            return _openai_body_error(json.loads(body))
        except ValueError:
            return None, body
    return None, None


def _openai_error(exc: openai.OpenAIError, operation: str) -> AzureError:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return TransientError("timed out", operation=operation, ambiguous=True)
    if isinstance(exc, openai.APIConnectionError):
        return TransientError(f"connection failed: {exc}", operation=operation, ambiguous=True)
    if isinstance(exc, openai.APIStatusError):
        code, message = _openai_body_error(exc.body)
        headers = {k.lower(): v for k, v in exc.response.headers.items()}
        text = f"{code}: {message}" if code and message else (message or exc.message)
        return _by_status(
            exc.status_code,
            text,
            operation=operation,
            code=code,
            retry_after=_retry_after(headers),
        )
    return AzureError(str(exc), operation=operation)


def translate(exc: BaseException, operation: str) -> AzureError | None:
    """The project's error for an SDK exception, or None when it is not one of theirs."""
    if isinstance(exc, AzureError):
        return exc
    azure_error = _azure_error_type()
    if azure_error is not None and isinstance(exc, azure_error):
        return _arm_error(exc, operation)  # type: ignore[arg-type]
    openai_error = _openai_error_type()
    if openai_error is not None and isinstance(exc, openai_error):
        return _openai_error(exc, operation)  # type: ignore[arg-type]
    return None


@contextmanager
def mapped(operation: str) -> Iterator[None]:
    """Run SDK calls inside; their exceptions leave as the project's AzureError subclasses."""
    try:
        yield
    except Exception as exc:
        sdk_errors = tuple(t for t in (_azure_error_type(), _openai_error_type()) if t is not None)
        if not sdk_errors or not isinstance(exc, sdk_errors):
            raise
        from reconciler.azure.write_gate import refusal_in

        refused = refusal_in(exc)  # the write gate stopped it: not a connection failure
        if refused is not None:
            raise refused from None
        translated = translate(exc, operation)
        assert translated is not None
        raise translated from exc


def call(operation: str, fn: Callable[[], T]) -> T:
    with mapped(operation):
        return fn()
