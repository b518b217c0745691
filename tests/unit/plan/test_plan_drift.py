"""Drift rules not covered by the drift-* golden cases."""

from __future__ import annotations

from reconciler.plan import DriftItem, DriftKind, drift

from .plan_builders import BASE, deployment, desired, observed, tagged


def test_missing_base_deployment_is_drift_only_where_the_stack_was_applied() -> None:
    spec = desired(jobs={}, deployments={"chat": deployment("chat", model=BASE)})
    assert drift(spec, observed()) == []  # never applied: a plan change, not drift
    applied = observed(swc={"deployments": (tagged("other", model_name="gpt-4.1-mini"),)})
    items = [i for i in drift(spec, applied) if i.address == "deployment.chat"]
    assert [(i.kind, i.cause) for i in items] == [
        (DriftKind.MISSING, "chat in aoai-swc is missing (deleted outside reconciler)")
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
