"""Drift rules not covered by the drift-* golden cases."""

from __future__ import annotations

from reconciler.plan import DriftItem, DriftKind, drift, drift_json, render_drift_text
from reconciler.plan.drift import has_drift

from .plan_builders import BASE, deployment, desired, observed, tagged


def test_a_missing_deployment_is_pending_apply_not_drift() -> None:
    spec = desired(jobs={}, deployments={"chat": deployment("chat", model=BASE)})
    for state in (
        observed(),  # the stack never applied here
        observed(swc={"deployments": (tagged("other", model_name="gpt-4.1-mini"),)}),
    ):
        items = [i for i in drift(spec, state) if i.address == "deployment.chat"]
        assert [(i.kind, i.is_drift) for i in items] == [(DriftKind.PENDING_APPLY, False)]
        assert items[0].cause.startswith("chat is not in aoai-swc: pending apply")
        assert "deleted outside reconciler" in items[0].cause  # what else it may be
        assert not has_drift(items)
        assert items[0].before is not None and items[0].before["sku"] == {
            "name": "Standard",
            "capacity": 1,
        }
        listed = drift_json("clippy", items)
        assert (listed["drift"], len(listed["pending"])) == ([], 1)
        text = render_drift_text(items)
        assert text.splitlines()[-2:] == [
            "No drift: Azure matches what reconciler made.",
            "Pending apply (not drift): 1 spec entry is not in Azure yet; apply creates them.",
        ]


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
