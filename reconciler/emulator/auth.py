"""Authentication as Azure Resource Manager does it: ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from reconciler.emulator.arm_errors import ArmError


def _challenge(description: str) -> dict[str, str]:
    return {
        "WWW-Authenticate": (
            'Bearer authorization_uri="https://login.microsoftonline.com/common", '
            f'error="invalid_token", error_description="{description}"'
        )
    }


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def check_arm_token(request: Request, token: str) -> None:
    """Raise the 401 ARM answers when the bearer token is missing or not the emulator's."""
    if "authorization" not in request.headers:
        description = "The authentication failed because of missing 'Authorization' header."
        raise ArmError(401, "AuthenticationFailed", description, headers=_challenge(description))
    given = bearer_token(request)
    if given is None:
        description = "The 'Authorization' header is not in the 'Bearer <token>' format."
        raise ArmError(
            401, "InvalidAuthenticationToken", description, headers=_challenge(description)
        )
    if not hmac.compare_digest(given.encode(), token.encode()):
        description = "The access token is invalid."
        raise ArmError(
            401, "InvalidAuthenticationToken", description, headers=_challenge(description)
        )
