"""Credentials: azure-identity by default, the emulator's static token, or an account's key.

Nothing here ever formats a token or key into a message.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential

from reconciler.azure.target import DATA_PLANE_SCOPE, Target
from reconciler.errors import AuthError


class StaticTokenCredential:
    """A TokenCredential that always returns one token (the emulator's)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def __repr__(self) -> str:
        return "StaticTokenCredential(***)"


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

                kw: dict[str, Any] = {}
                if self._tenant_id:
                    kw["additionally_allowed_tenants"] = ["*"]
                self._credential = DefaultAzureCredential(**kw)
        if self._tenant_id:
            kwargs.setdefault("tenant_id", self._tenant_id)
        try:
            return self._credential.get_token(*scopes, **kwargs)
        except Exception as exc:  # azure-identity raises ClientAuthenticationError and friends
            raise AuthError(
                "no Azure credential found (tried azure-identity's DefaultAzureCredential: "
                "environment, workload identity, managed identity, Azure CLI, ...); "
                "run `az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET",
                operation="authenticate",
            ) from exc


def arm_credential(target: Target, tenant_id: str | None = None) -> TokenCredential:
    if target.emulator_token is not None:
        return StaticTokenCredential(target.emulator_token)
    return _LazyDefaultCredential(tenant_id)


def data_plane_key(target: Target, api_key_env: str | None, where: str) -> str | Callable[[], str]:
    """What the openai client sends as ``Authorization: Bearer …``: a key, or a token provider."""
    if target.emulator_api_key is not None and not api_key_env:
        return target.emulator_api_key
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            raise AuthError(
                f"environment variable {api_key_env} (api_key_env of account {where}) is not set",
                operation="authenticate",
            )
        return key
    credential = arm_credential(target)
    return lambda: credential.get_token(DATA_PLANE_SCOPE).token


def auxiliary_token(target: Target, tenant_id: str) -> str:
    """The source tenant's ARM token for ``x-ms-authorization-auxiliary`` (cross-tenant deploys)."""
    from reconciler.azure.target import ARM_SCOPE

    return arm_credential(target, tenant_id).get_token(ARM_SCOPE).token
