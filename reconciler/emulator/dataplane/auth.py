"""Who may call an account's data plane, as Azure OpenAI decides it:

- ``api-key: KEY`` with that account's own key;
- ``Authorization: Bearer <token>`` with a Cognitive Services token (audience
  ``https://cognitiveservices.azure.com``) issued by the account's own tenant;
- on the v1 style only, ``Authorization: Bearer KEY`` with the account's key (what
  ``OpenAI(api_key=KEY)`` sends).

Anything else (another account's key, a management token, another tenant's token) is a 401 in
the shape of the style called. The messages are Azure's: the key one for a missing or wrong key,
the Entra one (as Azure words it) for a bearer token it does not accept.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from reconciler.emulator.dataplane.errors import ACCESS_DENIED, unauthorized
from reconciler.emulator.identities import Audience
from reconciler.emulator.state import EmulatorState, SeedAccount

TOKEN_REFUSED = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired."
)


def _own_key(state: EmulatorState, account: SeedAccount, presented: str) -> bool:
    key = state.identities.api_keys.get(account.name, "")
    return bool(key) and hmac.compare_digest(presented.encode(), key.encode())


def check_caller(state: EmulatorState, request: Request, account: SeedAccount, v1: bool) -> None:
    """Return when the request may act on ``account``; raise the 401 ApiError otherwise."""
    key = request.headers.get("api-key")
    if key is not None:
        if _own_key(state, account, key):
            return
        raise unauthorized(ACCESS_DENIED)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    presented = value.strip()
    if scheme.lower() != "bearer" or not presented:
        raise unauthorized(ACCESS_DENIED)
    token = state.identities.token(presented)
    if token is not None:
        if token.audience is Audience.COGNITIVE and token.tenant == account.tenant_id:
            return
        raise unauthorized(TOKEN_REFUSED)
    if v1 and _own_key(state, account, presented):
        return
    is_a_key = state.identities.key_owner(presented) is not None
    raise unauthorized(ACCESS_DENIED if is_a_key else TOKEN_REFUSED)
