"""How a client finds a running emulator: ``D/connection.json`` (stdlib only on purpose, so the
CLI can read it without importing the server's dependencies)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CONNECTION_FILE = "connection.json"


@dataclass(frozen=True)
class EmulatorConnection:
    endpoint: str  # "https://127.0.0.1:PORT", ARM lives at its root
    ca_file: str
    token: str  # ARM and data-plane bearer token
    api_key: str  # data-plane key
    data_dir: str

    def account_endpoint(self, account: str) -> str:
        return f"{self.endpoint}/dp/{account}/"


def load_connection(data_dir: Path) -> EmulatorConnection:
    """Read ``data_dir/connection.json``; raises FileNotFoundError / ValueError when unusable."""
    path = Path(data_dir) / CONNECTION_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object")
    missing = [
        k for k in ("endpoint", "ca_file", "token", "api_key") if not isinstance(raw.get(k), str)
    ]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return EmulatorConnection(
        endpoint=raw["endpoint"].rstrip("/"),
        ca_file=raw["ca_file"],
        token=raw["token"],
        api_key=raw["api_key"],
        data_dir=str(raw.get("data_dir") or Path(data_dir).resolve()),
    )
