"""A stopped emulator (its connection file left behind) is named, with the variable to fix."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.azure.target import ENV_EMULATOR, check_emulator_answers, resolve_target
from reconciler.cli import cli
from reconciler.errors import ReconcilerError

EXAMPLE = Path(__file__).resolve().parents[3] / "specs" / "examples" / "clippy"


def _connection_file(folder: Path, port: int) -> None:
    document = {
        "endpoint": f"https://127.0.0.1:{port}",
        "ca": str(folder / "ca.pem"),
        "default_tenant": "11111111-1111-1111-1111-111111111111",
        "tenants": {
            "11111111-1111-1111-1111-111111111111": {
                "management_token": "mgmt-secret",
                "cognitive_token": "cog-secret",
            }
        },
        "api_keys": {},
        "pid": 1,
    }
    (folder / "connection.json").write_text(json.dumps(document), encoding="utf-8")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_plan_against_a_stopped_emulator_names_the_endpoint_and_the_variable(
    tmp_path: Path,
) -> None:
    port = _closed_port()
    _connection_file(tmp_path, port)
    env = {
        ENV_EMULATOR: str(tmp_path),
        "AZURE_SUBSCRIPTION_ID": "0" * 8 + "-0000" * 3 + "-" + "0" * 12,
    }
    result = CliRunner().invoke(cli, ["-q", "plan", str(EXAMPLE)], env=env)
    assert result.exit_code == 1
    assert f"error: cannot reach the emulator at https://127.0.0.1:{port} (connection refused)" in (
        result.output
    )
    assert f"{ENV_EMULATOR}={tmp_path} points at a stopped emulator" in result.output
    assert "secret" not in result.output


def test_a_listening_emulator_passes(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        _connection_file(tmp_path, server.getsockname()[1])
        check_emulator_answers(resolve_target({ENV_EMULATOR: str(tmp_path)}))


def test_a_closed_port_raises(tmp_path: Path) -> None:
    _connection_file(tmp_path, _closed_port())
    with pytest.raises(ReconcilerError, match="points at a stopped emulator"):
        check_emulator_answers(resolve_target({ENV_EMULATOR: str(tmp_path)}))
