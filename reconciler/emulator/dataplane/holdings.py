"""The models an account holds: its jobs' fine-tuned models and kept checkpoints, and the
checkpoints copied into it, with where each came from."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.emulator.dataplane import copy_records, job_records
from reconciler.emulator.state import EmulatorState

STYLE_KIND = "job_style"  # "<account>/<job-id>": {"pairs": [[prompt, reply], ...]} for chat


@dataclass(frozen=True)
class Held:
    id: str
    base: str
    job_id: str
    created_at: float
    listed: bool  # shown by GET /models (final models and copies; job checkpoints are not)
    copied: bool = False


def holdings(state: EmulatorState, account: str) -> dict[str, Held]:
    now = state.clock.now()
    held: dict[str, Held] = {}
    for doc in state.store.list(job_records.KIND, f"{account}/"):
        job = job_records.JobView(doc, now)
        models = job.held_models()
        finished = job.snap.finished_at if job.snap.finished_at is not None else now
        if job.fine_tuned_model in models:
            held[job.fine_tuned_model] = Held(
                job.fine_tuned_model, models[job.fine_tuned_model], job.id, finished, True
            )
        for ckpt in job.checkpoints():
            for name in (ckpt.id, ckpt.name):
                if name in models:
                    held[name] = Held(name, models[name], job.id, ckpt.created_at, False)
    for doc in state.store.list(copy_records.KIND, f"{account}/"):
        if copy_records.held(doc, now):
            for name, listed in ((str(doc["model"]), True), (str(doc["checkpoint_name"]), False)):
                held[name] = Held(
                    name,
                    str(doc["base_model"]),
                    str(doc["source_job"]),
                    float(doc["completes_at"]),
                    listed,
                    copied=True,
                )
    return held


def style_pairs(state: EmulatorState, account: str, model: str) -> list[list[str]] | None:
    """The (prompt, reply) examples of the training data behind ``model`` held by ``account``."""
    found = holdings(state, account).get(model)
    if found is None:
        return None
    if found.copied:
        for doc in state.store.list(copy_records.KIND, f"{account}/"):
            if model in (doc["model"], doc["checkpoint_name"]):
                return [list(p) for p in doc.get("pairs", [])]
        return None
    style = state.store.get(STYLE_KIND, job_records.key(account, found.job_id))
    return None if style is None else [list(p) for p in style.get("pairs", [])]
