"""The emulator's Entra ID and account keys: who a presented credential is.

Each tenant of the seed (and the default tenant) has two tokens, as Entra ID issues per
audience: a *management* token (``https://management.azure.com``, for ARM) and a
*cognitive-services* token (``https://cognitiveservices.azure.com``, for the data plane). Each
account has its own data-plane key. They are made once and kept across restarts (the previous
``connection.json`` is read back), so a client that read the file keeps working.

The emulator never logs or answers with any of them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from reconciler.emulator_connection import EmulatorConnection, TenantTokens


class Audience(Enum):
    MANAGEMENT = "https://management.azure.com"
    COGNITIVE = "https://cognitiveservices.azure.com"


@dataclass(frozen=True)
class Token:
    """What a bearer token the emulator issued stands for."""

    tenant: str
    audience: Audience


class Identities:
    def __init__(
        self,
        default_tenant: str,
        tenants: Mapping[str, TenantTokens] | None = None,
        api_keys: Mapping[str, str] | None = None,
    ) -> None:
        self.default_tenant = default_tenant
        self.tenants = dict(tenants or {})
        self.api_keys = dict(api_keys or {})
        self._tokens: dict[str, Token] = {}
        for tenant, pair in self.tenants.items():
            self._tokens[pair.management_token] = Token(tenant, Audience.MANAGEMENT)
            self._tokens[pair.cognitive_token] = Token(tenant, Audience.COGNITIVE)
        self._key_owner = {key: account.lower() for account, key in self.api_keys.items()}

    def token(self, presented: str) -> Token | None:
        """The tenant and audience of a token the emulator issued; None for anything else."""
        return self._tokens.get(presented)

    def key_owner(self, presented: str) -> str | None:
        """The (lower-cased) account whose key this is; None when it is no account's key."""
        return self._key_owner.get(presented)

    def connection(
        self, endpoint: str, ca_file: str, data_dir: str, pid: int | None
    ) -> EmulatorConnection:
        """What ``connection.json`` tells a client: where the server is, and these identities."""
        return EmulatorConnection(
            endpoint=endpoint,
            ca_file=ca_file,
            default_tenant=self.default_tenant,
            tenants=dict(self.tenants),
            api_keys=dict(self.api_keys),
            data_dir=data_dir,
            pid=pid,
        )

    def __repr__(self) -> str:
        return f"Identities({len(self.tenants)} tenants, {len(self.api_keys)} keys)"


def issue(
    default_tenant: str,
    tenants: Iterable[str],
    accounts: Iterable[str],
    previous: EmulatorConnection | None = None,
) -> Identities:
    """Tokens for every tenant (and the default one) and a key for every account, reusing what
    ``previous`` (the last ``connection.json``) held for them."""
    old_tokens = {t.lower(): pair for t, pair in previous.tenants.items()} if previous else {}
    old_keys = {a.lower(): key for a, key in previous.api_keys.items()} if previous else {}
    pairs: dict[str, TenantTokens] = {}
    for tenant in sorted({default_tenant, *tenants}):
        pairs[tenant] = old_tokens.get(tenant.lower()) or TenantTokens(
            secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        )
    keys = {name: old_keys.get(name.lower()) or secrets.token_hex(16) for name in accounts}
    return Identities(default_tenant, pairs, keys)
