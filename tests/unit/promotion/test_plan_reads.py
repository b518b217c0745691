"""Which jobs' metrics a plan reads (only for promotions and gated moves), and how a plan made
without them (the first pass of observe) and one made with them differ."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from reconciler.apply.scheduler import RunReport, TaskResult, TaskStatus
from reconciler.apply.summary import render_summary
from reconciler.plan import Desired, Observed, plan
from reconciler.plan.model import Action
from reconciler.plan.promotion import wanted_results

CASES = Path(__file__).resolve().parents[2] / "cases"
OLD = "ftjob-0f3c1e2d4b5a69788796a5b4c3d2e1f0"
NEW = "ftjob-7a6b5c4d3e2f10213243546576879809"


def _case(name: str) -> tuple[Desired, Observed]:
    desired = Desired.from_json(json.loads((CASES / name / "desired.json").read_text()))
    observed = Observed.from_json(json.loads((CASES / name / "observed.json").read_text()))
    return desired, observed


def _without_results(observed: Observed) -> Observed:
    return Observed({k: dataclasses.replace(a, results={}) for k, a in observed.accounts.items()})


def test_a_promotion_reads_both_jobs_and_nothing_else_reads_any() -> None:
    desired, observed = _case("gate-blocked")
    bare = _without_results(observed)
    first = plan(desired, bare)
    assert wanted_results(desired, bare, first) == {"swc": {OLD, NEW}}
    # before the metrics are read the gated move stays a replace (its account's catalog is
    # read for it); with them it is blocked
    assert first.change("deployment.clippy-swc").action is Action.REPLACE  # type: ignore[union-attr]
    assert plan(desired, observed).change("deployment.clippy-swc").action is Action.BLOCKED  # type: ignore[union-attr]
    for quiet in ("nothing-changed", "gate-pending", "new-job-training", "fresh-stack"):
        desired, observed = _case(quiet)
        assert wanted_results(desired, observed, plan(desired, observed)) == {}, quiet


def test_the_apply_summary_counts_and_lists_gate_blocked_deployments() -> None:
    result = TaskResult(
        "deployment.d",
        "replace deployment d",
        TaskStatus.GATED,
        "gate fails on job.j (ftjob-2); keeps serving m1\nfull_valid_loss 0.5 (needs ≤ 0.4): fails",
    )
    report = RunReport({"deployment.d": result}, [], 1.0)
    text = render_summary(report)
    assert report.ok  # not a failure: apply exits 0
    assert "Apply finished in 1.0 s: 1 blocked by its gate." in text
    assert "  ⊘ deployment.d: gate fails on job.j (ftjob-2); keeps serving m1" in text
    assert "      full_valid_loss 0.5 (needs ≤ 0.4): fails" in text
