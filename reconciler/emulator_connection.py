"""The emulator's connection file ``D/connection.json`` (SPEC.md §5.7): the one module that
knows its format. The emulator writes it (``write_connection``) and reads the last one back to
keep its tokens across restarts; the CLI and the tests read it (``load_connection``) to reach
the emulator. Both sides go through ``parse_connection``, so both refuse the same broken file
with the same message.

The file (mode 0600, never written through a symlink)::

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

Stdlib only on purpose (plus ``state_dir``'s safe writer), so the CLI and test helpers read it
without the server's dependencies. Nothing here puts a token or key into a message or a
``repr``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reconciler.state_dir import write_atomic

CONNECTION_FILE = "connection.json"
MANAGEMENT = "management_token"
COGNITIVE = "cognitive_token"


class ConnectionFileError(ValueError):
    """The connection file is not what the emulator writes; the message names the file and the
    field, never a value."""


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
    pid: int | None = None  # the server process, for tools that stop it

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

    def to_json(self) -> dict[str, Any]:
        """The file's JSON (tenants and accounts sorted, so a restart rewrites the same text)."""
        document: dict[str, Any] = {
            "endpoint": self.endpoint,
            "ca": self.ca_file,
            "default_tenant": self.default_tenant,
            "tenants": {
                tenant: {MANAGEMENT: pair.management_token, COGNITIVE: pair.cognitive_token}
                for tenant, pair in sorted(self.tenants.items())
            },
            "api_keys": dict(sorted(self.api_keys.items())),
            "data_dir": self.data_dir,
        }
        if self.pid is not None:
            document["pid"] = self.pid
        return document


def _read_document(data_dir: Path) -> dict[str, Any]:
    """The raw JSON of ``data_dir/connection.json``; FileNotFoundError / ConnectionFileError."""
    path = Path(data_dir) / CONNECTION_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConnectionFileError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConnectionFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})"
        ) from None
    if not isinstance(raw, dict):
        raise ConnectionFileError(f"{path}: expected a JSON object")
    return raw


def parse_connection(raw: Mapping[str, Any], data_dir: Path, *, where: str) -> EmulatorConnection:
    """An EmulatorConnection from the file's JSON; ConnectionFileError naming what is wrong
    (``where``: the file, for the message)."""
    missing = [k for k in ("endpoint", "ca", "default_tenant") if not isinstance(raw.get(k), str)]
    if missing:
        raise ConnectionFileError(f"{where}: missing {', '.join(missing)}")
    tenants_raw, keys_raw = raw.get("tenants"), raw.get("api_keys")
    if not isinstance(tenants_raw, dict) or not isinstance(keys_raw, dict):
        raise ConnectionFileError(f"{where}: tenants and api_keys must be objects")
    tenants: dict[str, TenantTokens] = {}
    for tenant, pair in tenants_raw.items():
        if not isinstance(pair, dict) or not all(
            isinstance(pair.get(k), str) and pair.get(k) for k in (MANAGEMENT, COGNITIVE)
        ):
            raise ConnectionFileError(
                f"{where}: tenant {tenant} needs {MANAGEMENT} and {COGNITIVE}"
            )
        tenants[str(tenant)] = TenantTokens(pair[MANAGEMENT], pair[COGNITIVE])
    if not any(t.lower() == raw["default_tenant"].lower() for t in tenants):
        raise ConnectionFileError(
            f"{where}: no tokens for the default tenant {raw['default_tenant']}"
        )
    keys: dict[str, str] = {}
    for account, key in keys_raw.items():
        if not isinstance(key, str) or not key:
            raise ConnectionFileError(f"{where}: the api key of account {account} must be a string")
        keys[str(account)] = key
    return EmulatorConnection(
        endpoint=raw["endpoint"].rstrip("/"),
        ca_file=raw["ca"],
        default_tenant=raw["default_tenant"],
        tenants=MappingProxyType(tenants),
        api_keys=MappingProxyType(keys),
        data_dir=str(raw.get("data_dir") or Path(data_dir).resolve()),
        pid=_pid(raw.get("pid"), where),
    )


def _pid(value: object, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConnectionFileError(f"{where}: pid must be a positive integer")
    return value


def load_connection(data_dir: Path) -> EmulatorConnection:
    """Read ``data_dir/connection.json``; FileNotFoundError (or another OSError) /
    ConnectionFileError when unusable."""
    raw = _read_document(data_dir)
    return parse_connection(raw, data_dir, where=str(Path(data_dir) / CONNECTION_FILE))


def write_connection(data_dir: Path, connection: EmulatorConnection) -> Path:
    """Write ``data_dir/connection.json`` atomically, readable by its owner only (it holds every
    token and key), never through a symlink; returns its path."""
    path = Path(data_dir) / CONNECTION_FILE
    text = json.dumps(connection.to_json(), indent=2) + "\n"
    write_atomic(path.parent, path, text.encode("utf-8"), mode=0o600)
    return path
