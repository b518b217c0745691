"""A job's final metrics and loss curves, from what Azure publishes about a finished job.

The final metrics are those of its last checkpoint (the highest `step_number`: the model the
job produced), each metric missing there filled in from the last non-empty value of its
results.csv column (full_valid_* are written at epoch ends only, so a column's last row may be
empty). The curves (train_loss, and valid_loss where the job has validation data) come from
results.csv, resampled to at most `CURVE_POINTS` points: enough for a chart in a plan, small
enough for a saved plan. Shapes: the checkpoint list items of the v1 data plane
(`fine_tuning.job.checkpoint`: `step_number`, `metrics`) and results.csv's documented columns
(`step`, `train_loss`, …, `validation_mean_token_accuracy`, …).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.promotion.names import canonical

CURVE_POINTS = 50
#: the curves kept for the plan (results.csv columns)
CURVES = ("train_loss", "valid_loss")

Point = tuple[int, float]  # (step, value)


@dataclass(frozen=True)
class JobResults:
    """What a finished job reports: final metrics (by the checkpoint metrics' names) and the
    loss curves by step."""

    job_id: str
    metrics: Mapping[str, float]
    step: int | None = None  # the step of the last checkpoint (None: no checkpoint listed)
    total_steps: int | None = None  # the last step of results.csv
    curves: Mapping[str, tuple[Point, ...]] = field(default_factory=dict)

    def metric(self, name: str) -> float | None:
        return self.metrics.get(canonical(name))

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "metrics": dict(sorted(self.metrics.items())),
            "step": self.step,
            "total_steps": self.total_steps,
            "curves": {k: [list(p) for p in v] for k, v in sorted(self.curves.items())},
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> JobResults:
        return JobResults(
            job_id=str(data["job_id"]),
            metrics={str(k): float(v) for k, v in (data.get("metrics") or {}).items()},
            step=_opt_int(data.get("step")),
            total_steps=_opt_int(data.get("total_steps")),
            curves={
                str(k): tuple((int(s), float(v)) for s, v in points)
                for k, points in (data.get("curves") or {}).items()
            },
        )


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _number(value: object) -> float | None:
    """A finite number, from a JSON number or a CSV cell; None for anything else (empty)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and value.strip():
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def results_columns(text: str) -> dict[str, list[Point]]:
    """results.csv as its non-empty values per column, by step (a row without a readable step
    is skipped), under the checkpoint metrics' names."""
    columns: dict[str, list[Point]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        step = _number(row.get("step"))
        if step is None:
            continue
        for name, cell in row.items():
            if name is None or name == "step":
                continue
            value = _number(cell)
            if value is not None:
                columns.setdefault(canonical(name.strip()), []).append((int(step), value))
    return columns


def last_checkpoint(checkpoints: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The checkpoint of the highest step: the model the job produced."""
    found: Mapping[str, Any] | None = None
    best = -1
    for checkpoint in checkpoints:
        step = _number(checkpoint.get("step_number"))
        if step is not None and step > best:
            found, best = checkpoint, int(step)
    return found


def resample(points: Sequence[Point], count: int = CURVE_POINTS) -> tuple[Point, ...]:
    """At most ``count`` points, evenly spread over the list, the first and last kept."""
    if len(points) <= count:
        return tuple(points)
    if count < 2:
        return (points[-1],)
    last = len(points) - 1
    picks = sorted({round(i * last / (count - 1)) for i in range(count)})
    return tuple(points[i] for i in picks)


def final_results(
    job_id: str, checkpoints: Iterable[Mapping[str, Any]], results_csv: str | None
) -> JobResults:
    """The job's final metrics and curves (see the module's docstring)."""
    metrics: dict[str, float] = {}
    step: int | None = None
    last = last_checkpoint(checkpoints)
    if last is not None:
        step = int(last["step_number"])
        for name, value in (last.get("metrics") or {}).items():
            number = _number(value)
            if number is not None and name != "step":
                metrics[canonical(str(name))] = number
    columns = results_columns(results_csv) if results_csv else {}
    for name, points in columns.items():
        if points and name not in metrics:
            metrics[name] = points[-1][1]
    steps = [s for points in columns.values() for s, _ in points]
    curves = {name: resample(columns[name]) for name in CURVES if columns.get(name)}
    return JobResults(
        job_id=job_id,
        metrics=metrics,
        step=step,
        total_steps=max(steps) if steps else None,
        curves=curves,
    )
