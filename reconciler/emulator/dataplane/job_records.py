"""Fine-tuning jobs as stored (kind "job", key "<account>/<job-id>") and as each URL style shows
them. A stored job holds its inputs and what was done to it; its state is computed from the
clock on every read (``training``), and ``settle`` writes the one artefact a finished job leaves
behind: its results.csv file.

Status names: the v1 style reports OpenAI's (validating_files, queued, running, succeeded,
failed, cancelled) plus ``paused``; the api-version style reports Azure's (pending for
validating_files and queued, running, paused, succeeded, failed, cancelled) and omits null
fields, as Azure's examples do. Which fields each style shows is ``job_schemas``: v1 has
``user_provided_suffix`` and ``metadata`` (no ``suffix``); the api-version style has ``suffix``
and no ``metadata``; neither publishes ``trainingType`` in a job answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler import model_ids
from reconciler.emulator.dataplane import file_records, job_schemas
from reconciler.emulator.dataplane.ids import derived_hex
from reconciler.emulator.dataplane.job_events import Event, JobFacts, job_events
from reconciler.emulator.dataplane.metrics import Curve, RewardCurve, results_csv
from reconciler.emulator.dataplane.training import (
    TERMINAL,
    Controls,
    Pause,
    Schedule,
    Snapshot,
    snapshot,
)
from reconciler.emulator.state import EmulatorState

KIND = "job"
AZURE_STATUS = {"validating_files": "pending", "queued": "pending"}


def key(account: str, job_id: str) -> str:
    return f"{account}/{job_id}"


def checkpoint_id(job_id: str, step: int) -> str:
    return model_ids.checkpoint_id(derived_hex(job_id, "checkpoint", step))


@dataclass(frozen=True)
class Checkpoint:
    id: str
    name: str  # fine_tuned_model_checkpoint, "<fine-tuned model>:ckpt-step-N"
    step: int
    created_at: float


class JobView:
    """One stored job seen at one moment."""

    def __init__(self, doc: dict[str, Any], now: float) -> None:
        self.doc = doc
        self.now = now
        s = doc["schedule"]
        self.schedule = Schedule(
            created_at=float(doc["created_at"]),
            examples=int(s["examples"]),
            tokens_per_epoch=int(s["tokens_per_epoch"]),
            n_epochs=int(s["n_epochs"]),
            batch_size=int(s["batch_size"]),
            fails_validation=doc.get("failure") is not None,
        )
        c = doc["controls"]
        self.controls = Controls(
            pauses=tuple(
                Pause(float(at), None if back is None else float(back)) for at, back in c["pauses"]
            ),
            cancelled_at=None if c["cancelled_at"] is None else float(c["cancelled_at"]),
        )
        self.snap: Snapshot = snapshot(self.schedule, self.controls, now)
        reward_key = doc.get("reward_key")
        # jobs stored before curves were keyed by their input train by their seed
        self.curve = Curve(
            int(doc.get("curve_key", doc["seed"])),
            self.schedule.total_steps,
            doc["validation_file"] is not None,
            RewardCurve(int(reward_key), self.schedule.total_steps)
            if reward_key is not None
            else None,
        )

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def status(self) -> str:
        return self.snap.status

    @property
    def terminal(self) -> bool:
        return self.snap.status in TERMINAL

    @property
    def fine_tuned_model(self) -> str:
        return str(self.doc["fine_tuned_model"])

    def checkpoints(self) -> list[Checkpoint]:
        return [
            Checkpoint(
                checkpoint_id(self.id, step),
                model_ids.checkpoint_model_name(self.fine_tuned_model, step),
                step,
                at,
            )
            for step, at in self.snap.checkpoint_steps
        ]

    def held_models(self) -> dict[str, str]:
        """Model ids this job gives its account (deployable), each mapped to the base model."""
        base = str(self.doc["base_model"])
        deleted = set(self.doc.get("deleted_models", []))
        held: dict[str, str] = {}
        if self.snap.status == "succeeded":
            held[self.fine_tuned_model] = base
        for ckpt in self.checkpoints():
            held[ckpt.id] = base
            held[ckpt.name] = base
        return {model: b for model, b in held.items() if model not in deleted}

    def events(self) -> list[Event]:
        failure = self.doc.get("failure") or {}
        facts = JobFacts(
            self.id,
            str(self.doc["training_file"]),
            self.doc["validation_file"],
            self.fine_tuned_model,
            failure.get("message"),
        )
        return job_events(self.schedule, self.controls, self.curve, facts, self.now)

    def checkpoint_json(self, ckpt: Checkpoint) -> dict[str, Any]:
        return {
            "id": ckpt.id,
            "object": "fine_tuning.job.checkpoint",
            "created_at": int(ckpt.created_at),
            "fine_tuned_model_checkpoint": ckpt.name,
            "fine_tuning_job_id": self.id,
            "step_number": ckpt.step,
            "metrics": self.curve.checkpoint_metrics(ckpt.step),
        }

    def render(self, schema: job_schemas.JobSchema) -> dict[str, Any]:
        """The job as ``schema`` publishes it (``job_schemas``)."""
        doc = self.doc
        snap = self.snap
        v1 = schema is job_schemas.V1
        succeeded = snap.status == "succeeded"
        body: dict[str, Any] = {
            "id": self.id,
            "object": "fine_tuning.job",
            "created_at": int(self.schedule.created_at),
            "finished_at": None if snap.finished_at is None else int(snap.finished_at),
            "status": snap.status if v1 else AZURE_STATUS.get(snap.status, snap.status),
            "model": doc["model"],
            "fine_tuned_model": self.fine_tuned_model if succeeded else None,
            "training_file": doc["training_file"],
            "validation_file": doc["validation_file"],
            "result_files": [doc["result_file"]] if succeeded else [],
            "trained_tokens": self.schedule.billed_tokens if succeeded else None,
            "hyperparameters": job_schemas.answer_hyperparameters(doc["hyperparameters"], v1=v1),
            "seed": doc["seed"],
            "estimated_finish": None
            if snap.estimated_finish is None
            else int(snap.estimated_finish),
            "error": doc["failure"] if snap.status == "failed" else None,
        }
        if schema.has_method:
            body["method"] = job_schemas.answer_method(doc["method"], v1=v1)
            body["integrations"] = doc["integrations"]
        if v1:
            body["organization_id"] = doc["organization_id"]
            body["user_provided_suffix"] = doc["suffix"]
            body["metadata"] = doc["metadata"]
            return body
        body["suffix"] = doc["suffix"]
        return {k: v for k, v in body.items() if v is not None}


def view(state: EmulatorState, doc: dict[str, Any]) -> JobView:
    return JobView(doc, state.clock.now())


def settle(state: EmulatorState, account: str) -> None:
    """Write the results.csv of every job of ``account`` that has succeeded since last time."""
    now = state.clock.now()
    pending = [
        doc
        for doc in state.store.list(KIND, f"{account}/")
        if not doc.get("results_written") and JobView(doc, now).status == "succeeded"
    ]
    for stale in pending:
        with state.store.transaction():
            doc = state.store.get(KIND, key(account, stale["id"]))
            if doc is None or doc.get("results_written"):
                continue
            job = JobView(doc, now)
            write_results(state, account, job)
            doc["results_written"] = True
            state.store.put(KIND, key(account, job.id), doc)


def write_results(state: EmulatorState, account: str, job: JobView) -> None:
    file_id = str(job.doc["result_file"])
    rel = f"{account}/{file_id}"
    path = state.store.blob_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    text = results_csv(job.curve, job.schedule.total_steps, job.schedule.epoch_ends)
    path.write_text(text, encoding="utf-8")
    finished = job.snap.finished_at if job.snap.finished_at is not None else job.now
    doc = file_records.new_file_doc(
        file_id=file_id,
        filename="results.csv",
        purpose=file_records.RESULTS,
        size=path.stat().st_size,
        segments=[rel],
        created_at=finished,
        ready_at=finished,
        check=None,
    )
    state.store.put(file_records.KIND, file_records.key(account, file_id), doc)
