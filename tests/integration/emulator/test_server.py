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

from reconciler.emulator.process import EmulatorStartError, start_emulator
from reconciler.emulator_connection import load_connection

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "emulator-seed.yaml"
DEFAULT_TENANT = "11111111-1111-1111-1111-111111111111"
TENANT2 = "22222222-2222-2222-2222-222222222222"


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
        assert set(raw) == {
            "endpoint",
            "ca",
            "default_tenant",
            "tenants",
            "api_keys",
            "data_dir",
            "pid",
        }
        assert raw["endpoint"] == running.endpoint
        assert raw["ca"] == str((tmp_path / "ca.pem").resolve())
        assert raw["pid"] == running.pid
        # A token pair for the default tenant and the seed's other tenant; a key per account.
        assert raw["default_tenant"] == DEFAULT_TENANT
        assert set(raw["tenants"]) == {DEFAULT_TENANT, TENANT2}
        for pair in raw["tenants"].values():
            assert set(pair) == {"management_token", "cognitive_token"}
        assert set(raw["api_keys"]) == {"aoai-swc", "aoai-ncus", "aoai-ncus-b"}
        secrets = [t for pair in raw["tenants"].values() for t in pair.values()]
        secrets += raw["api_keys"].values()
        assert len(set(secrets)) == len(secrets) == 7 and all(secrets)
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
        assert second.connection.tenants == first.connection.tenants
        assert second.connection.api_keys == first.connection.api_keys
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


def test_a_new_seed_keeps_the_credentials_of_what_it_still_holds(
    tmp_path: Path, private_emulator: Any
) -> None:
    first = private_emulator(tmp_path)
    first.stop()
    seed = tmp_path / "bigger-seed.yaml"
    accounts, _, quotas = SEED.read_text().partition("quotas:")
    seed.write_text(
        accounts
        + "  - {subscription_id: 00000000-0000-0000-0000-000000000003, resource_group: rg-3,\n"
        "     name: aoai-three, location: swedencentral,\n"
        "     tenant_id: 33333333-3333-3333-3333-333333333333}\n"
        "quotas:" + quotas
    )
    second = start_emulator(tmp_path, seed, provision_seconds=0.05)
    second.stop()
    before, after = first.connection, second.connection
    assert after.management_token(TENANT2) == before.management_token(TENANT2)
    assert after.cognitive_token() == before.cognitive_token()
    assert after.api_key("aoai-swc") == before.api_key("aoai-swc")
    new_tenant = "33333333-3333-3333-3333-333333333333"
    assert after.management_token(new_tenant) not in {
        t for pair in before.tenants.values() for t in (pair.management_token, pair.cognitive_token)
    }
    assert after.api_key("aoai-three") not in before.api_keys.values()


def test_seed_tenants_must_be_guids_and_one_per_subscription(tmp_path: Path) -> None:
    seed = tmp_path / "tenant-seed.yaml"
    seed.write_text(
        "accounts:\n"
        "  - {subscription_id: s1, resource_group: rg, name: a1, location: westus,\n"
        "     tenant_id: 22222222-2222-2222-2222-222222222222}\n"
        "  - {subscription_id: s1, resource_group: rg, name: a2, location: westus}\n"
        "  - {subscription_id: s2, resource_group: rg, name: a3, location: westus,\n"
        "     tenant_id: contoso}\n"
    )
    result = serve(tmp_path / "data", "--seed", str(seed))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = result.stderr
    # a2 leaves s1 in the default tenant, but a1 put it in 2222...: named at a2, pointing at a1.
    assert "tenant-seed.yaml:4:" in errors
    assert "subscription s1 is in tenant 22222222-2222-2222-2222-222222222222" in errors
    assert "tenant-seed.yaml:3:" in errors  # where a1 said so
    assert "tenant-seed.yaml:6:" in errors and "'contoso' is not a tenant id" in errors


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
