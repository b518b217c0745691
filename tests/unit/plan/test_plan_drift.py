"""Drift rules not covered by the drift-* golden cases."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from reconciler.plan import (
    Desired,
    DriftCause,
    DriftItem,
    DriftKind,
    Observed,
    drift,
    drift_report,
)
from reconciler.plan.activity import Operation

from .plan_builders import BASE, deployment, desired, observed, tagged


def test_without_the_activity_log_a_missing_base_deployment_is_drift_where_applied() -> None:
    spec = desired(jobs={}, deployments={"chat": deployment("chat", model=BASE)})
    report = drift_report(spec, observed())
    assert report.items == ()  # never applied, as far as can be told: not drift
    assert report.activity_wanted == {"swc"}  # the Activity Log would tell
    applied = observed(swc={"deployments": (tagged("other", model_name="gpt-4.1-mini"),)})
    items = [i for i in drift(spec, applied) if i.address == "deployment.chat"]
    assert [(i.kind, i.cause, i.message) for i in items] == [
        (
            DriftKind.MISSING,
            DriftCause.UNKNOWN,
            "chat in aoai-swc is missing (deleted outside reconciler)",
        )
    ]
    assert items[0].before is not None and items[0].before["sku"] == {
        "name": "Standard",
        "capacity": 1,
    }


def test_sku_drift_and_round_trip() -> None:
    spec = desired(jobs={}, deployments={"chat": deployment("chat", model=BASE)})
    state = observed(
        swc={
            "deployments": (
                tagged(
                    "chat",
                    model_name="gpt-4.1-mini",
                    model_version="2025-04-14",
                    sku_name="GlobalStandard",
                ),
            )
        }
    )
    items = drift(spec, state)
    assert [i.kind for i in items] == [DriftKind.SKU]
    assert DriftItem.from_json(items[0].to_json()) == items[0]


def _case(name: str) -> tuple[Desired, Observed]:
    folder = Path(__file__).resolve().parents[2] / "cases" / name
    return (
        Desired.from_json(json.loads((folder / "desired.json").read_text(encoding="utf-8"))),
        Observed.from_json(json.loads((folder / "observed.json").read_text(encoding="utf-8"))),
    )


def test_the_activity_log_is_wanted_only_where_a_deployment_is_missing_and_unread() -> None:
    assert drift_report(*_case("drift-capacity-and-tags")).activity_wanted == frozenset()
    assert drift_report(*_case("drift-none")).activity_wanted == frozenset()
    assert drift_report(*_case("drift-deployment-deleted")).activity_wanted == {"ncus"}
    # read (even unreadable): not wanted again
    assert drift_report(*_case("drift-deleted-by-user")).activity_wanted == frozenset()
    assert drift_report(*_case("drift-activity-unreadable")).activity_wanted == frozenset()


def test_a_never_applied_entry_is_pending_and_no_drift() -> None:
    report = drift_report(*_case("drift-never-applied-pending"))
    assert not report.has_drift and report.items == ()
    assert [(i.address, i.cause) for i in report.pending] == [
        ("deployment.clippy-ncus", DriftCause.NEVER_APPLIED)
    ]


def test_the_callers_name_is_quoted_and_cut_as_azure_controlled_text() -> None:
    desired_state, observed_state = _case("drift-deleted-by-user")
    account = observed_state.accounts["ncus"]
    assert account.activity is not None
    caller = "x" * 200 + "\x1b[31m"
    events = tuple(
        dataclasses.replace(e, caller=caller) if e.operation is Operation.DELETE else e
        for e in account.activity.events
    )
    log = dataclasses.replace(account.activity, events=events)
    changed = Observed(
        {**observed_state.accounts, "ncus": dataclasses.replace(account, activity=log)}
    )
    (item,) = drift(desired_state, changed)
    assert item.cause is DriftCause.DELETED_BY_USER
    assert "\x1b" not in item.message and "x" * 100 not in item.message
    assert "'" + "x" * 78 + "…" in item.message
