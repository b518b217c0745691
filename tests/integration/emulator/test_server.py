"""The server process: startup time, files it writes, restart persistence, seed errors, stop."""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.cognitiveservices.models import (
    Deployment,
    DeploymentModel,
    DeploymentProperties,
    Sku,
)

from reconciler.emulator.connection import load_connection
from reconciler.emulator.process import EmulatorStartError, start_emulator


def serve(data_dir: Path, *args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """Run the CLI for a server that is expected to refuse to start."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "reconciler",
            "emulator",
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_starts_fast_and_writes_its_files(
    tmp_path: Path, private_emulator: Any, make_http_client: Any
) -> None:
    started = time.monotonic()
    running = private_emulator(tmp_path)
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 2.0, f"took {elapsed:.2f} s to answer"
        assert running.endpoint.startswith("https://127.0.0.1:")
        conn_file = tmp_path / "connection.json"
        assert stat.S_IMODE(conn_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "ca-key.pem").stat().st_mode) == 0o600
        raw = json.loads(conn_file.read_text())
        assert raw["endpoint"] == running.endpoint
        assert raw["ca_file"] == str((tmp_path / "ca.pem").resolve())
        assert raw["pid"] == running.pid
        assert running.connection.token and running.connection.api_key
        with make_http_client(running.connection) as client:
            assert client.get("/_emulator/state").status_code == 200
    finally:
        assert running.stop() == 0  # SIGTERM is a clean stop


def test_restart_keeps_state_ca_and_credentials(
    tmp_path: Path, private_emulator: Any, make_arm_client: Any
) -> None:
    first = private_emulator(tmp_path)
    try:
        client = make_arm_client(first.connection)
        client.deployments.begin_create_or_update(
            "rg-ft",
            "aoai-swc",
            "survivor",
            Deployment(
                sku=Sku(name="Standard", capacity=3),
                properties=DeploymentProperties(
                    model=DeploymentModel(
                        format="OpenAI", name="gpt-4.1-mini", version="2025-04-14"
                    )
                ),
                tags={"keep": "me"},
            ),
        ).result()
        etag = client.deployments.get("rg-ft", "aoai-swc", "survivor").etag
    finally:
        assert first.stop() == 0
    ca_before = (tmp_path / "ca.pem").read_bytes()

    # No seed this time: the data dir remembers it.
    second = start_emulator(tmp_path, None, provision_seconds=0.05)
    try:
        assert (tmp_path / "ca.pem").read_bytes() == ca_before
        assert second.connection.token == first.connection.token
        assert second.connection.api_key == first.connection.api_key
        client = make_arm_client(second.connection)
        kept = client.deployments.get("rg-ft", "aoai-swc", "survivor")
        assert (kept.sku.capacity, kept.tags, kept.etag) == (3, {"keep": "me"}, etag)
        assert kept.properties.provisioning_state == "Succeeded"
        assert {a.name for a in client.accounts.list()} == {"aoai-swc", "aoai-ncus"}
        account = client.accounts.get("rg-ft", "aoai-swc")
        assert account.properties.endpoint == f"{second.endpoint}/dp/aoai-swc/"
    finally:
        second.stop()
    assert load_connection(tmp_path).endpoint == second.endpoint


def test_seed_errors_are_located_and_exit_1(tmp_path: Path) -> None:
    seed = tmp_path / "bad-seed.yaml"
    seed.write_text(
        "accounts:\n"
        "  - {subscription_id: s1, resource_group: rg, name: a1, location: swedencentral}\n"
        "  - {subscription_id: s1, resource_group: rg, name: a1, location: westus}\n"
        "  - {subscription_id: s1, name: a2, location: 12, colour: blue}\n"
        "quotas:\n"
        "  - {subscription_id: s1, location: westus, name: OpenAI.Standard.gpt-4.1, limit: lots}\n"
    )
    result = serve(tmp_path / "data", "--seed", str(seed))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    errors = result.stderr
    assert "bad-seed.yaml:3:" in errors and "listed twice" in errors
    assert "bad-seed.yaml:4:" in errors and "resource_group is required" in errors
    assert "location must be a string" in errors
    assert "unknown field colour" in errors
    assert "bad-seed.yaml:6:" in errors and "limit must be an integer" in errors


def test_no_seed_and_empty_data_dir_is_an_error(tmp_path: Path) -> None:
    result = serve(tmp_path)
    assert result.returncode == 1
    assert "no seed" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(EmulatorStartError, match="no seed"):
        start_emulator(tmp_path / "again")


def test_busy_port_is_an_error(tmp_path: Path, private_emulator: Any) -> None:
    running = private_emulator(tmp_path / "one")
    try:
        port = running.endpoint.rsplit(":", 1)[1]
        seed = Path(__file__).resolve().parents[2] / "fixtures" / "emulator-seed.yaml"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "reconciler",
                "emulator",
                "serve",
                "--port",
                port,
                "--data-dir",
                str(tmp_path / "two"),
                "--seed",
                str(seed),
            ],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert result.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    finally:
        running.stop()


def test_sigint_stops_cleanly_and_closes_the_store(tmp_path: Path, private_emulator: Any) -> None:
    running = private_emulator(tmp_path)
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(10) == 0
    # SQLite removes its write-ahead log when the last connection closes properly.
    assert (tmp_path / "state.sqlite").exists()
    assert not (tmp_path / "state.sqlite-wal").exists()
