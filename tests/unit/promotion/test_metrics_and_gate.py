"""A job's final metrics (its last checkpoint, filled from results.csv), curves, and a gate's
verdict on them: each metric against its bound, a missing metric its own verdict."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.promotion.gate import MetricVerdict, evaluate
from reconciler.promotion.metrics import CURVE_POINTS, JobResults, final_results, resample

ROOT = Path(__file__).resolve().parents[3]
# Azure's published example of a checkpoint list (api-version 2025-04-01-preview)
EXAMPLE = (
    ROOT / "tests/contract/examples/openai/2025-04-01-preview.get_finetuning_job_checkpoints.json"
)

# results.csv as the service documents its columns: full_valid_* at epoch ends only
HEADER = (
    "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
    "full_valid_loss,full_valid_mean_token_accuracy"
)
RESULTS = f"""{HEADER}
1,2.1,0.40,2.3,0.38,,
2,1.4,0.61,1.6,0.58,1.5,0.60
3,0.9,0.77,1.1,0.72,,
"""


def _checkpoints() -> list[dict[str, object]]:
    body = json.loads(EXAMPLE.read_text(encoding="utf-8"))["responses"]["200"]["body"]
    return list(body["data"])


def test_final_metrics_are_the_last_checkpoints() -> None:
    listed = _checkpoints()
    results = final_results("ftjob-1", reversed(listed), None)  # whatever order they come in
    assert results.step == 30
    assert results.metrics["full_valid_loss"] == 0.114
    assert results.metrics["train_loss"] == 0.155
    assert "step" not in results.metrics
    assert results.curves == {}


def test_results_csv_fills_what_the_checkpoint_lacks_and_gives_the_curves() -> None:
    checkpoint = {"step_number": 3, "metrics": {"train_loss": 0.91}}
    results = final_results("ftjob-1", [checkpoint], RESULTS)
    assert results.metrics["train_loss"] == 0.91  # the checkpoint's value wins
    # the last non-empty value of each column; results.csv's name folded into the metric's
    assert results.metrics["full_valid_loss"] == 1.5
    assert results.metrics["valid_mean_token_accuracy"] == 0.72
    assert results.metric("validation_mean_token_accuracy") == 0.72
    assert results.total_steps == 3
    assert results.curves["train_loss"] == ((1, 2.1), (2, 1.4), (3, 0.9))
    assert results.curves["valid_loss"] == ((1, 2.3), (2, 1.6), (3, 1.1))
    assert JobResults.from_json(json.loads(json.dumps(results.to_json()))) == results


def test_without_checkpoints_the_results_csv_alone_gives_the_final_metrics() -> None:
    results = final_results("ftjob-1", [], RESULTS)
    assert results.step is None and results.metrics["train_loss"] == 0.9


def test_curves_are_resampled_keeping_both_ends() -> None:
    points = [(i, float(i)) for i in range(1, 1001)]
    kept = resample(points)
    assert len(kept) == CURVE_POINTS and kept[0] == (1, 1.0) and kept[-1] == (1000, 1000.0)
    assert resample(points[:10]) == tuple(points[:10])


def test_gate_verdicts_per_metric() -> None:
    results = final_results("ftjob-9", _checkpoints(), None)
    gate = {
        "full_valid_loss": {"max": 0.2},
        "full_valid_mean_token_accuracy": {"min": 0.97},
        "train_loss": {"min": 0.1, "max": 0.2},
    }
    verdict = evaluate(gate, results)
    assert not verdict.holds
    by_name = {m.metric: m for m in verdict.metrics}
    assert by_name["full_valid_loss"].holds
    assert not by_name["full_valid_mean_token_accuracy"].holds
    assert by_name["train_loss"].holds
    assert [m.metric for m in verdict.failing()] == ["full_valid_mean_token_accuracy"]
    assert by_name["full_valid_mean_token_accuracy"].line() == (
        "full_valid_mean_token_accuracy 0.963 (needs ≥ 0.97): fails"
    )
    assert evaluate({"full_valid_loss": {"max": 0.114}}, results).holds  # bounds are inclusive


def test_a_metric_the_job_did_not_report_never_passes() -> None:
    results = final_results("ftjob-9", _checkpoints(), None)
    verdict = evaluate({"train_reward_mean": {"min": 0.0}}, results)
    assert not verdict.holds and verdict.unreported == ["train_reward_mean"]
    assert "not reported" in verdict.metrics[0].line()


def test_verdicts_read_back_from_a_saved_plan() -> None:
    verdict = MetricVerdict("valid_loss", 0.5, None, 0.4)
    again = MetricVerdict.from_json(json.loads(json.dumps(verdict.to_json())))
    assert again == verdict and verdict.to_json()["holds"] is False
