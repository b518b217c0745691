"""Fixtures for the data-plane tests: one private emulator for this package (its clock is moved
far, which the shared session emulator must not see) and the helpers of ``dataplane_support``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.emulator.process import RunningEmulator

from .dataplane_support import DataPlane


@pytest.fixture(scope="session")
def dp_emulator(
    tmp_path_factory: pytest.TempPathFactory, private_emulator: Any
) -> Iterator[RunningEmulator]:
    running: RunningEmulator = private_emulator(tmp_path_factory.mktemp("dataplane"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def dp(dp_emulator: RunningEmulator, make_arm_client: Any) -> DataPlane:
    return DataPlane(dp_emulator, make_arm_client)
