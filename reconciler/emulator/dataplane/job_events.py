"""The events of a simulated job, derived from its timeline (see ``training``).

Listed oldest first in both URL styles, as Azure's published example lists them; ids are stable
for a job, so ``after`` paging works across calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.dataplane.ids import derived_hex
from reconciler.emulator.dataplane.metrics import Curve
from reconciler.emulator.dataplane.training import Controls, Schedule, snapshot, step_time

METRIC_EVENTS = 20  # about this many "Step n/N" events per job


@dataclass(frozen=True)
class JobFacts:
    """What the messages name."""

    job_id: str
    training_file: str
    validation_file: str | None
    fine_tuned_model: str
    failure_message: str | None


@dataclass(frozen=True)
class Event:
    at: float
    key: str
    message: str
    level: str = "info"
    type: str = "message"
    data: dict[str, Any] | None = None

    def to_json(self, job_id: str) -> dict[str, Any]:
        return {
            "id": f"ftevent-{derived_hex(job_id, self.key)}",
            "object": "fine_tuning.job.event",
            "created_at": int(self.at),
            "level": self.level,
            "message": self.message,
            "type": self.type,
            "data": self.data if self.data is not None else {},
        }


def job_events(
    schedule: Schedule, controls: Controls, curve: Curve, facts: JobFacts, now: float
) -> list[Event]:
    snap = snapshot(schedule, controls, now)
    horizon = now if controls.cancelled_at is None else min(now, controls.cancelled_at)
    validating = f"Validating training file: {facts.training_file}"
    if facts.validation_file:
        validating += f" and validation file: {facts.validation_file}"
    events = [
        Event(schedule.created_at, "created", f"Created fine-tuning job: {facts.job_id}"),
        Event(schedule.created_at, "validating", validating),
    ]
    if schedule.fails_validation:
        events.append(
            Event(schedule.validated_at, "failed", facts.failure_message or "Job failed.", "error")
        )
    else:
        events += [
            Event(
                schedule.validated_at, "validated", "Files validated, moving job to queued state"
            ),
            Event(
                schedule.validated_at, "queued", "Job enqueued. Waiting for jobs ahead to complete."
            ),
            Event(schedule.started_at, "started", "Job started."),
        ]
        total = schedule.total_steps
        every = max(1, math.ceil(total / METRIC_EVENTS))
        for step in sorted({*range(every, total + 1, every), total}):
            events.append(
                Event(
                    step_time(schedule, controls, step),
                    f"step-{step}",
                    f"Step {step}/{total}: training loss={curve.train_loss(step):.4f}",
                    type="metrics",
                    data={
                        "step": step,
                        "total_steps": total,
                        "train_loss": round(curve.train_loss(step), 5),
                        "train_mean_token_accuracy": round(curve.train_accuracy(step), 5),
                    },
                )
            )
        for step, at in snap.checkpoint_steps:
            events.append(Event(at, f"checkpoint-{step}", f"Checkpoint created at step {step}"))
        for i, pause in enumerate(controls.pauses):
            events.append(Event(pause.at, f"pause-{i}", "Job paused."))
            if pause.resumed_at is not None:
                events.append(Event(pause.resumed_at, f"resume-{i}", "Job resumed."))
        if snap.status == "succeeded" and snap.finished_at is not None:
            events += [
                Event(
                    snap.finished_at,
                    "model",
                    f"New fine-tuned model created: {facts.fine_tuned_model}",
                ),
                Event(snap.finished_at, "succeeded", "Job succeeded."),
            ]
    if controls.cancelled_at is not None:
        events.append(Event(controls.cancelled_at, "cancelled", "Job cancelled."))
    order = {id(e): i for i, e in enumerate(events)}
    visible = [e for e in events if e.at <= horizon]
    visible.sort(key=lambda e: (e.at, order[id(e)]))
    return visible
