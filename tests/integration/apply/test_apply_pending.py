"""Long trainings: without --wait apply starts what it can, reports what is pending and why, and
exits 0; a later apply continues. --wait shows the job's progress and --timeout bounds it. A
file still processing is waited for, and one the service rejects fails with the service's reason.

This module's emulator runs at real speed (a job takes minutes), and the tests move its clock.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from reconciler.emulator.process import RunningEmulator

from .apply_support import (
    Admin,
    apply,
    data_plane,
    deployment,
    fresh_plan,
)
from .conftest import TrainedStack, module_emulator

emulator = module_emulator("apply-slow", speed=1.0, provision_seconds=0.05)


def _stack(trained_stack: TrainedStack, name: str) -> Path:
    return trained_stack(
        name,
        "tides",
        deployments={
            f"{name}-swc": deployment("swc", {"job": name}),
            f"{name}-ncus": deployment("ncus", {"job": name}, "ProvisionedManaged", 25),
        },
    ).root


def test_without_wait_apply_reports_pending_and_a_later_apply_continues(
    env: dict[str, str], admin: Admin, trained_stack: TrainedStack
) -> None:
    spec = _stack(trained_stack, "later")

    started = apply(spec, wait=False)

    assert started.code == 0, started.text
    assert "Pending (a later apply, or apply --wait, continues them):" in started.out
    assert "⏳ deployment.later-swc: waiting for job.later: ftjob-" in started.out
    assert len(admin.jobs("later")) == 1
    assert admin.deployments("later") == {}

    admin.clear_requests()
    again = apply(spec, wait=False)  # still training: nothing to start, nothing made twice
    assert again.code == 0, again.text
    assert "⏳ job.later: " in again.out
    assert admin.mutations() == []
    assert len(admin.jobs("later")) == 1

    admin.advance(100_000)  # the training ends
    finished = apply(spec, wait=False)
    assert finished.code == 0, finished.text
    assert set(admin.deployments("later")) == {"aoai-swc/later-swc", "aoai-ncus/later-ncus"}
    assert not fresh_plan(spec).has_changes


def test_wait_shows_progress_and_timeout_bounds_it(
    env: dict[str, str], admin: Admin, trained_stack: TrainedStack
) -> None:
    spec = _stack(trained_stack, "bounded")
    assert apply(spec, wait=False).code == 0
    admin.advance(92)  # files validated (30 s), queued (60 s): now training

    bounded = apply(spec, wait=True, timeout=0.5)

    assert bounded.code == 1, bounded.text
    assert "running: epoch " in bounded.err and "train loss " in bounded.err
    assert "--timeout 0.5 s ran out while waiting for: job.bounded" in bounded.out
    assert "⏳ deployment.bounded-ncus: waiting for job.bounded" in bounded.out
    assert admin.deployments("bounded") == {}

    admin.advance(100_000)
    done = apply(spec, wait=True)
    assert done.code == 0, done.text
    assert set(admin.deployments("bounded")) == {"aoai-swc/bounded-swc", "aoai-ncus/bounded-ncus"}


def test_a_file_the_service_rejects_fails_with_its_reason_and_the_datasets_path(
    env: dict[str, str], admin: Admin, emulator: RunningEmulator, trained_stack: TrainedStack
) -> None:
    spec = _stack(trained_stack, "rejected")
    data = spec / "data" / "rejected-train.jsonl"
    content = data.read_bytes()
    # Someone uploaded other bytes under this content's name: processing will reject them.
    name = f"rejected-train.{hashlib.sha256(content).hexdigest()}.jsonl"
    with data_plane(emulator, "aoai-swc") as client:
        client.files.create(file=(name, b"x" * len(content)), purpose="fine-tune")

    failed = apply(spec, wait=False)

    assert failed.code == 1, failed.text
    assert (
        "! file.rejected-train@swc: aoai-swc rejected spec/data/rejected-train.jsonl" in failed.out
    )
    assert "Invalid file format" in failed.out  # the service's status_details
    assert "! job.rejected: blocked by file.rejected-train@swc" in failed.out
    assert admin.jobs("rejected") == []

    again = apply(spec, wait=False)  # the rejected file is not reused: uploaded again
    assert again.code == 0, again.text
    assert len(admin.files("rejected-train.")) == 2
    assert len(admin.jobs("rejected")) == 1
