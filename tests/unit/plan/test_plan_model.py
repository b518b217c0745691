"""The plan as data: actions, summary, ordering, JSON (SPEC.md §3)."""

from __future__ import annotations

import pytest

from reconciler.errors import Location
from reconciler.kinds.deployment import DeploymentAfter, DeploymentReason
from reconciler.plan import Action, Change, Plan, PlanIssue, ResourceType
from reconciler.plan.model import Because

AFTER = DeploymentAfter(
    "a", "aoai-a", "d", {"format": "OpenAI", "name": "m", "version": "1"}, "Standard", 1, {}
)


def change(address: str, action: Action) -> Change:
    because = Because(DeploymentReason.MATCHES, {"account_name": "aoai-a"})
    return Change(address, ResourceType.DEPLOYMENT, action, because, None, AFTER)


def test_replace_is_delete_then_create() -> None:
    assert Action.REPLACE.actions == ["delete", "create"]
    assert Action.from_actions(["delete", "create"]) is Action.REPLACE
    assert Action.from_actions(["wait"]) is Action.WAIT
    for bad in (["create", "delete"], ["replace"], [], ["create", "create"]):
        with pytest.raises(ValueError):
            Action.from_actions(bad)


def test_changes_sorted_by_address_and_summary_counts() -> None:
    plan = Plan(
        "s",
        (
            change("deployment.b", Action.NO_OP),
            change("deployment.a", Action.REPLACE),
            change("file.x@a", Action.CREATE),
            change("job.j", Action.WAIT),
        ),
    )
    document = plan.to_json()
    assert [c["address"] for c in document["changes"]] == [
        "deployment.a",
        "deployment.b",
        "file.x@a",
        "job.j",
    ]
    assert document["summary"] == {
        "create": 1,
        "update": 0,
        "replace": 1,
        "delete": 0,
        "wait": 1,
        "blocked": 0,
        "no-op": 1,
    }
    assert document["format_version"] == "1"
    assert document["changes"][0]["actions"] == ["delete", "create"]
    assert plan.has_changes


def test_no_op_is_not_a_change() -> None:
    plan = Plan("s", (change("deployment.a", Action.NO_OP),))
    assert not plan.has_changes
    assert not change("deployment.a", Action.NO_OP).destructive
    assert change("deployment.a", Action.DELETE).destructive


def test_duplicate_addresses_are_refused() -> None:
    with pytest.raises(ValueError):
        Plan("s", (change("deployment.a", Action.CREATE), change("deployment.a", Action.DELETE)))


def test_json_round_trip_and_errors() -> None:
    issue = PlanIssue("too big", "deployment.a", Location("s.yaml", 3, 4))
    plan = Plan("s", (change("deployment.a", Action.UPDATE),), (issue,), "digest")
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert str(issue) == "s.yaml:3:4: error: deployment.a: too big"
    assert plan.to_json()["errors"] == [
        {"address": "deployment.a", "location": "s.yaml:3:4", "message": "too big"}
    ]


def test_unknown_format_version_is_refused() -> None:
    document = Plan("s", ()).to_json()
    document["format_version"] = "2"
    with pytest.raises(ValueError):
        Plan.from_json(document)


def test_errors_sorted_by_place() -> None:
    late = PlanIssue("b", None, Location("s.yaml", 9))
    early = PlanIssue("a", None, Location("s.yaml", 2))
    nowhere = PlanIssue("c")
    assert Plan("s", (), (nowhere, late, early)).errors == (early, late, nowhere)
