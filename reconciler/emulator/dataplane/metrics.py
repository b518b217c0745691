"""Training metrics of a simulated job: deterministic curves (by seed) and results.csv.

The loss falls strictly with the step (an exponential decay over a jittered progress, so the
curve is irregular but never rises) and the token accuracy rises with it; validation figures sit
a little above the training loss. Every value is a closed form of (seed, step), so a checkpoint or
a row of results.csv can be computed without replaying the job.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import random
from dataclasses import dataclass

# Documented columns of Azure's results.csv (note "validation_mean_token_accuracy" in the file
# versus "valid_mean_token_accuracy" in checkpoint metrics: the service spells them so).
RESULTS_COLUMNS = (
    "step",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "validation_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)
MAX_RESULT_ROWS = 10_000


def _unit(seed: int, step: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{seed}:{salt}:{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class Curve:
    seed: int
    total_steps: int
    has_validation: bool

    def _shape(self) -> tuple[float, float]:
        rng = random.Random(self.seed)
        return 1.6 + rng.random() * 0.9, 0.08 + rng.random() * 0.2  # start, floor

    def _progress(self, step: int) -> float:
        # Strictly increasing in step: consecutive values differ by at least 0.5 / total.
        return (step + 0.5 * _unit(self.seed, step, "p")) / max(1, self.total_steps)

    def train_loss(self, step: int) -> float:
        start, floor = self._shape()
        return floor + (start - floor) * math.exp(-3.0 * self._progress(step))

    def train_accuracy(self, step: int) -> float:
        start, _ = self._shape()
        return 1.0 - 0.55 * self.train_loss(step) / start

    def valid_loss(self, step: int) -> float:
        return self.train_loss(step) * (1.08 + 0.06 * _unit(self.seed, step, "v"))

    def valid_accuracy(self, step: int) -> float:
        start, _ = self._shape()
        return max(0.0, 1.0 - 0.6 * self.valid_loss(step) / start)

    def full_valid_loss(self, step: int) -> float:
        return self.train_loss(step) * 1.1

    def full_valid_accuracy(self, step: int) -> float:
        start, _ = self._shape()
        return max(0.0, 1.0 - 0.6 * self.full_valid_loss(step) / start)

    def checkpoint_metrics(self, step: int) -> dict[str, float]:
        metrics = {
            "step": float(step),
            "train_loss": round(self.train_loss(step), 5),
            "train_mean_token_accuracy": round(self.train_accuracy(step), 5),
        }
        if self.has_validation:
            metrics.update(
                valid_loss=round(self.valid_loss(step), 5),
                valid_mean_token_accuracy=round(self.valid_accuracy(step), 5),
                full_valid_loss=round(self.full_valid_loss(step), 5),
                full_valid_mean_token_accuracy=round(self.full_valid_accuracy(step), 5),
            )
        return metrics


def result_steps(total_steps: int) -> list[int]:
    """One row per step, thinned evenly (last step always kept) beyond MAX_RESULT_ROWS."""
    if total_steps <= MAX_RESULT_ROWS:
        return list(range(1, total_steps + 1))
    stride = total_steps / MAX_RESULT_ROWS
    steps = sorted({max(1, round(stride * (i + 1))) for i in range(MAX_RESULT_ROWS)})
    if steps[-1] != total_steps:
        steps.append(total_steps)
    return steps


def results_csv(curve: Curve, last_step: int, epoch_ends: frozenset[int]) -> str:
    """results.csv up to ``last_step``; full_valid_* only at epoch ends, valid_* only with a
    validation file (empty cells otherwise, as the service writes them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULTS_COLUMNS)
    for step in result_steps(last_step):
        valid = curve.has_validation
        full = valid and step in epoch_ends
        writer.writerow(
            [
                step,
                f"{curve.train_loss(step):.5f}",
                f"{curve.train_accuracy(step):.5f}",
                f"{curve.valid_loss(step):.5f}" if valid else "",
                f"{curve.valid_accuracy(step):.5f}" if valid else "",
                f"{curve.full_valid_loss(step):.5f}" if full else "",
                f"{curve.full_valid_accuracy(step):.5f}" if full else "",
            ]
        )
    return out.getvalue()
