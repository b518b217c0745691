"""SPEC §5.8's `gate` in the spec: bounds by Azure's metric names, errors at their place (a
misspelt metric with a suggestion, bounds that cannot hold, a gate on a model id or on a
metric the job's method or data cannot report); read into the desired deployment."""

from __future__ import annotations

import textwrap
from pathlib import Path

from reconciler.commands.validate import validate
from reconciler.errors import Diagnostics
from reconciler.plan.from_spec import desired_from_spec
from reconciler.promotion.names import GATE_METRICS
from reconciler.spec.models import Gate

from .conftest import Reader
from .support import ENV, HEAD, MINI, chat_lines, messages, place, write_tree

BODY = textwrap.dedent(
    f"""\
    datasets:
      train: {{path: train.jsonl}}
      valid: {{path: valid.jsonl}}
    jobs:
      tuned: {{account: swc, model: {MINI.id}, training_data: train, validation_data: valid}}
      bare: {{account: swc, model: {MINI.id}, training_data: train}}
    deployments:
      gated:
        account: swc
        model: {{job: tuned}}
        sku: {{name: Standard, capacity: 1}}
        gate:
          full_valid_loss: {{max: 0.9}}
          full_valid_mean_token_accuracy: {{min: 0.6}}
          train_loss: {{min: 0.01, max: 2}}
    """
)


def _files(text: str) -> dict[str, str]:
    return {"a.yaml": text, "train.jsonl": chat_lines(12), "valid.jsonl": chat_lines(10, 50)}


def _gate_errors(diagnostics: Diagnostics) -> list[str]:
    return [m for m in messages(diagnostics) if "error" in m and ".gate" in m]


def test_a_gate_reaches_the_desired_deployment_with_its_places(tmp_path: Path) -> None:
    text = HEAD + BODY
    root = write_tree(tmp_path / "spec", _files(text))
    result = validate(root, cache_dir=tmp_path / "cache", environ=ENV)
    assert result.ok and result.spec is not None, messages(result.diagnostics)
    gated = desired_from_spec(result.spec, result.datasets).deployments["gated"]
    assert gated.gate == {
        "full_valid_loss": {"max": 0.9},
        "full_valid_mean_token_accuracy": {"min": 0.6},
        "train_loss": {"min": 0.01, "max": 2.0},
    }
    assert str(gated.where("gate.full_valid_loss")).endswith(place(text, "full_valid_loss"))
    assert gated.to_json()["gate"]["train_loss"] == {"min": 0.01, "max": 2.0}


def test_a_misspelt_metric_is_an_error_with_a_suggestion(read: Reader) -> None:
    text = HEAD + BODY.replace("full_valid_loss: {max", "full_valid_los: {max")
    _, diagnostics = read(_files(text))
    assert _gate_errors(diagnostics) == [
        f"{place(text, 'full_valid_los:')}: error: unknown key 'full_valid_los' in "
        "deployments.gated.gate; did you mean 'full_valid_loss'?"
    ]


def test_bounds_that_cannot_hold_or_say_nothing(read: Reader) -> None:
    text = HEAD + BODY.replace("{min: 0.01, max: 2}", "{min: 3, max: 2}")
    text = text.replace("{min: 0.6}", "{}")
    found = _gate_errors(read(_files(text))[1])
    assert len(found) == 2
    assert any(
        "deployments.gated.gate.train_loss min 3.0 is above max 2.0: no value can hold" in m
        for m in found
    )
    assert any("gate.full_valid_mean_token_accuracy needs min, max or both" in m for m in found)


def test_a_bound_must_be_a_number(read: Reader) -> None:
    text = HEAD + BODY.replace("{max: 0.9}", '{max: "0.9"}')
    [error] = _gate_errors(read(_files(text))[1])
    assert "deployments.gated.gate.full_valid_loss.max must be a number" in error


def test_a_gate_needs_a_job_model(read: Reader) -> None:
    text = HEAD + BODY.replace("model: {job: tuned}", f"model: {MINI.id}")
    [error] = [m for m in _gate_errors(read(_files(text))[1]) if ".gate:" in m]
    assert error.startswith(f"{place(text, 'gate:')}: error: deployments.gated.gate: ")
    assert "no job of the spec trains" in error


def test_a_gate_on_a_checkpoint_is_refused(read: Reader) -> None:
    text = HEAD + BODY.replace("model: {job: tuned}", "model: {job: tuned, checkpoint: 2}")
    [error] = _gate_errors(read(_files(text))[1])
    assert "checkpoint of epoch 2" in error


def test_a_metric_the_job_cannot_report_is_an_error_at_its_key(read: Reader) -> None:
    text = HEAD + BODY.replace("model: {job: tuned}", "model: {job: bare}")
    text = text.replace("train_loss: {min", "train_reward_mean: {min")
    found = _gate_errors(read(_files(text))[1])
    assert (
        f"{place(text, 'full_valid_loss:')}: error: deployments.gated.gate.full_valid_loss: "
        "job bare does not report this metric: full_valid_loss is computed on the validation "
        "data, and this job has no validation_data" in found
    )
    assert any(
        m.startswith(place(text, "train_reward_mean"))
        and "only reinforcement jobs report train_reward_mean" in m
        for m in found
    )
    assert len(found) == 3


def test_the_gate_model_lists_every_metric_name() -> None:
    assert tuple(Gate.model_fields) == GATE_METRICS
