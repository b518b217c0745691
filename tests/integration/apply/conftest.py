"""Fixtures of the apply tests, for the setups every test module repeated:

1. ``module_emulator(...)``: a private emulator per test module (by default fast simulated time,
   so jobs train in about half a second; a module that needs real time makes its own with it);
2. ``env``: apply pointed at that emulator, caching and locking under the test's tmp_path;
3. ``new_stack(name, …)``: a spec stack written into ``tmp_path/spec``;
4. ``trained_stack(name, topic, …)``: the usual stack: one dataset (``NAME-train``, and
   ``NAME-valid`` when asked), one job ``NAME`` trained on it, and the deployments given;
5. ``converged(stack_name, spec)``: the end state apply promises: nothing made twice, and a
   fresh plan has no changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

from reconciler.emulator.process import RunningEmulator, start_emulator

from .apply_support import Admin, Stack, chat_lines, fresh_plan, job, make_stack, no_duplicates

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "emulator-seed.yaml"
# 200 simulated seconds per real second: a small job (about 100 simulated seconds) trains in
# half a second, a deployment's 2 simulated seconds of provisioning take 10 ms.
FAST = 200.0


def module_emulator(
    label: str, *, speed: float = FAST, provision_seconds: float = 2.0
) -> Callable[..., Iterator[RunningEmulator]]:
    """A module-scoped ``emulator`` fixture; a module assigns it to ``emulator`` to override."""

    @pytest.fixture(scope="module")
    def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
        running = start_emulator(
            tmp_path_factory.mktemp(label), SEED, speed=speed, provision_seconds=provision_seconds
        )
        try:
            yield running
        finally:
            running.stop()

    return emulator


emulator = module_emulator("apply-emulator")


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


class NewStack(Protocol):
    def __call__(self, name: str, **options: Any) -> Stack: ...


class TrainedStack(Protocol):
    def __call__(
        self,
        name: str,
        topic: str,
        *,
        validation: str | None = None,
        deployments: Mapping[str, dict[str, Any]] | None = None,
        accounts: tuple[str, ...] = ("swc", "ncus"),
        **job_options: Any,
    ) -> Stack: ...


@pytest.fixture
def new_stack(tmp_path: Path) -> NewStack:
    """``make_stack`` in ``tmp_path/spec`` (messages show paths relative to tmp_path, the cwd)."""

    def make(name: str, **options: Any) -> Stack:
        return make_stack(tmp_path / "spec", name, **options)

    return make


@pytest.fixture
def trained_stack(new_stack: NewStack) -> TrainedStack:
    """One job ``NAME`` on ``NAME-train`` (12 examples about "NAME TOPIC"), validated on
    ``NAME-valid`` (10 about "NAME VALIDATION") when ``validation`` is given."""

    def make(
        name: str,
        topic: str,
        *,
        validation: str | None = None,
        deployments: Mapping[str, dict[str, Any]] | None = None,
        accounts: tuple[str, ...] = ("swc", "ncus"),
        **job_options: Any,
    ) -> Stack:
        datasets = {f"{name}-train": chat_lines(f"{name} {topic}")}
        if validation is not None:
            datasets[f"{name}-valid"] = chat_lines(f"{name} {validation}", 10)
            job_options["validation"] = f"{name}-valid"
        return new_stack(
            name,
            datasets=datasets,
            jobs={name: job(f"{name}-train", **job_options)},
            deployments=deployments,
            accounts=accounts,
        )

    return make


Converged = Callable[[str, Path], None]


@pytest.fixture
def converged(admin: Admin) -> Converged:
    """Assert what apply promises once done: one file per content and account, one job per
    fingerprint (``no_duplicates``), and nothing left to change (``plan`` would exit 0)."""

    def check(stack_name: str, spec: Path) -> None:
        no_duplicates(admin, stack_name)
        assert not fresh_plan(spec).has_changes

    return check
