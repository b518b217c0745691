"""The lock shared by CI runners (SPEC.md §5.6), for real: `reconciler apply` processes from
separate checkouts (separate folders, so no local flock is shared), one emulator, one Azurite,
and the real azure-storage-blob client on both sides.

The emulator's clock runs at wall-clock speed, so a job trains (and an apply holds the lock)
until the test advances the clock: what a test waits for is never a race with training.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from azure.storage.blob import BlobLeaseClient

from reconciler.apply.blob_lock import BlobLeaseLock
from reconciler.azure.blob_lease import LeaseBlob
from reconciler.emulator.process import RunningEmulator
from tests.integration.apply.apply_support import Admin, Result, apply

from .azurite import ACCOUNT, ACCOUNT_KEY, Azurite
from .lock_support import (
    CONNECTION_VARIABLE,
    Run,
    apply_args,
    checkout,
    lease_state,
    lock_blob,
    run_env,
    wait_until_held,
)

GITHUB = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/models",
    "GITHUB_RUN_ID": "4242",
}
RUN_URL = "https://github.com/acme/models/actions/runs/4242"
TRAINED = 100_000  # simulated seconds: every job of the emulator is done after this


def _no_secret(*runs: Run) -> None:
    for run in runs:
        assert ACCOUNT_KEY not in run.output
        assert f"AccountKey={ACCOUNT_KEY[:8]}" not in run.output
        assert "Traceback" not in run.output


def test_two_checkouts_exclude_each_other_and_the_waiter_names_the_holder(
    azurite: Azurite, emulator: RunningEmulator, admin: Admin, tmp_path: Path
) -> None:
    stack, container = "twin", "locks-twin"
    spec_a = checkout(tmp_path / "runner-a", stack, container, azurite)
    spec_b = checkout(tmp_path / "runner-b", stack, container, azurite)
    env_a = run_env(emulator, azurite, tmp_path / "runner-a", **GITHUB)
    env_b = run_env(emulator, azurite, tmp_path / "runner-b")
    blob = lock_blob(azurite, container, stack)
    a = Run(apply_args(spec_a, "--wait", "--timeout", "120"), env_a, tmp_path / "runner-a")
    runs = [a]
    try:
        holder = wait_until_held(blob)  # A trains now, until the clock moves
        assert holder["pid"] == str(a.pid)
        assert holder["run_url"] == RUN_URL
        assert holder["command"].startswith("reconciler apply ")

        refused = Run(apply_args(spec_b, "--lock-timeout", "0"), env_b, tmp_path / "runner-b")
        runs.append(refused)
        assert refused.finish(60) == 1, refused.output
        assert f"error: the lock on stack {stack} is held by " in refused.output
        assert f"(pid {a.pid}) since 20" in refused.output
        assert RUN_URL in refused.output
        assert f"blob {container}/{stack}.lock in storage account {ACCOUNT}" in refused.output
        assert "not waiting (--lock-timeout 0; --lock-timeout SECONDS waits" in refused.output

        b = Run(apply_args(spec_b, "--lock-timeout", "120"), env_b, tmp_path / "runner-b")
        runs.append(b)
        assert b.wait_for(f"waiting for the lock on stack {stack} held by "), b.output
        assert f"(pid {a.pid}) since 20" in b.output
        assert RUN_URL in b.output
        assert b.process.poll() is None  # still waiting while A holds the lock

        admin.advance(TRAINED)  # A's job ends; A deploys and releases
        assert a.finish() == 0, a.output
        assert b.finish() == 0, b.output
    finally:
        for run in runs:
            run.kill()
    # B came in when A released, not when A's 60 s lease would have run out.
    assert a.ended is not None and b.ended is not None
    assert b.ended - a.ended < 30
    assert lease_state(blob) == "available"  # released (an expired lease says "expired")
    assert len(admin.jobs(stack)) == 1
    assert set(admin.deployments(stack)) == {f"aoai-swc/{stack}-swc"}
    _no_secret(*runs)


def test_a_killed_holders_lease_expires_while_a_renewed_lease_outlives_its_duration(
    azurite: Azurite, emulator: RunningEmulator, admin: Admin, tmp_path: Path
) -> None:
    stack, container = "killed", "locks-killed"
    lease = 15  # Azure's shortest lease
    # A second runner, in this process, holds another stack's lock across the whole test: its
    # lease lasts 15 s, so it is still held at the end only because it was renewed.
    keeper_blob = LeaseBlob(
        azurite.account_url,
        container,
        "keeper.lock",
        connection_string=azurite.connection_string(),
        connection_string_env=CONNECTION_VARIABLE,
    )
    keeper = BlobLeaseLock(keeper_blob, stack="keeper", lease_seconds=lease)
    kept = keeper.acquire(0)
    kept_at = time.monotonic()

    spec_a = checkout(tmp_path / "runner-a", stack, container, azurite)
    spec_b = checkout(tmp_path / "runner-b", stack, container, azurite)
    short = {"RECONCILER_LOCK_LEASE_SECONDS": str(lease)}
    env_a = run_env(emulator, azurite, tmp_path / "runner-a", **short)
    env_b = run_env(emulator, azurite, tmp_path / "runner-b", **short)
    blob = lock_blob(azurite, container, stack)
    a = Run(apply_args(spec_a, "--wait", "--timeout", "120"), env_a, tmp_path / "runner-a")
    b: Run | None = None
    try:
        wait_until_held(blob)
        a.process.send_signal(signal.SIGKILL)
        assert a.finish(30) == -signal.SIGKILL
        killed_at = time.monotonic()
        assert lease_state(blob) == "leased"  # nobody released it: the lease must run out

        b = Run(apply_args(spec_b, "--lock-timeout", "60"), env_b, tmp_path / "runner-b")
        assert b.finish() == 0, b.output
        assert b.ended is not None
        assert f"(pid {a.pid})" in b.output  # it waited for the killed one, named
        # within the lease plus a margin for starting Python and reading Azure
        assert b.ended - killed_at < lease + 15
    finally:
        a.kill()
        if b is not None:
            b.kill()

    assert time.monotonic() - kept_at > lease
    assert keeper.lost is None
    other = LeaseBlob(
        azurite.account_url,
        container,
        "keeper.lock",
        connection_string=azurite.connection_string(),
        connection_string_env=CONNECTION_VARIABLE,
    )
    assert other.try_acquire(lease) is None  # still the keeper's
    kept.release()
    assert other.try_acquire(lease) is not None  # released: the next one gets in at once
    other.close()
    _no_secret(a, b)


def test_a_lease_broken_mid_apply_stops_apply_before_its_next_write(
    azurite: Azurite, emulator: RunningEmulator, admin: Admin, tmp_path: Path
) -> None:
    stack, container = "broken", "locks-broken"
    spec = checkout(tmp_path / "runner", stack, container, azurite)
    env = run_env(emulator, azurite, tmp_path / "runner")
    blob = lock_blob(azurite, container, stack)
    a = Run(apply_args(spec, "--wait", "--timeout", "120"), env, tmp_path / "runner")
    try:
        deadline = time.monotonic() + 60
        while not admin.jobs(stack) and time.monotonic() < deadline and a.process.poll() is None:
            time.sleep(0.05)
        assert admin.jobs(stack), a.output  # uploaded and training: the deployment is next
        admin.clear_requests()
        BlobLeaseClient(blob).break_lease(lease_break_period=0)  # by hand, as `az` would
        admin.advance(TRAINED)
        assert a.finish() == 1, a.output
    finally:
        a.kill()
    assert f"lost the lock on stack {stack}" in a.output
    assert "LeaseIsBrokenAndCannotBeRenewed" in a.output
    assert "sends no further change" in a.output
    assert admin.deployments(stack) == {}
    assert not [r for r in admin.mutations() if "/deployments/" in r[1]]

    again = Run(apply_args(spec, "--wait", "--timeout", "120"), env, tmp_path / "runner")
    assert again.finish() == 0, again.output  # a broken lease is free: no wait
    assert set(admin.deployments(stack)) == {f"aoai-swc/{stack}-swc"}
    _no_secret(a, again)


def _apply_here(spec: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Result:
    """apply in this process (errors before any Azure call need no process of their own)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if CONNECTION_VARIABLE not in env:
        monkeypatch.delenv(CONNECTION_VARIABLE, raising=False)
    return apply(spec, wait=False, lock_timeout=0)


