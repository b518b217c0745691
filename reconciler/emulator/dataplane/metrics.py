"""Training metrics of a simulated job: deterministic curves and results.csv.

`Curve.seed` is the job's curve key (`curve_key.py`: base model, data content, method, resolved
hyperparameters and the request's seed), so the same input trains the same metrics.

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
# Reinforcement jobs add the reward and reasoning-token metrics the RFT how-to names
# (MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/how-to/reinforcement-fine-tuning.md,
# "Training metrics"): train_reward_mean, valid_reward_mean, train_reasoning_tokens_mean,
# valid_reasoning_tokens_mean.
REWARD_COLUMNS = (
    "train_reward_mean",
    "valid_reward_mean",
    "train_reasoning_tokens_mean",
    "valid_reasoning_tokens_mean",
)
MAX_RESULT_ROWS = 10_000


def _unit(seed: int, step: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{seed}:{salt}:{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(frozen=True)
class RewardCurve:
    """A reinforcement job's mean reward: it rises with the step toward a ceiling, both fixed by
    ``key`` (a hash of the data, hyperparameters and grader), so the same input trains the same
    curve whatever the job's seed."""

    key: int
    total_steps: int

    def _shape(self) -> tuple[float, float, float]:
        rng = random.Random(self.key)
        return 0.1 + rng.random() * 0.2, 0.6 + rng.random() * 0.3, 500 + rng.random() * 700

    def _progress(self, step: int) -> float:
        return (step + 0.5 * _unit(self.key, step, "r")) / max(1, self.total_steps)

    def train_reward(self, step: int) -> float:
        start, ceiling, _ = self._shape()
        return ceiling - (ceiling - start) * math.exp(-3.0 * self._progress(step))

    def valid_reward(self, step: int) -> float:
        return self.train_reward(step) * (0.9 + 0.05 * _unit(self.key, step, "vr"))

    def train_reasoning_tokens(self, step: int) -> float:
        _, _, tokens = self._shape()
        return tokens * (1.0 - 0.3 * self._progress(step))

    def valid_reasoning_tokens(self, step: int) -> float:
        return self.train_reasoning_tokens(step) * (1.02 + 0.04 * _unit(self.key, step, "vt"))

    def metrics(self, step: int, has_validation: bool) -> dict[str, float]:
        out = {
            "train_reward_mean": round(self.train_reward(step), 5),
            "train_reasoning_tokens_mean": round(self.train_reasoning_tokens(step), 1),
        }
        if has_validation:
            out["valid_reward_mean"] = round(self.valid_reward(step), 5)
            out["valid_reasoning_tokens_mean"] = round(self.valid_reasoning_tokens(step), 1)
        return out


@dataclass(frozen=True)
class Curve:
    seed: int
    total_steps: int
    has_validation: bool
    reward: RewardCurve | None = None  # reinforcement jobs

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
        if self.reward is not None:
            metrics.update(self.reward.metrics(step, self.has_validation))
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
    reward = curve.reward
    writer.writerow(RESULTS_COLUMNS + (REWARD_COLUMNS if reward is not None else ()))
    for step in result_steps(last_step):
        valid = curve.has_validation
        full = valid and step in epoch_ends
        extra = []
        if reward is not None:
            extra = [
                f"{reward.train_reward(step):.5f}",
                f"{reward.valid_reward(step):.5f}" if valid else "",
                f"{reward.train_reasoning_tokens(step):.1f}",
                f"{reward.valid_reasoning_tokens(step):.1f}" if valid else "",
            ]
        writer.writerow(
            [
                step,
                f"{curve.train_loss(step):.5f}",
                f"{curve.train_accuracy(step):.5f}",
                f"{curve.valid_loss(step):.5f}" if valid else "",
                f"{curve.valid_accuracy(step):.5f}" if valid else "",
                f"{curve.full_valid_loss(step):.5f}" if full else "",
                f"{curve.full_valid_accuracy(step):.5f}" if full else "",
                *extra,
            ]
        )
    return out.getvalue()
