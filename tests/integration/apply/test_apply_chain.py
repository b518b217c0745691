"""Continuous fine-tuning in one apply: a chain whose names sort children first (a-leaf continues
from m-mid, which continues from z-root's checkpoint of epoch 2) is planned parents first, so
each job waits for the one it continues from in the same apply and is created from that job's
model; without --wait what waits for a training job is pending, never failed."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.emulator.process import RunningEmulator

from .apply_support import (
    Admin,
    Stack,
    apply,
    chat_lines,
    data_plane,
    deployment,
    fresh_plan,
    job,
    no_duplicates,
)
from .conftest import NewStack


def _chain(new_stack: NewStack, name: str) -> Stack:
    return new_stack(
        name,
        datasets={
            f"{name}-root": chat_lines(f"{name} keels"),
            f"{name}-mid": chat_lines(f"{name} masts"),
            f"{name}-leaf": chat_lines(f"{name} sails"),
        },
        jobs={
            "z-root": job(f"{name}-root", suffix="root"),
            "m-mid": job(f"{name}-mid", model={"job": "z-root", "checkpoint": 2}, suffix="mid"),
            "a-leaf": job(f"{name}-leaf", model={"job": "m-mid"}, suffix="leaf"),
        },
        deployments={
            f"{name}-mid": deployment("swc", {"job": "m-mid"}),
            f"{name}-leaf": deployment("ncus", {"job": "a-leaf"}),
        },
    )


def _jobs(admin: Admin, stack: str) -> dict[str, dict[str, Any]]:
    """The newest job of each spec job name."""
    newest: dict[str, dict[str, Any]] = {}
    for found in sorted(admin.jobs(stack), key=lambda j: (j["created_at"], j["id"])):
        newest[found["metadata"]["reconciler-job"]] = found
    return newest


def _checkpoint_of_epoch_2(emulator: RunningEmulator, job_id: str) -> set[str]:
    """The names of z-root's checkpoint of epoch 2 (its id, and its model name), read with the
    openai SDK: z-root trains 3 epochs and the service keeps one checkpoint per epoch of the last
    three, so by step the second is epoch 2."""
    with data_plane(emulator, "aoai-swc") as client:
        kept = sorted(client.fine_tuning.jobs.checkpoints.list(job_id), key=lambda c: c.step_number)
    assert len(kept) == 3, kept
    return {kept[1].id, kept[1].fine_tuned_model_checkpoint}


def _converged(stack: Stack, admin: Admin, emulator: RunningEmulator) -> None:
    """Each job started from its parent's model, each deployment serves its job's model, nothing
    was made twice, and `plan --detailed-exitcode` exits 0."""
    jobs = _jobs(admin, stack.name)
    assert jobs["m-mid"]["model"] in _checkpoint_of_epoch_2(emulator, jobs["z-root"]["id"])
    assert jobs["a-leaf"]["model"] == jobs["m-mid"]["fine_tuned_model"]
    found = admin.deployments(stack.name)
    mid = found[f"aoai-swc/{stack.name}-mid"]["properties"]["model"]
    leaf = found[f"aoai-ncus/{stack.name}-leaf"]["properties"]["model"]
    assert mid["name"] == jobs["m-mid"]["fine_tuned_model"]
    assert leaf["name"] == jobs["a-leaf"]["fine_tuned_model"]
    no_duplicates(admin, stack.name)
    planned = CliRunner().invoke(cli, ["plan", str(stack.root), "--detailed-exitcode"])
    assert planned.exit_code == 0, planned.output


def test_one_apply_with_wait_trains_and_deploys_a_chain_whose_children_sort_first(
    env: dict[str, str], admin: Admin, emulator: RunningEmulator, new_stack: NewStack
) -> None:
    stack = _chain(new_stack, "ordered")
    planned = {c.address: c for c in fresh_plan(stack.root).changes}
    assert "job.z-root" in planned["job.m-mid"].depends_on
    assert "job.m-mid" in planned["job.a-leaf"].depends_on
    assert planned["deployment.ordered-leaf"].depends_on == ("job.a-leaf",)

    result = apply(stack.root, wait=True)

    assert result.code == 0, result.text
    assert "Failed" not in result.out and "Pending" not in result.out
    _converged(stack, admin, emulator)


def test_new_root_data_retrains_the_whole_chain_in_one_apply(
    env: dict[str, str], admin: Admin, emulator: RunningEmulator, new_stack: NewStack
) -> None:
    stack = _chain(new_stack, "redo")
    assert apply(stack.root, wait=True).code == 0
    before = _jobs(admin, "redo")
    stack.datasets["redo-root"] = chat_lines("redo keels", 14)
    stack.write()
    planned = {c.address: c for c in fresh_plan(stack.root).changes}
    assert [planned[f"job.{n}"].action.value for n in ("z-root", "m-mid", "a-leaf")] == [
        "create",
        "create",
        "create",
    ]
    assert "job.m-mid" in planned["job.a-leaf"].depends_on

    result = apply(stack.root, wait=True)

    assert result.code == 0, result.text
    after = _jobs(admin, "redo")
    assert len(admin.jobs("redo")) == 6  # the first chain stays, as history
    for name in ("z-root", "m-mid", "a-leaf"):
        assert after[name]["id"] != before[name]["id"]
        assert (
            after[name]["metadata"]["reconciler-fingerprint"]
            != before[name]["metadata"]["reconciler-fingerprint"]
        )
    _converged(stack, admin, emulator)


def test_without_wait_the_chain_is_pending_and_a_later_apply_converges(
    env: dict[str, str], admin: Admin, emulator: RunningEmulator, new_stack: NewStack
) -> None:
    stack = _chain(new_stack, "later")

    started = apply(stack.root, wait=False)

    assert started.code == 0, started.text
    assert "Failed" not in started.out and "Blocked" not in started.out
    assert "KeyError" not in started.text and "'job." not in started.text
    assert "Pending (a later apply, or apply --wait, continues them):" in started.out
    for address in ("job.m-mid", "job.a-leaf", "deployment.later-mid", "deployment.later-leaf"):
        assert f"⏳ {address}: waiting for job.z-root: ftjob-" in started.out
    assert [j["metadata"]["reconciler-job"] for j in admin.jobs("later")] == ["z-root"]
    assert admin.deployments("later") == {}

    admin.advance(100_000)  # z-root's training ends
    finished = apply(stack.root, wait=True)

    assert finished.code == 0, finished.text
    _converged(stack, admin, emulator)