def _no_secret_here(result: Result) -> None:
    assert ACCOUNT_KEY not in result.text
    assert f"AccountKey={ACCOUNT_KEY[:8]}" not in result.text
    assert "Traceback" not in result.text


def test_a_wrong_key_is_a_clear_error_that_names_the_account_and_not_the_key(
    azurite: Azurite,
    emulator: RunningEmulator,
    admin: Admin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack, container = "wrongkey", "locks-wrongkey"
    spec = checkout(tmp_path / "runner", stack, container, azurite)
    wrong_key = "A" * 86 + "=="
    env = run_env(emulator, azurite, tmp_path / "runner")
    env[CONNECTION_VARIABLE] = azurite.connection_string(key=wrong_key)
    admin.clear_requests()

    result = _apply_here(spec, env, monkeypatch)

    assert result.code == 1
    assert f"storage account {ACCOUNT}" in result.err
    assert f"{container}/{stack}.lock" in result.err
    assert "403" in result.err
    assert '"Storage Blob Data Contributor"' in result.err
    assert f"connection string in {CONNECTION_VARIABLE}" in result.err
    assert wrong_key not in result.text
    assert admin.mutations() == []  # nothing was changed without the lock
    _no_secret_here(result)


def test_an_unset_or_malformed_connection_string_names_the_variable_only(
    azurite: Azurite, emulator: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = checkout(tmp_path / "runner", "unset", "locks-unset", azurite)
    env = run_env(emulator, azurite, tmp_path / "runner")
    del env[CONNECTION_VARIABLE]
    unset = _apply_here(spec, env, monkeypatch)
    assert unset.code == 1
    assert "lock.yaml:4:28: error: environment variable " in unset.err
    assert f"{CONNECTION_VARIABLE} (lock.azure_blob.connection_string_env) is not set" in unset.err

    env[CONNECTION_VARIABLE] = "AccountKey=not-a-connection-string-secret"
    malformed = _apply_here(spec, env, monkeypatch)
    assert malformed.code == 1
    assert f"connection string in {CONNECTION_VARIABLE} is malformed" in malformed.err
    assert "lock.yaml:4:28: error: the storage connection string" in malformed.err
    assert "not-a-connection-string-secret" not in malformed.text
    _no_secret_here(unset)
    _no_secret_here(malformed)


def test_another_endpoint_or_a_key_that_cannot_sign_is_placed_and_named(
    azurite: Azurite, emulator: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = checkout(tmp_path / "runner", "slips", "locks-slips", azurite)
    env = run_env(emulator, azurite, tmp_path / "runner")
    # a connection string copied from another storage account (another port here)
    env[CONNECTION_VARIABLE] = azurite.connection_string().replace(f":{azurite.port}/", ":9/")
    elsewhere = _apply_here(spec, env, monkeypatch)
    assert elsewhere.code == 1
    assert "lock.yaml:3:18: error: lock.azure_blob.account_url is not the blob endpoint" in (
        elsewhere.err
    )

    not_base64 = "not!base64!secret"
    env[CONNECTION_VARIABLE] = azurite.connection_string(key=not_base64)
    unsigned = _apply_here(spec, env, monkeypatch)
    assert unsigned.code == 1
    assert f"the account key of the connection string in {CONNECTION_VARIABLE} cannot " in (
        unsigned.err
    )
    assert "no credential for Azure Storage" not in unsigned.err
    assert not_base64 not in unsigned.text
    _no_secret_here(elsewhere)
    _no_secret_here(unsigned)


def test_an_unreachable_storage_account_is_named(
    azurite: Azurite, emulator: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = checkout(tmp_path / "runner", "away", "locks-away", azurite)
    env = run_env(emulator, azurite, tmp_path / "runner")
    # the right account, on a port where nothing answers
    env[CONNECTION_VARIABLE] = azurite.connection_string().replace(f":{azurite.port}/", ":9/")
    lock_file = spec / "lock.yaml"
    lock_file.write_text(
        lock_file.read_text().replace(f":{azurite.port}/", ":9/"), encoding="utf-8"
    )
    result = _apply_here(spec, env, monkeypatch)
    assert result.code == 1
    where = f"blob locks-away/away.lock in storage account {ACCOUNT}"
    assert f"cannot take a lease on {where}" in result.err
    assert "reachable" in result.err
    _no_secret_here(result)
