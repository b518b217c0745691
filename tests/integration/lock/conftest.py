"""Fixtures of the shared-lock tests: Azurite (real Azure Storage API, leases included) and an
emulator whose simulated time runs at wall-clock speed, so a job trains until the test moves
the clock (``Admin.advance``): an apply holds the lock exactly as long as a test needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.emulator.process import RunningEmulator, start_emulator
from tests.integration.apply.apply_support import Admin

from .azurite import Azurite, start_azurite

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "emulator-seed.yaml"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    running = start_azurite(tmp_path_factory.mktemp("azurite"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    running = start_emulator(
        tmp_path_factory.mktemp("lock-emulator"), SEED, speed=1.0, provision_seconds=0.05
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
