"""`--replace` does at apply what the plan says: a deployment is deleted and put again, a trained
job is trained again (apply decides with the same kinds as the plan, --replace included)."""

from __future__ import annotations

from pathlib import Path

from .apply_support import BASE, Admin, apply, chat_lines, deployment, fresh_plan, job, make_stack


def test_replace_puts_a_deployment_again(env: dict[str, str], admin: Admin, tmp_path: Path) -> None:
    stack = make_stack(tmp_path / "spec", "again", deployments={"again-a": deployment("swc", BASE)})
    assert apply(stack.root).code == 0
    asked = frozenset({"deployment.again-a"})
    planned = fresh_plan(stack.root, asked).change("deployment.again-a")
    assert planned is not None and planned.action.value == "replace"
    admin.clear_requests()

    result = apply(stack.root, replace=asked)

    assert result.code == 0, result.text
    swc = [(m, p.rsplit("/", 1)[1]) for m, p in admin.mutations() if "/accounts/aoai-swc/" in p]
    assert swc == [("DELETE", "again-a"), ("PUT", "again-a")]
    assert "replaced again-a" in result.text
    assert not fresh_plan(stack.root).has_changes


def test_replace_trains_a_trained_job_again(
    env: dict[str, str], admin: Admin, tmp_path: Path
) -> None:
    stack = make_stack(
        tmp_path / "spec",
        "twice",
        datasets={"twice-data": chat_lines("twice knots")},
        jobs={"twice": job("twice-data")},
        accounts=("swc",),
    )
    assert apply(stack.root).code == 0
    [first] = admin.jobs("twice")
    asked = frozenset({"job.twice"})
    planned = fresh_plan(stack.root, asked).change("job.twice")
    assert planned is not None and planned.action.value == "create"

    result = apply(stack.root, replace=asked)

    assert result.code == 0, result.text
    jobs = admin.jobs("twice")
    assert len(jobs) == 2 and first["id"] in {j["id"] for j in jobs}
    models = {j.get("fine_tuned_model") for j in jobs}
    assert None not in models and len(models) == 2  # both trained, each its own model
    assert not fresh_plan(stack.root).has_changes
