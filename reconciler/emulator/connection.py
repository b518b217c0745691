"""How a client finds a running emulator and what it presents: ``D/connection.json``.

The file (mode 0600, written by ``serve``)::

    {"endpoint": "https://127.0.0.1:PORT", "ca": "/abs/D/ca.pem",
     "default_tenant": "<tenant id>",
     "tenants": {"<tenant id>": {"management_token": "…", "cognitive_token": "…"}},
     "api_keys": {"<account name>": "<key>"},
     "data_dir": "/abs/D", "pid": 1234}

A tenant's ``management_token`` is what Entra ID would issue for
``https://management.azure.com/.default`` in that tenant (ARM accepts it for the subscriptions
of that tenant only); its ``cognitive_token`` what it would issue for
``https://cognitiveservices.azure.com/.default`` (the data plane of that tenant's accounts
accepts it). ``api_keys`` holds each account's own data-plane key.

Stdlib only on purpose, so the CLI and test helpers read it without the server's dependencies.
Nothing here puts a token or key into a message or a ``repr``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

CONNECTION_FILE = "connection.json"
MANAGEMENT = "management_token"
COGNITIVE = "cognitive_token"


class UnknownIdentity(KeyError):
    """A tenant or account the connection file holds no credential for (named, never a secret)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown"


@dataclass(frozen=True)
class TenantTokens:
    management_token: str
    cognitive_token: str

    def __repr__(self) -> str:
        return "TenantTokens(***)"


@dataclass(frozen=True)
class EmulatorConnection:
    endpoint: str  # "https://127.0.0.1:PORT", ARM lives at its root
    ca_file: str
    default_tenant: str
    tenants: Mapping[str, TenantTokens] = field(repr=False)
    api_keys: Mapping[str, str] = field(repr=False)
    data_dir: str

    def _tokens(self, tenant: str | None) -> TenantTokens:
        wanted = (tenant or self.default_tenant).lower()
        for tenant_id, tokens in self.tenants.items():
            if tenant_id.lower() == wanted:
                return tokens
        raise UnknownIdentity(f"the emulator knows no tenant {tenant}")

    def management_token(self, tenant: str | None = None) -> str:
        """The ARM token of ``tenant`` (default: the default tenant)."""
        return self._tokens(tenant).management_token

    def cognitive_token(self, tenant: str | None = None) -> str:
        """The data-plane (Cognitive Services) token of ``tenant`` (default: the default one)."""
        return self._tokens(tenant).cognitive_token

    def api_key(self, account: str) -> str:
        """The data-plane key of one account (by its Azure resource name)."""
        for name, key in self.api_keys.items():
            if name.lower() == account.lower():
                return key
        raise UnknownIdentity(f"the emulator holds no account {account}")

    def account_endpoint(self, account: str) -> str:
        return f"{self.endpoint}/dp/{account}/"


def read_connection_document(data_dir: Path) -> dict[str, Any]:
    """The raw JSON of ``data_dir/connection.json``; FileNotFoundError / ValueError."""
    path = Path(data_dir) / CONNECTION_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return raw


def parse_connection(raw: Mapping[str, Any], data_dir: Path, *, where: str) -> EmulatorConnection:
    """An EmulatorConnection from the file's JSON; ValueError naming what is wrong (``where``:
    the file, for the message)."""
    missing = [k for k in ("endpoint", "ca", "default_tenant") if not isinstance(raw.get(k), str)]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    tenants_raw, keys_raw = raw.get("tenants"), raw.get("api_keys")
    if not isinstance(tenants_raw, dict) or not isinstance(keys_raw, dict):
        raise ValueError(f"{where}: tenants and api_keys must be objects")
    tenants: dict[str, TenantTokens] = {}
    for tenant, pair in tenants_raw.items():
        if not isinstance(pair, dict) or not all(
            isinstance(pair.get(k), str) and pair.get(k) for k in (MANAGEMENT, COGNITIVE)
        ):
            raise ValueError(f"{where}: tenant {tenant} needs {MANAGEMENT} and {COGNITIVE}")
        tenants[str(tenant)] = TenantTokens(pair[MANAGEMENT], pair[COGNITIVE])
    if not any(t.lower() == raw["default_tenant"].lower() for t in tenants):
        raise ValueError(f"{where}: no tokens for the default tenant {raw['default_tenant']}")
    keys: dict[str, str] = {}
    for account, key in keys_raw.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{where}: the api key of account {account} must be a string")
        keys[str(account)] = key
    return EmulatorConnection(
        endpoint=raw["endpoint"].rstrip("/"),
        ca_file=raw["ca"],
        default_tenant=raw["default_tenant"],
        tenants=MappingProxyType(tenants),
        api_keys=MappingProxyType(keys),
        data_dir=str(raw.get("data_dir") or Path(data_dir).resolve()),
    )


def load_connection(data_dir: Path) -> EmulatorConnection:
    """Read ``data_dir/connection.json``; raises FileNotFoundError / ValueError when unusable."""
    raw = read_connection_document(data_dir)
    return parse_connection(raw, data_dir, where=str(Path(data_dir) / CONNECTION_FILE))
