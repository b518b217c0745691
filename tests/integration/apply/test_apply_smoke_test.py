"""SPEC §5.8 smoke tests at apply, with the real openai and azure-mgmt clients against the
emulator (whose fine-tuned deployments answer with the reply of the training example closest to
the prompt): a passing test is reported; a failing one exits 1 naming the deployment, the
prompt, the answer cut to 80 characters and the pattern; `--rollback-on-smoke-failure` puts back
what the deployment was (a created one is deleted); a data plane answering 404 for a while after
ARM reports the deployment ready is waited for; a failed test blocks this apply's deletes in the
account. Every chat request is checked against Azure's published contract (autouse fixture)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import run_apply
from reconciler.commands.pipeline import Session, compute_plan, prepare
from reconciler.emulator.process import RunningEmulator
from reconciler.plan.saved import save_plan

from .apply_support import Admin, Result, Stack, chat_lines, deployment, fresh_plan, job
from .conftest import NewStack

# The emulator's fine-tuned model answers "Arr, <topic> <i> be fine. <marker>" for a prompt
# like its training example "Tell me about <topic>, item <i>."
MARKER = "Shiver me timbers, this reply runs on well past eighty characters of text for the cut."
PASSING = {"prompt": "Tell me about smoke knots, item 3.", "expect": r"(?i)smoke knots 3 be fine"}
FAILING = {"prompt": "Tell me about smoke knots, item 5.", "expect": "(?i)antarctica"}


def apply_smoke(target: Path, *, rollback: bool = False) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run_apply(
        target,
        auto_approve=True,
        wait=True,
        timeout=60.0,
        lock_timeout=30.0,
        out=out,
        err=err,
        rollback_on_smoke_failure=rollback,
    )
    return Result(code, out.getvalue(), err.getvalue())


Make = Callable[..., Stack]


@pytest.fixture
def smoke_stack(new_stack: NewStack) -> Make:
    """A job NAME trained on "smoke knots", one more per ``JOB=TOPIC`` given, the deployments."""

    def make(name: str, deployments: Mapping[str, dict[str, Any]], **jobs: str) -> Stack:
        datasets = {f"{name}-train": chat_lines("smoke knots", marker=MARKER)}
        spec_jobs = {name: job(f"{name}-train")}
        for job_name, topic in jobs.items():
            datasets[f"{job_name}-train"] = chat_lines(topic, marker=MARKER)
            spec_jobs[job_name] = job(f"{job_name}-train")
        return new_stack(
            name,
            datasets=datasets,
            jobs=spec_jobs,
            deployments=dict(deployments),
            accounts=("swc",),
        )

    return make


def _applied_then_failing_at(
    smoke_stack: Make, admin: Admin, name: str, *, capacity: int
) -> tuple[Stack, dict[str, Any]]:
    """Stack ``name`` applied (deployment ``name-d`` serving job ``name``), then its spec given
    another capacity and a smoke test that fails; with the deployment as Azure held it."""
    stack = smoke_stack(name, {f"{name}-d": deployment("swc", {"job": name})})
    assert apply_smoke(stack.root).code == 0
    before: dict[str, Any] = admin.deployments(name)[f"aoai-swc/{name}-d"]
    stack.deployments[f"{name}-d"] = deployment(
        "swc", {"job": name}, capacity=capacity, smoke_test=[FAILING]
    )
    stack.write()
    return stack, before


def _secrets(emulator: RunningEmulator) -> list[str]:
    connection = emulator.connection
    found = list(connection.api_keys.values())
    for tenant in connection.tenants.values():
        found += [tenant.management_token, tenant.cognitive_token]
    return found


def _chats(admin: Admin) -> list[str]:
    return [p for m, p in admin.requests() if m == "POST" and p.endswith("/chat/completions")]


def test_a_passing_smoke_test_is_reported_and_apply_exits_0(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack(
        "smk-pass",
        {"smk-pass-d": deployment("swc", {"job": "smk-pass"}, smoke_test=[PASSING, PASSING])},
    )
    plan = fresh_plan(stack.root).change("deployment.smk-pass-d")
    assert plan is not None and plan.details["smoke_test"] == {"prompts": 2}
    admin.clear_requests()

    result = apply_smoke(stack.root)

    assert result.code == 0, result.text
    assert "smoke test after apply: 2 prompts" in result.out  # the plan shown first
    assert "smoke test passed: 2/2 prompts" in result.out  # the summary
    assert "smoke test passed: 2/2 prompts" in result.err  # the progress
    assert len(_chats(admin)) == 2
    assert not fresh_plan(stack.root).has_changes
    admin.clear_requests()
    assert apply_smoke(stack.root).code == 0  # nothing changes: no smoke test runs
    assert _chats(admin) == []


def test_a_failing_smoke_test_exits_1_and_names_prompt_answer_and_pattern(
    env: dict[str, str], admin: Admin, smoke_stack: Make, emulator: RunningEmulator
) -> None:
    stack = smoke_stack(
        "smk-fail",
        {"smk-fail-d": deployment("swc", {"job": "smk-fail"}, smoke_test=[PASSING, FAILING])},
    )

    result = apply_smoke(stack.root)

    assert result.code == 1, result.text
    answer = f"Arr, smoke knots 5 be fine. {MARKER}"
    shown = repr(answer)[:79] + "…"
    assert len(shown) == 80
    line = next(x for x in result.out.splitlines() if "smoke test failed" in x)
    assert "deployment.smk-fail-d (smk-fail-d in aoai-swc): 1/2 prompts passed" in line
    assert "prompt 2/2 'Tell me about smoke knots, item 5.'" in line
    assert f"answered {shown}, which does not match '(?i)antarctica'" in line
    assert answer not in result.text  # never the whole answer
    assert "--rollback-on-smoke-failure" in line
    for secret in _secrets(emulator):
        assert secret not in result.text
    # without --rollback-on-smoke-failure the deployment keeps what apply wrote
    assert "aoai-swc/smk-fail-d" in admin.deployments("smk-fail")


def test_rollback_of_a_created_deployment_deletes_it_and_says_so(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack(
        "smk-new", {"smk-new-d": deployment("swc", {"job": "smk-new"}, smoke_test=[FAILING])}
    )

    result = apply_smoke(stack.root, rollback=True)

    assert result.code == 1, result.text
    assert (
        "rolled back deployment.smk-new-d: deleted smk-new-d from aoai-swc; this apply created "
        "it, nothing was there before"
    ) in result.out
    assert admin.deployments("smk-new") == {}
    deletes = [p for m, p in admin.mutations() if m == "DELETE" and p.endswith("/smk-new-d")]
    assert len(deletes) == 1


def test_rollback_of_an_update_puts_back_capacity_and_tags(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack, before = _applied_then_failing_at(smoke_stack, admin, "smk-upd", capacity=2)
    planned = fresh_plan(stack.root).change("deployment.smk-upd-d")
    assert planned is not None and planned.action.value == "update"

    result = apply_smoke(stack.root, rollback=True)

    assert result.code == 1, result.text
    model = before["properties"]["model"]
    assert f"rolled back deployment.smk-upd-d to {model['name']} (version {model['version']})" in (
        result.out
    )
    after = admin.deployments("smk-upd")["aoai-swc/smk-upd-d"]
    assert after["sku"] == before["sku"] and after["sku"]["capacity"] == 1
    assert after["tags"] == before["tags"]
    assert after["properties"]["model"] == model
    # level-triggered: the spec still asks for capacity 2, so the next plan shows the update
    again = fresh_plan(stack.root).change("deployment.smk-upd-d")
    assert again is not None and again.action.value == "update"


def test_rollback_of_a_model_change_deletes_then_puts_the_old_model(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack(
        "smk-rep",
        {"smk-rep-d": deployment("swc", {"job": "smk-rep"}, smoke_test=[PASSING])},
        **{"smk-rep2": "smoke sails"},
    )
    assert apply_smoke(stack.root).code == 0
    before = admin.deployments("smk-rep")["aoai-swc/smk-rep-d"]
    # the new job's model answers about sails: the pattern about knots no longer matches
    stack.deployments["smk-rep-d"] = deployment("swc", {"job": "smk-rep2"}, smoke_test=[PASSING])
    stack.write()
    admin.clear_requests()

    result = apply_smoke(stack.root, rollback=True)

    assert result.code == 1, result.text
    assert "answered 'Arr, smoke sails" in result.out
    old = before["properties"]["model"]
    assert f"rolled back deployment.smk-rep-d to {old['name']}" in result.out
    writes = [(m, p.rsplit("/", 1)[1]) for m, p in admin.mutations() if "/deployments/" in p]
    assert writes == [
        ("DELETE", "smk-rep-d"),
        ("PUT", "smk-rep-d"),  # the forward replace
        ("DELETE", "smk-rep-d"),
        ("PUT", "smk-rep-d"),  # the rollback
    ]
    after = admin.deployments("smk-rep")["aoai-swc/smk-rep-d"]
    assert after["properties"]["model"]["name"] == old["name"]
    assert after["tags"] == before["tags"]


def test_a_data_plane_404_after_the_put_is_waited_for(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack(
        "smk-late", {"smk-late-d": deployment("swc", {"job": "smk-late"}, smoke_test=[PASSING])}
    )
    # the first two completions answer 404, as Azure's data plane may right after the PUT
    admin.faults([{"method": "POST", "path": "chat/completions$", "status": 404, "count": 2}])
    admin.clear_requests()

    result = apply_smoke(stack.root)

    assert result.code == 0, result.text
    assert admin.unspent_faults() == []
    assert len(_chats(admin)) == 3
    assert "smoke test passed: 1/1 prompts" in result.out
    assert "the data plane answers NotFound for smk-late-d right after ARM reported it" in (
        result.err
    )


def test_a_failed_smoke_test_blocks_this_applys_deletes_in_the_account(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack("smk-mv", {"smk-mv-old": deployment("swc", {"job": "smk-mv"})})
    assert apply_smoke(stack.root).code == 0
    # the spec moves the deployment to a new name, whose smoke test fails
    stack.deployments = {"smk-mv-new": deployment("swc", {"job": "smk-mv"}, smoke_test=[FAILING])}
    stack.write()

    result = apply_smoke(stack.root)

    assert result.code == 1, result.text
    assert "blocked by deployment.smk-mv-new" in result.out
    held = admin.deployments("smk-mv")
    assert "aoai-swc/smk-mv-old" in held  # what served keeps serving


def test_rollback_works_with_a_saved_plan(
    env: dict[str, str], admin: Admin, smoke_stack: Make, tmp_path: Path
) -> None:
    stack, before = _applied_then_failing_at(smoke_stack, admin, "smk-saved", capacity=3)
    prepared = prepare(stack.root)
    with Session.open() as session:
        planned = compute_plan(prepared, session.observe(prepared), frozenset())
    saved = tmp_path / "smoke.plan"
    save_plan(saved, planned, stack.root, frozenset(), prepared.desired)

    result = apply_smoke(saved, rollback=True)

    assert result.code == 1, result.text
    assert "rolled back deployment.smk-saved-d to " in result.out
    assert admin.deployments("smk-saved")["aoai-swc/smk-saved-d"]["sku"] == before["sku"]


def test_an_error_answer_fails_the_smoke_test_and_a_5xx_is_retried(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack(
        "smk-err",
        {"smk-err-d": deployment("swc", {"job": "smk-err"}, smoke_test=[PASSING, PASSING])},
    )
    admin.faults(
        [
            {"method": "POST", "path": "chat/completions$", "status": 503, "count": 1},
            {"method": "POST", "path": "chat/completions$", "status": 400, "count": 1},
        ]
    )

    result = apply_smoke(stack.root)

    assert result.code == 1, result.text
    line = next(x for x in result.out.splitlines() if "smoke test failed" in x)
    assert "1/2 prompts passed" in line
    assert (
        "prompt 1/2 'Tell me about smoke knots, item 3.' got an error instead of an answer: "
        in (line)
    )
    assert "400" in line and admin.unspent_faults() == []


def test_rollback_never_deletes_a_protected_deployment(
    env: dict[str, str], admin: Admin, smoke_stack: Make
) -> None:
    stack = smoke_stack(
        "smk-keep",
        {
            "smk-keep-d": deployment(
                "swc", {"job": "smk-keep"}, prevent_destroy=True, smoke_test=[FAILING]
            )
        },
    )

    result = apply_smoke(stack.root, rollback=True)

    assert result.code == 1, result.text
    assert (
        'not rolled back: smk-keep-d in aoai-swc carries reconciler-prevent-destroy: "true", so '
        "reconciler does not delete it"
    ) in result.out
    assert "aoai-swc/smk-keep-d" in admin.deployments("smk-keep")
