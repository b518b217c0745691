"""SIGKILL at each mutating step (an upload, the job create, a deployment PUT), then apply
again: it converges, and nothing was made twice. Azure is the state: the second apply finds
what the killed one made by content, fingerprint and name.

``sent``: killed as soon as the emulator sees the request (it may or may not take effect).
``made``: killed once what the request makes exists, so the second apply must find it and
must not send that create again.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .apply_support import (
    Admin,
    apply,
    deployment,
    start_apply_process,
)
from .conftest import Converged, TrainedStack

FILES = ("POST", "/openai/v1/files")
JOBS = ("POST", "/openai/v1/fine_tuning/jobs")
PUT = ("PUT", "/deployments/")


def _made(admin: Admin, name: str, route: tuple[str, str]) -> Callable[[], bool]:
    def check() -> bool:
        if route is FILES:
            return len(admin.files(f"{name}-")) == 2  # both datasets uploaded
        if route is JOBS:
            return bool(admin.jobs(name))
        return bool(admin.deployments(name))

    return check


def _wait_until(
    condition: Callable[[], bool], alive: Callable[[], bool], timeout: float = 30
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        if condition():
            return True
        time.sleep(0.005)
    return False


@pytest.mark.parametrize(
    ("name", "route", "when"),
    [
        ("kill-upload-sent", FILES, "sent"),
        ("kill-upload-made", FILES, "made"),
        ("kill-job-sent", JOBS, "sent"),
        ("kill-job-made", JOBS, "made"),
        ("kill-put-sent", PUT, "sent"),
    ],
)
def test_killed_apply_then_apply_again_converges(
    env: dict[str, str],
    admin: Admin,
    tmp_path: Path,
    trained_stack: TrainedStack,
    converged: Converged,
    name: str,
    route: tuple[str, str],
    when: str,
) -> None:
    spec = trained_stack(
        name,
        "cannons",
        validation="sails",
        deployments={
            f"{name}-swc": deployment("swc", {"job": name}),
            f"{name}-ncus": deployment("ncus", {"job": name}, "ProvisionedManaged", 25),
        },
    ).root
    admin.clear_requests()
    process = start_apply_process(spec, env, tmp_path)
    alive: Callable[[], bool] = lambda: process.poll() is None  # noqa: E731
    try:
        method, path = route
        reached = admin.wait_for_request(method, path, alive=alive)
        if reached and when == "made":
            reached = _wait_until(_made(admin, name, route), alive)
        assert reached, f"apply ended before the kill point: {process.communicate()[0]}"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
        assert process.stdout is not None
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    admin.clear_requests()

    again = apply(spec, wait=True)

    assert again.code == 0, again.text
    if when == "made":
        method, path = route
        repeated: list[Any] = [r for r in admin.mutations() if r[0] == method and path in r[1]]
        if route is PUT:
            assert len(repeated) <= 1  # the other deployment's PUT only
        else:
            assert repeated == [], "what the killed apply made was made again"
    assert len(admin.jobs(name)) == 1
    assert set(admin.deployments(name)) == {f"aoai-swc/{name}-swc", f"aoai-ncus/{name}-ncus"}
    converged(name, spec)
