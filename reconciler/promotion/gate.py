"""One gate over one job's final metrics: per metric, its value against its bounds. The
planner and apply both call `evaluate`, so a deployment apply holds back is one the plan
showed as blocked (or one whose job finished during the apply)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.promotion.metrics import JobResults


@dataclass(frozen=True)
class MetricVerdict:
    """One metric against its bounds; ``value`` None: the job did not report it (an error,
    never a pass)."""

    metric: str
    value: float | None
    min: float | None
    max: float | None

    @property
    def reported(self) -> bool:
        return self.value is not None

    @property
    def holds(self) -> bool:
        if self.value is None:
            return False
        return (self.min is None or self.value >= self.min) and (
            self.max is None or self.value <= self.max
        )

    @property
    def bound(self) -> str:
        """ "≤ 0.9", "≥ 0.6", "0.6 … 0.9" """
        if self.min is not None and self.max is not None:
            return f"{_num(self.min)} … {_num(self.max)}"
        if self.max is not None:
            return f"≤ {_num(self.max)}"
        return f"≥ {_num(self.min or 0.0)}"

    def line(self) -> str:
        """ "full_valid_loss 0.912 > max 0.9 (fails)" as a plan or apply shows it."""
        if self.value is None:
            return f"{self.metric}: not reported by the job (needs {self.bound})"
        verdict = "holds" if self.holds else "fails"
        return f"{self.metric} {_num(self.value)} (needs {self.bound}): {verdict}"

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "min": self.min,
            "max": self.max,
            "holds": self.holds,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> MetricVerdict:
        def opt(key: str) -> float | None:
            value = data.get(key)
            return None if value is None else float(value)

        return MetricVerdict(str(data["metric"]), opt("value"), opt("min"), opt("max"))


def _num(value: float) -> str:
    return f"{value:.4g}"


@dataclass(frozen=True)
class GateVerdict:
    job_id: str
    metrics: tuple[MetricVerdict, ...]

    @property
    def holds(self) -> bool:
        return all(m.holds for m in self.metrics)

    @property
    def unreported(self) -> list[str]:
        return [m.metric for m in self.metrics if not m.reported]

    def failing(self) -> list[MetricVerdict]:
        return [m for m in self.metrics if not m.holds]

    def lines(self) -> list[str]:
        return [m.line() for m in self.metrics]


def evaluate(gate: Mapping[str, Mapping[str, float]], results: JobResults) -> GateVerdict:
    """Each bounded metric's final value against its bounds, in the gate's metric order."""
    verdicts = tuple(
        MetricVerdict(name, results.metric(name), bounds.get("min"), bounds.get("max"))
        for name, bounds in sorted(gate.items())
    )
    return GateVerdict(results.job_id, verdicts)
