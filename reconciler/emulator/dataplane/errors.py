"""Errors of the data plane, rendered in the shape of the URL style that was called.

One exception carries everything both shapes need:

- api-version style (``/openai/...?api-version=``), Azure's shape:
  ``{"error": {"code", "message", "target", "details", "innererror"}}`` with Azure's error codes
  (invalidPayload, notFound, conflict, quotaExceeded, jsonlValidationFailed, ...);
- v1 style (``/openai/v1/...``), OpenAI's shape:
  ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

from typing import Any

# Azure's message for a missing or wrong key, word for word.
ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
    "valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
DEPLOYMENT_NOT_FOUND = (
    "The API deployment for this resource does not exist. If you created the deployment within "
    "the last 5 minutes, please wait a moment and try again."
)


class ApiError(Exception):
    """A refusal of the service: HTTP status, Azure error code, message, offending parameter."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        v1_code: str | None = None,
        v1_type: str = "invalid_request_error",
        bare: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        # v1_code "" answers a null code (OpenAI's, for instance, for unknown arguments).
        self.v1_code = v1_code if v1_code is not None else code
        self.v1_type = v1_type
        # Answers of Azure's front end (unknown route, api-version) carry code and message only.
        self.bare = bare

    def azure_body(self) -> dict[str, Any]:
        if self.bare:
            return {"error": {"code": self.code, "message": self.message}}
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "target": self.param,
                "details": [],
                "innererror": None,
            }
        }

    def v1_body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.v1_type,
                "param": self.param,
                "code": self.v1_code or None,
            }
        }


def bad_request(
    message: str, *, param: str | None = None, code: str = "invalidPayload"
) -> ApiError:
    return ApiError(400, code, message, param=param)


def not_found(message: str, *, param: str | None = None) -> ApiError:
    return ApiError(404, "notFound", message, param=param, v1_code="not_found")


def wrong_state(message: str) -> ApiError:
    """An operation the object's current state does not allow (pause a queued job, ...)."""
    return ApiError(400, "unexpectedEntityState", message, v1_code="invalid_state")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message, v1_code="conflict")


def unauthorized(message: str = ACCESS_DENIED) -> ApiError:
    return ApiError(401, "401", message, v1_code="invalid_api_key", v1_type="invalid_request_error")
