"""Promotion gates (SPEC.md §5.8) end to end, with the real SDKs against the emulator: a gate
that holds lets apply deploy the job it trained in the same run; one that fails leaves the
deployment serving its model (plan: `blocked`, --detailed-exitcode 2; apply: reported, exit 0,
nothing written); raising the bound above the new job's metric lets apply move it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.plan.model import Action

from .apply_support import Admin, apply, chat_lines, data_plane, deployment, fresh_plan, job
from .conftest import NewStack


def _served(admin: Admin, stack: str, name: str) -> str:
    found = admin.deployments(stack)[f"aoai-swc/{name}"]
    return str(found["properties"]["model"]["name"])


def _model_of(admin: Admin, stack: str, job_name: str) -> str:
    [found] = [j for j in admin.jobs(stack) if j["metadata"]["reconciler-job"] == job_name]
    return str(found["fine_tuned_model"])


def _deploy(job_name: str, gate: dict[str, Any]) -> dict[str, Any]:
    return deployment("swc", {"job": job_name}, gate=gate)


def test_gate_holds_fails_then_holds(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "gated",
        datasets={
            "first": chat_lines("gated first"),
            "second": chat_lines("gated second"),
            "valid": chat_lines("gated valid", 10),
        },
        jobs={"first": job("first", validation="valid")},
        deployments={"gated-d": _deploy("first", {"full_valid_loss": {"max": 100}})},
        accounts=("swc",),
    )
    # the job is created and trained in this apply: its gate is checked then, and holds
    result = apply(stack.root)
    assert result.code == 0, result.text
    first_model = _model_of(admin, "gated", "first")
    assert _served(admin, "gated", "gated-d") == first_model
    assert "gate holds on" in result.text

    # a second job, gated below anything a loss reaches: trained in this apply, then held back
    stack.jobs["second"] = job("second", validation="valid")
    stack.deployments["gated-d"] = _deploy("second", {"full_valid_loss": {"max": 0.0001}})
    stack.write()
    result = apply(stack.root)
    assert result.code == 0, result.text
    assert "1 blocked by its gate" in result.text
    assert "Blocked by a promotion gate" in result.text
    assert "full_valid_loss" in result.text and "(needs ≤ 0.0001): fails" in result.text
    assert _served(admin, "gated", "gated-d") == first_model

    # the plan now says blocked, with both jobs' metrics side by side: read with one checkpoints
    # list and one results.csv per job, nothing more
    admin.clear_requests()
    planned = fresh_plan(stack.root)
    reads = [p for m, p in admin.requests() if "/checkpoints" in p or "/content" in p]
    assert len(reads) == 4 and sum("/checkpoints" in p for p in reads) == 2, reads
    change = planned.change("deployment.gated-d")
    assert change is not None and change.action is Action.BLOCKED
    assert planned.summary["blocked"] == 1
    assert change.to_json()["actions"] == ["blocked"]
    promotion = change.details["promotion"]
    assert promotion["serving"]["job"] == "first" and promotion["new"]["job"] == "second"
    second_loss = promotion["new"]["metrics"]["full_valid_loss"]
    assert promotion["serving"]["metrics"]["full_valid_loss"] > 0
    [verdict] = change.details["gate"]["metrics"]
    assert verdict == {
        "metric": "full_valid_loss",
        "value": second_loss,
        "min": None,
        "max": 0.0001,
        "holds": False,
    }
    assert CliRunner().invoke(cli, ["plan", str(stack.root), "--detailed-exitcode"]).exit_code == 2
    shown = CliRunner().invoke(cli, ["plan", str(stack.root), "--format", "json"])
    document = json.loads(shown.stdout)
    assert document["summary"]["blocked"] == 1
    text = CliRunner().invoke(cli, ["plan", str(stack.root)]).stdout
    assert "blocked by its gate: job.second" in text and "1 blocked by a gate" in text
    assert "serving job.first" in text and "train loss (new)" in text
    markdown = CliRunner().invoke(cli, ["plan", str(stack.root), "--format", "markdown"]).stdout
    assert "```mermaid\nxychart-beta" in markdown and "First line: serving job.first" in markdown

    # apply of the saved blocked plan writes nothing to the deployment, reports it, exits 0
    saved = stack.root.parent / "gated.plan"
    assert CliRunner().invoke(cli, ["plan", str(stack.root), "--out", str(saved)]).exit_code == 0
    admin.clear_requests()
    result = apply(saved)
    assert result.code == 0, result.text
    assert "blocked by its gate" in result.text
    assert not [p for m, p in admin.mutations() if "/deployments/" in p]
    assert _served(admin, "gated", "gated-d") == first_model

    # a bound just above the new job's metric holds: the plan replaces, apply moves it
    stack.deployments["gated-d"] = _deploy(
        "second", {"full_valid_loss": {"max": second_loss + 0.001}}
    )
    stack.write()
    moved = fresh_plan(stack.root).change("deployment.gated-d")
    assert moved is not None and moved.action is Action.REPLACE
    assert moved.details["gate"]["metrics"][0]["holds"] is True
    result = apply(stack.root)
    assert result.code == 0, result.text
    assert _served(admin, "gated", "gated-d") == _model_of(admin, "gated", "second")

    # converged: a no-op plan of a gated stack reads no metrics
    admin.clear_requests()
    assert not fresh_plan(stack.root).has_changes
    assert not [p for _, p in admin.requests() if "/checkpoints" in p or "/content" in p]


def test_same_input_trains_the_same_metrics(
    env: dict[str, str], admin: Admin, new_stack: NewStack, tmp_path: Path
) -> None:
    """The emulator's curves are a function of the job's input, not of a drawn seed."""
    twin = {"account": "swc", "model": "gpt-4.1-mini-2025-04-14", "training_data": "twin"}
    stack = new_stack(
        "twins",
        datasets={"twin": chat_lines("twins alike")},
        jobs={"a": {**twin, "suffix": "a"}, "b": {**twin, "suffix": "b"}},
        accounts=("swc",),
    )
    assert apply(stack.root).code == 0
    jobs = admin.jobs("twins")
    assert len(jobs) == 2 and jobs[0]["seed"] != jobs[1]["seed"]  # each drew its own seed
    with data_plane(admin.emulator, "aoai-swc") as client:
        finals = []
        for found in jobs:
            listed = client.fine_tuning.jobs.checkpoints.list(found["id"]).data
            finals.append(max(listed, key=lambda c: c.step_number).metrics.model_dump())
    assert finals[0] == finals[1] and finals[0]["train_loss"] > 0
