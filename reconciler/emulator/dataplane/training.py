"""The simulated course of a fine-tuning job, computed from the clock when read.

No background work: a job stores what it was asked (its schedule) and what was done to it
(pauses, a cancel), and everything else (status, steps trained, checkpoints, finish time) is a
pure function of those and ``now``.

Timeline (simulated seconds):

    created_at ── VALIDATE_SECONDS ── validated_at ── QUEUE_SECONDS ── started_at ── training ──
      validating_files                   queued                        running      succeeded

Training takes ``billed tokens / THROUGHPUT_TOKENS_PER_SECOND`` of running time, where billed
tokens = tokens of the training file x epochs (what the service bills and reports as
``trained_tokens``); the steps (``ceil(examples / batch_size)`` per epoch) are spread evenly over
it. A pause freezes the running time until resume. A job whose data trips content screening
fails at ``validated_at``.

THROUGHPUT_TOKENS_PER_SECOND = 250: a 1 M-token file trained 3 epochs takes 3.3 simulated hours,
the order of magnitude Azure shows for small jobs; a 10-example test file, a few seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

THROUGHPUT_TOKENS_PER_SECOND = 250.0
VALIDATE_SECONDS = 30.0
QUEUE_SECONDS = 60.0
KEPT_CHECKPOINTS = 3

Phase = Literal[
    "validating_files", "queued", "running", "paused", "succeeded", "failed", "cancelled"
]
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class Schedule:
    created_at: float
    examples: int
    tokens_per_epoch: int
    n_epochs: int
    batch_size: int
    fails_validation: bool = False

    @property
    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.examples / self.batch_size))

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.n_epochs

    @property
    def billed_tokens(self) -> int:
        return self.tokens_per_epoch * self.n_epochs

    @property
    def validated_at(self) -> float:
        return self.created_at + VALIDATE_SECONDS

    @property
    def started_at(self) -> float:
        return self.validated_at + QUEUE_SECONDS

    @property
    def training_seconds(self) -> float:
        return max(1.0, self.billed_tokens / THROUGHPUT_TOKENS_PER_SECOND)

    @property
    def seconds_per_step(self) -> float:
        return self.training_seconds / self.total_steps

    @property
    def epoch_ends(self) -> frozenset[int]:
        spe = self.steps_per_epoch
        return frozenset(spe * e for e in range(1, self.n_epochs + 1))


@dataclass(frozen=True)
class Pause:
    at: float
    resumed_at: float | None = None


@dataclass(frozen=True)
class Controls:
    pauses: tuple[Pause, ...] = ()
    cancelled_at: float | None = None


@dataclass(frozen=True)
class Snapshot:
    status: Phase
    steps_done: int
    finished_at: float | None
    estimated_finish: float | None
    checkpoint_steps: tuple[tuple[int, float], ...] = field(default=())  # (step, created at)


def running_time(schedule: Schedule, controls: Controls, t: float) -> float:
    """Seconds of training done by absolute time ``t`` (pauses excluded)."""
    if t <= schedule.started_at:
        return 0.0
    active = t - schedule.started_at
    for pause in controls.pauses:
        end = t if pause.resumed_at is None else min(pause.resumed_at, t)
        if end > pause.at:
            active -= end - max(pause.at, schedule.started_at)
    return max(0.0, active)


def time_at(schedule: Schedule, controls: Controls, run: float) -> float:
    """Absolute time at which ``run`` seconds of training are done (inf while paused before)."""
    t = schedule.started_at + run
    for pause in sorted(controls.pauses, key=lambda p: p.at):
        if pause.at < t:
            if pause.resumed_at is None:
                return math.inf
            t += pause.resumed_at - pause.at
    return t


def step_time(schedule: Schedule, controls: Controls, step: int) -> float:
    return time_at(schedule, controls, step * schedule.seconds_per_step)


def steps_done_at(schedule: Schedule, controls: Controls, t: float) -> int:
    run = running_time(schedule, controls, t)
    return min(schedule.total_steps, math.floor(run / schedule.seconds_per_step + 1e-9))


def paused_at(controls: Controls, t: float) -> bool:
    return any(p.at <= t and (p.resumed_at is None or p.resumed_at > t) for p in controls.pauses)


def _checkpoints(
    schedule: Schedule, controls: Controls, horizon: float
) -> tuple[tuple[int, float], ...]:
    made: dict[int, float] = {}
    for step in sorted(schedule.epoch_ends):
        at = step_time(schedule, controls, step)
        if at <= horizon:
            made[step] = at
    # A pause leaves a deployable checkpoint at the step reached (documented behaviour).
    for pause in controls.pauses:
        if pause.at <= horizon:
            step = steps_done_at(schedule, controls, pause.at)
            if step >= 1 and step not in made:
                made[step] = pause.at
    kept = sorted(made.items())[-KEPT_CHECKPOINTS:]
    return tuple(kept)


def snapshot(schedule: Schedule, controls: Controls, now: float) -> Snapshot:
    cancelled_at = controls.cancelled_at
    if cancelled_at is not None and cancelled_at <= now:
        return Snapshot(
            "cancelled",
            steps_done_at(schedule, controls, cancelled_at),
            cancelled_at,
            None,
            _checkpoints(schedule, controls, cancelled_at),
        )
    if now < schedule.validated_at:
        finish = time_at(schedule, controls, schedule.training_seconds)
        return Snapshot("validating_files", 0, None, None if schedule.fails_validation else finish)
    if schedule.fails_validation:
        return Snapshot("failed", 0, schedule.validated_at, None)
    finish = time_at(schedule, controls, schedule.training_seconds)
    if now < schedule.started_at:
        return Snapshot("queued", 0, None, finish)
    checkpoints = _checkpoints(schedule, controls, now)
    if finish <= now:
        return Snapshot("succeeded", schedule.total_steps, finish, None, checkpoints)
    steps = steps_done_at(schedule, controls, now)
    if paused_at(controls, now):
        return Snapshot("paused", steps, None, None, checkpoints)
    return Snapshot("running", steps, None, finish, checkpoints)
