"""Authentication as Azure Resource Manager does it: ``Authorization: Bearer <token>``, where the
token must be a management token (audience ``https://management.azure.com``) issued by the
tenant the subscription belongs to; and, for a request that links a resource of another tenant,
that tenant's management token in ``x-ms-authorization-auxiliary``.

Codes and messages follow what ARM answers (seen in public issue threads):
``AuthenticationFailed`` (no header), ``InvalidAuthenticationToken`` (not a token ARM knows),
``InvalidAuthenticationTokenAudience`` (a token for another resource, e.g. the data plane's),
``InvalidAuthenticationTokenTenant`` (the wrong issuer for this subscription). For the auxiliary
header the ARM docs ("Authenticate requests across tenants") say only that an invalid auxiliary
token is a 401; when the linked tenant has no token there, ARM's code is
``LinkedAuthorizationFailed`` ("the current tenant … is not authorized to access linked
subscription …"). Azure answers that one with 403; the emulator's contract (SPEC §5.7) makes it
a 401, like every other refusal of a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.requests import Request

from reconciler.emulator.arm_errors import ArmError
from reconciler.emulator.identities import Audience
from reconciler.emulator.state import EmulatorState, SeedAccount

AUXILIARY_HEADER = "x-ms-authorization-auxiliary"
_MAX_AUXILIARY_TOKENS = 3  # "The auxiliary header can hold up to three auxiliary tokens."
_ALLOWED_AUDIENCES = (
    "'https://management.core.windows.net/','https://management.core.windows.net',"
    "'https://management.azure.com/','https://management.azure.com'"
)


def _challenge(description: str, tenant: str = "common") -> dict[str, str]:
    # A header value is latin-1 and quoted: keep the description plain ASCII without quotes.
    description = description.encode("ascii", "replace").decode().replace('"', "'")
    return {
        "WWW-Authenticate": (
            f'Bearer authorization_uri="https://login.microsoftonline.com/{tenant}", '
            f'error="invalid_token", error_description="{description}"'
        )
    }


def _refuse(code: str, message: str, tenant: str = "common") -> ArmError:
    return ArmError(401, code, message, headers=_challenge(message, tenant))


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _wrong_issuer(given: str, wanted: str, what: str) -> str:
    return (
        f"The access token{what} is from the wrong issuer 'https://sts.windows.net/{given}/'. "
        f"It must match the tenant 'https://sts.windows.net/{wanted}/' associated with this "
        f"subscription. Please use the authority (URL) 'https://login.windows.net/{wanted}' to "
        "get the token."
    )


def check_arm_token(request: Request, state: EmulatorState) -> None:
    """Raise the 401 ARM answers unless the request carries a management token of the tenant of
    the subscription in its path (an unknown subscription is left to the route: 404)."""
    if "authorization" not in request.headers:
        raise _refuse(
            "AuthenticationFailed",
            "The authentication failed because of missing 'Authorization' header.",
        )
    given = bearer_token(request)
    if given is None:
        raise _refuse(
            "InvalidAuthenticationToken",
            "The 'Authorization' header is not in the 'Bearer <token>' format.",
        )
    token = state.identities.token(given)
    if token is None:
        raise _refuse("InvalidAuthenticationToken", "The access token is invalid.")
    if token.audience is not Audience.MANAGEMENT:
        raise _refuse(
            "InvalidAuthenticationTokenAudience",
            f"The access token has been obtained for wrong audience or resource "
            f"'{token.audience.value}'. It should exactly match with one of the allowed "
            f"audiences {_ALLOWED_AUDIENCES}.",
        )
    subscription = str(request.path_params.get("subscription", ""))
    tenant = state.subscription_tenant(subscription) if subscription else None
    if tenant is not None and token.tenant != tenant:
        raise _refuse(
            "InvalidAuthenticationTokenTenant", _wrong_issuer(token.tenant, tenant, ""), tenant
        )


def _auxiliary_tokens(request: Request) -> list[str]:
    """The tokens of ``x-ms-authorization-auxiliary``: ``Bearer a, Bearer b`` (ARM's docs show
    both ``,`` and ``;`` between them)."""
    header = request.headers.get(AUXILIARY_HEADER, "").strip()
    if not header:
        return []
    tokens = []
    for part in re.split(r"[,;]", header):
        scheme, _, value = part.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _refuse(
                "InvalidAuthenticationToken",
                f"The '{AUXILIARY_HEADER}' header is not in the "
                "'Bearer <token>[, Bearer <token>]' format.",
            )
        tokens.append(value.strip())
    if len(tokens) > _MAX_AUXILIARY_TOKENS:
        raise _refuse(
            "InvalidAuthenticationToken",
            f"The '{AUXILIARY_HEADER}' header holds more than {_MAX_AUXILIARY_TOKENS} tokens.",
        )
    return tokens


def check_linked_tenants(
    request: Request, state: EmulatorState, account: SeedAccount, linked: Iterable[str | None]
) -> None:
    """For a write on ``account`` that names other accounts (``linked``: ARM ids, e.g. a
    deployment's ``properties.model.source``/``sourceAccount``): every auxiliary token must be
    a valid management token, and each linked account in another tenant needs one of its
    tenant. Unknown ids are left to the route (it refuses them in its own words)."""
    tokens = []
    for given in _auxiliary_tokens(request):
        token = state.identities.token(given)
        if token is None:
            raise _refuse(
                "InvalidAuthenticationToken",
                f"The access token in the '{AUXILIARY_HEADER}' header is invalid.",
            )
        if token.audience is not Audience.MANAGEMENT:
            raise _refuse(
                "InvalidAuthenticationTokenAudience",
                f"The access token in the '{AUXILIARY_HEADER}' header has been obtained for "
                f"wrong audience or resource '{token.audience.value}'. It should exactly match "
                f"with one of the allowed audiences {_ALLOWED_AUDIENCES}.",
            )
        tokens.append(token)
    covered = {t.tenant for t in tokens}
    for arm_id in linked:
        other = state.account_by_id(arm_id) if arm_id else None
        if other is None or other.tenant_id == account.tenant_id or other.tenant_id in covered:
            continue
        raise _refuse(
            "LinkedAuthorizationFailed",
            "The client has permission to perform action "
            "'Microsoft.CognitiveServices/accounts/deployments/write' on scope "
            f"'{account.arm_id}', however the current tenant '{account.tenant_id}' is not "
            f"authorized to access linked subscription '{other.subscription_id}'. Send a "
            f"management token of tenant '{other.tenant_id}' in the '{AUXILIARY_HEADER}' "
            "header.",
            other.tenant_id,
        )
