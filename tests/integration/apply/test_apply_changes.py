"""Changes to a stack already in Azure: capacity updated in place, a new sku name replaced
(DELETE then PUT under the same name), an entry that left the spec deleted after the account's
other writes; a failed job stops only what depends on it; continuous training and checkpoint
deployments take the model of the job they depend on once it has trained."""

from __future__ import annotations

from .apply_support import (
    BASE,
    Admin,
    apply,
    chat_lines,
    deployment,
    fresh_plan,
    job,
)
from .conftest import Converged, NewStack


def test_update_in_place_replace_and_delete(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "edits",
        deployments={
            "edits-a": deployment("swc", BASE),
            "edits-b": deployment("swc", BASE),
            "edits-c": deployment("swc", BASE),
        },
    )
    assert apply(stack.root).code == 0
    stack.deployments["edits-a"]["sku"]["capacity"] = 2
    stack.deployments["edits-b"]["sku"]["name"] = "GlobalStandard"
    del stack.deployments["edits-c"]
    stack.deployments["edits-d"] = deployment("ncus", BASE)
    stack.write()
    admin.clear_requests()

    result = apply(stack.root)

    assert result.code == 0, result.text
    swc = [(m, p.rsplit("/", 1)[1]) for m, p in admin.mutations() if "/accounts/aoai-swc/" in p]
    # one account, one write at a time: creates and updates first, the delete last
    assert swc == [
        ("PUT", "edits-a"),
        ("DELETE", "edits-b"),
        ("PUT", "edits-b"),
        ("DELETE", "edits-c"),
    ]
    found = admin.deployments("edits")
    assert set(found) == {"aoai-swc/edits-a", "aoai-swc/edits-b", "aoai-ncus/edits-d"}
    assert found["aoai-swc/edits-a"]["sku"] == {"name": "Standard", "capacity": 2}
    assert found["aoai-swc/edits-b"]["sku"]["name"] == "GlobalStandard"
    assert not fresh_plan(stack.root).has_changes


def test_a_failed_job_stops_only_what_depends_on_it(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "mixed",
        datasets={
            "mixed-good": chat_lines("mixed gulls"),
            "mixed-bad": chat_lines("mixed storms", marker="RECONCILER_HARMFUL_TEST_VIOLENCE"),
        },
        jobs={"good": job("mixed-good"), "bad": job("mixed-bad")},
        deployments={
            "mixed-good": deployment("swc", {"job": "good"}),
            "mixed-bad": deployment("swc", {"job": "bad"}),
            "mixed-base": deployment("ncus", BASE),
        },
    )

    result = apply(stack.root)
    assert result.code == 1
    assert "! job.bad: " in result.out and "RAI checks" in result.out
    assert "which blocked: deployment.mixed-bad" in result.out
    assert "! deployment.mixed-bad: blocked by job.bad" in result.out
    assert set(admin.deployments("mixed")) == {"aoai-swc/mixed-good", "aoai-ncus/mixed-base"}


def test_continuous_training_and_checkpoint_deployments(
    env: dict[str, str], admin: Admin, new_stack: NewStack, converged: Converged
) -> None:
    stack = new_stack(
        "chain",
        datasets={"chain-one": chat_lines("chain anchors"), "chain-two": chat_lines("chain ropes")},
        jobs={
            "first": job("chain-one", suffix="first"),
            "second": job("chain-two", model={"job": "first"}, suffix="second"),
        },
        deployments={
            "chain-second": deployment("swc", {"job": "second"}),
            "chain-epoch2": deployment("swc", {"job": "first", "checkpoint": 2}),
        },
    )

    result = apply(stack.root)

    assert result.code == 0, result.text
    jobs = {j["metadata"]["reconciler-job"]: j for j in admin.jobs("chain")}
    assert jobs["second"]["model"] == jobs["first"]["fine_tuned_model"]
    found = admin.deployments("chain")
    assert (
        found["aoai-swc/chain-second"]["properties"]["model"]["name"]
        == jobs["second"]["fine_tuned_model"]
    )
    assert found["aoai-swc/chain-epoch2"]["properties"]["model"]["name"].startswith("ftchkpt-")
    converged("chain", stack.root)


def test_new_data_trains_a_new_job_and_its_deployments_are_replaced(
    env: dict[str, str], admin: Admin, new_stack: NewStack, converged: Converged
) -> None:
    stack = new_stack(
        "retrain",
        datasets={"retrain-data": chat_lines("retrain knots")},
        jobs={"knots": job("retrain-data")},
        deployments={"retrain-swc": deployment("swc", {"job": "knots"})},
    )
    assert apply(stack.root).code == 0
    first = admin.jobs("retrain")[0]["fine_tuned_model"]
    stack.datasets["retrain-data"] = chat_lines("retrain knots", 14)
    stack.write()
    planned = {c.address: c.action.value for c in fresh_plan(stack.root).changes}
    assert planned["deployment.retrain-swc"] == "replace"

    result = apply(stack.root)

    assert result.code == 0, result.text
    jobs = admin.jobs("retrain")
    assert len(jobs) == 2  # the old job stays, as history
    newest = max(jobs, key=lambda j: j["created_at"])["fine_tuned_model"]
    assert newest != first
    serving = admin.deployments("retrain")["aoai-swc/retrain-swc"]
    assert serving["properties"]["model"]["name"] == newest
    converged("retrain", stack.root)
