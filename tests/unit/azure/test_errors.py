"""The SDK error boundary (reconciler/azure/errors.py): every exception the SDKs raise becomes a
project error with a useful message and no secret.

The exceptions are built as the SDKs build them, from real response objects: httpx responses
for openai (as ``OpenAI._make_status_error`` does, with the body's ``error`` object), azure-core
transport responses for the management SDK (as its generated operations do with ``map_error``
and ``ARMErrorFormat``). Constructing an exception is not mocking the SDK.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx2
import openai
import pytest
import requests
from azure.core import exceptions as az
from azure.core.pipeline.transport import RequestsTransportResponse
from azure.core.rest import HttpRequest
from azure.identity import CredentialUnavailableError
from azure.mgmt.core.exceptions import ARMErrorFormat

from reconciler.azure.errors import call, mapped, translate
from reconciler.errors import (
    AuthError,
    AzureError,
    ConflictError,
    NotFoundError,
    ReconcilerError,
    ThrottledError,
    TransientError,
)

TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token"
API_KEY = "0123456789abcdef0123456789abcdef"
SECRETS = (TOKEN, API_KEY)
OPERATION = "POST fine-tuning job clippy in aoai-swc"
DATA_PLANE = "https://aoai-swc.openai.azure.com/openai/v1/fine_tuning/jobs"
ARM = (
    "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000001/"
    "resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/aoai-swc/"
    "deployments/clippy-swc?api-version=2025-09-01"
)


def _no_secret(error: BaseException) -> None:
    for shown in (str(error), repr(error), *map(str, error.args)):
        assert not any(secret in shown for secret in SECRETS), shown


# --- openai -----------------------------------------------------------------------------------


def _openai_request() -> httpx2.Request:
    return httpx2.Request(
        "POST",
        DATA_PLANE,
        headers={"api-key": API_KEY, "Authorization": f"Bearer {TOKEN}"},
    )


def _openai_status_error(
    kind: type[openai.APIStatusError],
    status: int,
    body: object,
    headers: Mapping[str, str] | None = None,
) -> openai.APIStatusError:
    content = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
    response = httpx2.Response(
        status, content=content, headers=dict(headers or {}), request=_openai_request()
    )
    data = body.get("error", body) if isinstance(body, dict) else body
    return kind(f"Error code: {status} - {body}", response=response, body=data)


def _azure_error(code: str, message: str) -> dict[str, object]:
    # The api-version data plane's error shape (AZURE-API.md)
    return {"error": {"code": code, "message": message, "target": None, "details": []}}


@pytest.mark.parametrize(
    ("kind", "status", "body", "expected", "text"),
    [
        (
            openai.AuthenticationError,
            401,
            {"error": {"code": "401", "message": "Access denied due to invalid subscription key"}},
            AuthError,
            "401: Access denied due to invalid subscription key",
        ),
        (
            openai.PermissionDeniedError,
            403,
            _azure_error("PermissionDenied", "The principal lacks the required data action"),
            AuthError,
            "PermissionDenied: The principal lacks the required data action",
        ),
        (
            openai.NotFoundError,
            404,
            _azure_error("notFound", "Fine-tuning job with id 'ftjob-1' not found."),
            NotFoundError,
            "notFound: Fine-tuning job with id 'ftjob-1' not found.",
        ),
        (
            openai.ConflictError,
            409,
            _azure_error("conflict", "The job is not in a state that allows pausing."),
            ConflictError,
            "conflict: The job is not in a state that allows pausing.",
        ),
        (
            openai.BadRequestError,
            400,
            _azure_error(
                "invalidPayload", "The specified base model does not support fine-tuning."
            ),
            AzureError,
            "invalidPayload: The specified base model does not support fine-tuning.",
        ),
        (
            openai.UnprocessableEntityError,
            422,
            {"error": {"message": "Unprocessable entity", "type": "invalid_request_error"}},
            AzureError,
            "Unprocessable entity",
        ),
        (
            openai.InternalServerError,
            500,
            "Internal Server Error",  # not JSON: the text is the message
            TransientError,
            "Internal Server Error",
        ),
        (
            openai.InternalServerError,
            503,
            _azure_error("ServiceUnavailable", "The service is temporarily unavailable."),
            TransientError,
            "ServiceUnavailable: The service is temporarily unavailable.",
        ),
        (
            openai.APIStatusError,
            408,
            _azure_error("Timeout", "The request timed out."),
            TransientError,
            "Timeout: The request timed out.",
        ),
        (
            openai.APIStatusError,
            418,
            {},  # no error object: the SDK's own message
            AzureError,
            "Error code: 418",
        ),
    ],
)
def test_openai_status_errors(
    kind: type[openai.APIStatusError],
    status: int,
    body: object,
    expected: type[AzureError],
    text: str,
) -> None:
    raised = _openai_status_error(kind, status, body)
    error = translate(raised, OPERATION)
    assert type(error) is expected
    assert error is not None and error.status == status
    assert str(error).startswith(f"{OPERATION}: ") and text in str(error)
    _no_secret(error)


def test_openai_rate_limit_carries_retry_after() -> None:
    body = _azure_error("tooManyRequests", "Rate limit is exceeded.")
    raised = _openai_status_error(openai.RateLimitError, 429, body, {"Retry-After": "7"})
    error = translate(raised, OPERATION)
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 7.0 and error.code == "tooManyRequests"
    assert str(error) == f"{OPERATION}: tooManyRequests: Rate limit is exceeded."
    # the millisecond header wins, as Azure OpenAI sends both
    precise = _openai_status_error(
        openai.RateLimitError, 429, body, {"retry-after-ms": "1500", "Retry-After": "2"}
    )
    assert translate(precise, OPERATION).retry_after == 1.5  # type: ignore[union-attr]
    _no_secret(error)


def test_openai_oauth_error_is_an_auth_error() -> None:
    # Raised by the SDK's workload-identity token exchange; its body is OAuth's, not Azure's.
    body = {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client."}
    response = httpx2.Response(401, json=body, request=_openai_request())
    error = translate(openai.OAuthError(response=response, body=body), "authenticate")
    assert isinstance(error, AuthError) and error.status == 401
    assert str(error) == "authenticate: AADSTS7000215: Invalid client."
    _no_secret(error)


def test_openai_connection_and_timeout_are_ambiguous_transients() -> None:
    dropped = translate(openai.APIConnectionError(request=_openai_request()), OPERATION)
    assert isinstance(dropped, TransientError) and dropped.ambiguous
    assert str(dropped) == f"{OPERATION}: connection failed: Connection error."
    timed_out = translate(openai.APITimeoutError(request=_openai_request()), OPERATION)
    assert isinstance(timed_out, TransientError) and timed_out.ambiguous
    assert str(timed_out) == f"{OPERATION}: timed out"
    _no_secret(dropped)
    _no_secret(timed_out)


# --- azure-core (management SDK) and azure-identity -------------------------------------------


def _arm_response(
    status: int, reason: str, body: object, headers: Mapping[str, str] | None = None
) -> RequestsTransportResponse:
    raw = requests.Response()
    raw.status_code = status
    raw.reason = reason
    raw._content = json.dumps(body).encode()
    raw.headers["Content-Type"] = "application/json"
    raw.headers.update(headers or {})
    request = HttpRequest("PUT", ARM, headers={"Authorization": f"Bearer {TOKEN}"})
    return RequestsTransportResponse(request, raw)  # type: ignore[arg-type]


def _arm_body(code: str, message: str) -> dict[str, object]:
    return {"error": {"code": code, "message": message}}


@pytest.mark.parametrize(
    ("kind", "status", "reason", "body", "expected", "text"),
    [
        (
            az.ResourceNotFoundError,
            404,
            "Not Found",
            _arm_body("DeploymentNotFound", "Deployment clippy-swc was not found."),
            NotFoundError,
            "DeploymentNotFound: Deployment clippy-swc was not found.",
        ),
        (
            az.ResourceExistsError,
            409,
            "Conflict",
            _arm_body(
                "RequestConflict",
                "Another operation is being performed on the parent resource.",
            ),
            ConflictError,
            "RequestConflict: Another operation is being performed on the parent resource.",
        ),
        (
            az.ClientAuthenticationError,
            401,
            "Unauthorized",
            _arm_body("InvalidAuthenticationToken", "The access token is invalid."),
            AuthError,
            "InvalidAuthenticationToken: The access token is invalid.",
        ),
        (
            az.HttpResponseError,
            403,
            "Forbidden",
            _arm_body("AuthorizationFailed", "The client does not have authorization."),
            AuthError,
            "AuthorizationFailed: The client does not have authorization.",
        ),
        (
            az.HttpResponseError,
            400,
            "Bad Request",
            _arm_body("InsufficientQuota", "This operation requires 50 new capacity."),
            AzureError,
            "InsufficientQuota: This operation requires 50 new capacity.",
        ),
        (
            az.HttpResponseError,
            500,
            "Internal Server Error",
            _arm_body("InternalServerError", "An internal error occurred."),
            TransientError,
            "InternalServerError: An internal error occurred.",
        ),
        (
            az.HttpResponseError,
            502,
            "Bad Gateway",
            {},  # no error object: the reason phrase
            TransientError,
            "Bad Gateway",
        ),
    ],
)
def test_azure_core_http_errors(
    kind: type[az.HttpResponseError],
    status: int,
    reason: str,
    body: object,
    expected: type[AzureError],
    text: str,
) -> None:
    raised = kind(response=_arm_response(status, reason, body), error_format=ARMErrorFormat)
    error = translate(raised, "PUT deployment clippy-swc in aoai-swc")
    assert type(error) is expected
    assert error is not None and error.status == status
    assert str(error) == f"PUT deployment clippy-swc in aoai-swc: {text}"
    _no_secret(error)


def test_azure_core_throttling_carries_retry_after() -> None:
    response = _arm_response(
        429,
        "Too Many Requests",
        _arm_body("TooManyRequests", "Too many requests."),
        {"Retry-After": "12"},
    )
    error = translate(az.HttpResponseError(response=response, error_format=ARMErrorFormat), "op")
    assert isinstance(error, ThrottledError) and error.retry_after == 12.0


def test_azure_core_transport_errors() -> None:
    never_sent = translate(az.ServiceRequestError("Failed to establish a connection"), "op")
    assert isinstance(never_sent, TransientError) and not never_sent.ambiguous
    assert str(never_sent) == "op: Failed to establish a connection"
    lost = translate(az.ServiceResponseError("Connection aborted"), "op")
    assert isinstance(lost, TransientError) and lost.ambiguous


@pytest.mark.parametrize(
    "raised",
    [
        CredentialUnavailableError(
            message="EnvironmentCredential authentication unavailable. Environment variables "
            "are not fully configured."
        ),
        # azure-identity raises azure-core's ClientAuthenticationError, without a response
        az.ClientAuthenticationError(message="AADSTS7000215: Invalid client secret provided."),
    ],
)
def test_azure_identity_errors_are_auth_errors(raised: az.ClientAuthenticationError) -> None:
    error = translate(raised, "authenticate")
    assert isinstance(error, AuthError) and error.status is None
    assert str(error) == f"authenticate: {raised.message}"
    _no_secret(error)


# --- the boundary itself ----------------------------------------------------------------------


def test_mapped_raises_the_project_error_from_the_sdk_one() -> None:
    raised = openai.APIConnectionError(request=_openai_request())
    with pytest.raises(TransientError) as caught, mapped(OPERATION):
        raise raised
    assert caught.value.__cause__ is raised
    assert isinstance(caught.value, ReconcilerError)  # the CLI prints it, exit 1, no traceback


def test_other_exceptions_pass_the_boundary_untouched() -> None:
    ours = NotFoundError("already ours", operation="op")
    assert translate(ours, "other") is ours
    assert translate(KeyError("x"), "op") is None
    with pytest.raises(KeyError), mapped("op"):
        raise KeyError("x")
    assert call("op", lambda: 42) == 42


def test_every_sdk_exception_type_is_covered() -> None:
    """A new exception class in either SDK fails here until it is mapped and tested above."""
    tested = {
        openai.APIConnectionError,
        openai.APITimeoutError,
        openai.AuthenticationError,
        openai.PermissionDeniedError,
        openai.NotFoundError,
        openai.ConflictError,
        openai.RateLimitError,
        openai.BadRequestError,
        openai.UnprocessableEntityError,
        openai.InternalServerError,
        openai.APIStatusError,
        openai.OAuthError,
    }
    status_errors = {
        cls
        for name in dir(openai)
        if isinstance(cls := getattr(openai, name), type)
        and issubclass(cls, (openai.APIStatusError, openai.APIConnectionError))
    }
    assert status_errors <= tested
