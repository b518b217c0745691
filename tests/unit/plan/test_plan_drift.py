"""Drift rules not covered by the drift-* golden cases."""

from __future__ import annotations

from reconciler.plan import DriftCause, DriftItem, DriftKind, drift, drift_report

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
