"""Credentials: azure-identity on Azure, the emulator's tenants and tokens, or an account's key.

Tokens are per tenant and per audience, on Azure as in the emulator: ARM takes a token for
``ARM_SCOPE`` issued by the subscription's tenant, an account's data plane one for
``DATA_PLANE_SCOPE`` issued by the account's tenant. Every caller says which tenant it needs
(None: the credential's default tenant).

Nothing here ever formats a token or key into a message.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.azure.target import ARM_SCOPE, DATA_PLANE_SCOPE, Target
from reconciler.emulator_connection import EmulatorConnection, UnknownIdentity
from reconciler.errors import AuthError
from reconciler.quoting import quote

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, TokenCredential

_TOKEN_LIFETIME_S = 3600


class EmulatorCredential:
    """The emulator's Entra ID: ``get_token(scope, tenant_id=…)`` gives that tenant's management
    token for ``ARM_SCOPE`` and its cognitive-services token for ``DATA_PLANE_SCOPE``, as
    azure-identity would on Azure. ``tenant_id`` defaults to the one this credential was made
    for, then to the emulator's default tenant."""

    def __init__(self, connection: EmulatorConnection, tenant_id: str | None = None) -> None:
        self._connection = connection
        self._tenant_id = tenant_id

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        **kwargs: Any,
    ) -> AccessToken:
        # only the SDKs call this, and they have loaded azure-core: no cost here
        from azure.core.credentials import AccessToken

        token, expires_on = self.token(scopes, tenant_id)
        return AccessToken(token, expires_on)

    def token(self, scopes: tuple[str, ...], tenant_id: str | None = None) -> tuple[str, int]:
        """(token, expires_on) as ``get_token`` gives them, without azure-core's types: the
        raw readers authenticate without loading the SDKs."""
        tenant = tenant_id or self._tenant_id
        if len(scopes) != 1 or scopes[0] not in (ARM_SCOPE, DATA_PLANE_SCOPE):
            raise AuthError(
                f"the emulator issues tokens for {ARM_SCOPE} or {DATA_PLANE_SCOPE} only, "
                f"not for {' '.join(scopes) or 'no scope'}",
                operation="authenticate",
            )
        try:
            if scopes[0] == ARM_SCOPE:
                token = self._connection.management_token(tenant)
            else:
                token = self._connection.cognitive_token(tenant)
        except UnknownIdentity:
            raise AuthError(
                f"the emulator knows no tenant {quote(tenant)} (its tenants: "
                f"{', '.join(sorted(self._connection.tenants))}); check the account's tenant_id",
                operation="authenticate",
            ) from None
        return token, int(time.time()) + _TOKEN_LIFETIME_S

    def __repr__(self) -> str:
        return f"EmulatorCredential(tenant={self._tenant_id or 'default'})"


class _LazyDefaultCredential:
    """DefaultAzureCredential made on first use: commands that never call Azure skip it."""

    def __init__(self, tenant_id: str | None = None) -> None:
        self._tenant_id = tenant_id
        self._lock = threading.Lock()
        self._credential: TokenCredential | None = None

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        with self._lock:
            if self._credential is None:
                from azure.identity import DefaultAzureCredential

                # Tokens of other tenants than the login's are asked for per call (tenant_id=):
                # azure-identity refuses them unless allowed.
                self._credential = DefaultAzureCredential(additionally_allowed_tenants=["*"])
        if self._tenant_id and not kwargs.get("tenant_id"):
            kwargs["tenant_id"] = self._tenant_id
        try:
            return self._credential.get_token(*scopes, **kwargs)
        except Exception as exc:  # azure-identity raises ClientAuthenticationError and friends
            raise AuthError(
                "no Azure credential found (tried azure-identity's DefaultAzureCredential: "
                "environment, workload identity, managed identity, Azure CLI, ...); "
                "run `az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET",
                operation="authenticate",
            ) from exc


def credential(target: Target, tenant_id: str | None = None) -> TokenCredential:
    """The identity the tool acts as, for ``tenant_id`` (None: the default tenant)."""
    if target.emulator is not None:
        return EmulatorCredential(target.emulator, tenant_id)
    return _LazyDefaultCredential(tenant_id)


def arm_credential(target: Target, tenant_id: str | None = None) -> TokenCredential:
    """For the management client of a subscription of ``tenant_id``."""
    return credential(target, tenant_id)


def data_plane_key(
    target: Target, api_key_env: str | None, where: str, tenant_id: str | None = None
) -> str | Callable[[], str]:
    """What the openai client sends as ``Authorization: Bearer …``: the key named by
    ``api_key_env``, or else a provider of Entra tokens for ``DATA_PLANE_SCOPE`` issued by the
    account's own tenant (``tenant_id``; None: the default tenant)."""
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            raise AuthError(
                f"environment variable {api_key_env} (api_key_env of account {where}) is not set",
                operation="authenticate",
            )
        return key
    identity = credential(target, tenant_id)
    return lambda: bearer(identity, DATA_PLANE_SCOPE, tenant_id)[0]


def bearer(identity: TokenCredential, scope: str, tenant_id: str | None) -> tuple[str, float]:
    """(token, expires_on) for ``scope`` from the account's or subscription's tenant; the
    emulator's without loading azure-core (the raw readers' way)."""
    if isinstance(identity, EmulatorCredential):
        return identity.token((scope,), tenant_id)
    got = identity.get_token(scope, tenant_id=tenant_id)
    return got.token, float(got.expires_on)


def auxiliary_token(target: Target, tenant_id: str | None) -> str:
    """The management token of a model's *source* tenant, for ``x-ms-authorization-auxiliary``
    on a cross-tenant deployment PUT (None: the default tenant)."""
    return credential(target, tenant_id).get_token(ARM_SCOPE, tenant_id=tenant_id).token


def storage_credential() -> TokenCredential:
    """For the lock's storage account (Azure Storage, ``https://storage.azure.com/.default``):
    azure-identity always, also while the emulator stands in for Azure OpenAI (the emulator has
    no storage; a lock on Azurite uses a connection string instead)."""
    return _LazyDefaultCredential()
