"""Fixtures of the apply tests: a private emulator per test module (fast simulated time, so
jobs train in about half a second) and an environment that points apply at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator.process import RunningEmulator, start_emulator

from .apply_support import Admin

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "emulator-seed.yaml"
# 200 simulated seconds per real second: a small job (about 100 simulated seconds) trains in
# half a second, a deployment's 2 simulated seconds of provisioning take 10 ms.
FAST = 200.0


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    running = start_emulator(
        tmp_path_factory.mktemp("apply-emulator"), SEED, speed=FAST, provision_seconds=2.0
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def admin(emulator: RunningEmulator) -> Iterator[Admin]:
    client = Admin(emulator)
    yield client
    client.http.close()


@pytest.fixture
def env(
    emulator: RunningEmulator, admin: Admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Apply talks to this module's emulator, caches in tmp_path and locks under tmp_path."""
    values = {
        "RECONCILER_EMULATOR": str(emulator.data_dir),
        "RECONCILER_CACHE_DIR": str(tmp_path / "cache"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    admin.clear_faults()
    return values
