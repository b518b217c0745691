"""The job kind: a job is found by its fingerprint, else by its fields with the files compared
by content; what is found decides the action."""

from __future__ import annotations

import dataclasses

from reconciler.kinds import job as job_kind
from reconciler.kinds.job import (
    JobAfter,
    JobBefore,
    JobInput,
    JobReason,
    JobResolution,
    JobState,
    Previous,
    trains_anew,
)
from reconciler.plan.desired import JobRef
from reconciler.plan.model import Action, FieldChange, ResourceType
from reconciler.plan.observed import JobProgress, JobStatus, ObservedJob
from reconciler.plan.render_reason import reason_text

from .kind_builders import BASE, FT, TRAIN, VALID, job, observed_job

DESIRED = job()
WANTED = JobInput(
    model=BASE,
    training_sha256=TRAIN,
    validation_sha256=VALID,
    method="supervised",
    hyperparameters={"n_epochs": 3, "batch_size": "auto"},
    seed=7,
    suffix="clippy",
)
CONTENT = {"file-t": TRAIN, "file-v": VALID, "file-t2": TRAIN, "file-x": VALID}


def _identify(*jobs: ObservedJob) -> list[str]:
    return [j.id for j in job_kind.identify("fp", WANTED, jobs, CONTENT.get)]


def _text(decision: job_kind.Decision[JobReason]) -> str:
    return reason_text(ResourceType.JOB, decision.because, address="job.clippy")


def test_a_fingerprint_decides_when_there_is_one() -> None:
    tagged = observed_job("ftjob-1", JobStatus.RUNNING, metadata={"reconciler-fingerprint": "fp"})
    other = observed_job("ftjob-2", JobStatus.RUNNING, metadata={"reconciler-fingerprint": "xx"})
    untagged = observed_job("ftjob-3", JobStatus.RUNNING)
    # `other` has the same fields, but its fingerprint says it is another job
    assert _identify(tagged, other, untagged) == ["ftjob-1", "ftjob-3"]


def test_files_are_compared_by_content_not_by_id() -> None:
    # another upload of the same content (as after --replace of the file) is the same input
    assert _identify(observed_job("ftjob-1", JobStatus.RUNNING, training_file="file-t2")) == [
        "ftjob-1"
    ]
    # another content is another job, and so is a file whose content is not known
    assert _identify(observed_job("ftjob-2", JobStatus.RUNNING, training_file="file-x")) == []
    assert _identify(observed_job("ftjob-3", JobStatus.RUNNING, training_file="file-?")) == []


def test_a_job_with_other_fields_is_another_job() -> None:
    for change in (
        {"validation_file": None},
        {"seed": 1},
        {"suffix": "other"},
        {"training_type": "globalstandard"},
        {"method": "dpo"},
        {"model": "gpt-4.1-2025-04-14"},
        {"hyperparameters": {"n_epochs": 5}},
        {"hyperparameters": {"n_epochs": -1}},  # the service chose; the spec fixed 3
    ):
        assert _identify(observed_job("ftjob-1", JobStatus.RUNNING, **change)) == [], change


def test_what_the_service_does_not_report_is_not_held_against_a_job() -> None:
    quiet = observed_job(
        "ftjob-1", JobStatus.RUNNING, hyperparameters={}, training_type=None, seed=7
    )
    developer = observed_job("ftjob-2", JobStatus.RUNNING, training_type="developerTier")
    assert _identify(quiet) == ["ftjob-1"]
    wanted = dataclasses.replace(WANTED, training_type="developer")
    assert [j.id for j in job_kind.identify("fp", wanted, [developer], CONTENT.get)] == ["ftjob-2"]


def test_succeeded_before_training_before_failed_then_newest() -> None:
    failed = observed_job("ftjob-1", JobStatus.FAILED, created_at=30)
    running = observed_job("ftjob-2", JobStatus.RUNNING, created_at=20)
    succeeded = observed_job("ftjob-3", JobStatus.SUCCEEDED, created_at=10)
    newer = observed_job("ftjob-4", JobStatus.QUEUED, created_at=25)
    assert job_kind.pick([failed, running, succeeded]) == succeeded
    assert job_kind.pick([failed, running, newer]) == newer
    assert job_kind.pick([failed]) == failed
    assert job_kind.pick([]) is None


def _resolved(match: ObservedJob | None, *, retry: bool = False) -> JobResolution:
    found = job_kind.resolve_found(DESIRED, "fp", match, retry=retry, parent_model=BASE)
    return found or JobResolution(DESIRED, "fp", JobState.CREATE, match, parent_model=BASE)


def test_a_trained_job_is_left_alone_and_a_running_one_waited_for() -> None:
    trained = job_kind.decide(
        _resolved(observed_job("ftjob-1", JobStatus.SUCCEEDED, fine_tuned_model=FT)), "aoai-swc"
    )
    assert (trained.action, trained.reason) == (Action.NO_OP, JobReason.TRAINED)
    assert _text(trained) == f"trained as ftjob-1: {FT}"
    progress = JobProgress(step=4, total_steps=12, epoch=1, n_epochs=3)
    running = observed_job("ftjob-2", JobStatus.RUNNING, progress=progress, estimated_finish=0)
    training = job_kind.decide(_resolved(running), "aoai-swc")
    assert (training.action, training.reason) == (Action.WAIT, JobReason.TRAINING)
    assert _text(training) == "ftjob-2 is running (epoch 1/3, step 4/12)"


def test_a_failed_job_is_shown_and_retried_only_when_asked() -> None:
    failed = observed_job("ftjob-1", JobStatus.FAILED, error_message="RAI checks failed.")
    shown = job_kind.decide(_resolved(failed), "aoai-swc")
    assert (shown.action, shown.reason) == (Action.NO_OP, JobReason.FAILED)
    assert _text(shown) == (
        "ftjob-1 failed: RAI checks failed; not retried (plan --replace job.clippy retries it)"
    )
    retried = job_kind.decide(_resolved(failed, retry=True), "aoai-swc")
    assert (retried.action, retried.reason) == (Action.CREATE, JobReason.RETRY_ASKED)


def test_replace_trains_again_a_trained_job_but_never_a_second_running_one() -> None:
    trained = observed_job("ftjob-1", JobStatus.SUCCEEDED, fine_tuned_model=FT)
    again = job_kind.decide(_resolved(trained, retry=True), "aoai-swc")
    assert (again.action, again.reason) == (Action.CREATE, JobReason.RETRAIN_ASKED)
    running = observed_job("ftjob-2", JobStatus.RUNNING)
    assert job_kind.decide(_resolved(running, retry=True), "aoai-swc").action is Action.WAIT


def test_a_missing_job_is_created_and_says_what_changed_since_the_one_serving() -> None:
    previous = observed_job("ftjob-0", JobStatus.SUCCEEDED, training_file="file-x")
    changed = job_kind.changed_since(previous, DESIRED, WANTED, CONTENT.get)
    assert changed == [FieldChange("training data", VALID, TRAIN)]
    decision = job_kind.decide(_resolved(None), "aoai-swc", Previous(previous, tuple(changed)))
    assert (decision.action, decision.reason) == (Action.CREATE, JobReason.ABSENT)
    assert _text(decision) == (
        "no job with this fingerprint in aoai-swc; changed since ftjob-0: training data"
    )


def test_a_continued_job_waits_for_its_parent_or_is_blocked() -> None:
    child = job("child", model=JobRef("clippy", 2))
    waiting = JobResolution(child, "fp", JobState.WAIT_PARENT, None, note="job.clippy, which …")
    decision = job_kind.decide(waiting, "aoai-swc")
    assert (decision.action, decision.reason) == (Action.WAIT, JobReason.WAITS_FOR_PARENT)
    assert _text(decision) == (
        "waits for job.clippy, which …; it starts from the checkpoint of epoch 2 of job.clippy"
    )
    blocked = JobResolution(child, "fp", JobState.BLOCKED, None, note="job.clippy failed")
    decision = job_kind.decide(blocked, "aoai-swc")
    assert (decision.action, decision.reason) == (Action.NO_OP, JobReason.BLOCKED)


def test_trains_anew_is_a_create_or_a_wait_for_no_running_job() -> None:
    running = JobBefore.of(observed_job("ftjob-1", JobStatus.RUNNING))
    failed = JobBefore.of(observed_job("ftjob-2", JobStatus.FAILED))
    assert trains_anew(Action.CREATE, failed)
    assert trains_anew(Action.WAIT, None) and trains_anew(Action.WAIT, failed)
    assert not trains_anew(Action.WAIT, running)
    assert not trains_anew(Action.NO_OP, None)


def test_payloads_round_trip() -> None:
    before = JobBefore.of(observed_job("ftjob-1", JobStatus.CANCELLED, error_message="x"))
    assert JobBefore.from_json(before.to_json()) == before
    after = JobAfter.from_json(
        {
            "account": "swc",
            "account_name": "aoai-swc",
            "name": "child",
            "fingerprint": "fp",
            "model": None,
            "training_data": {"dataset": "train", "sha256": TRAIN, "file_id": None},
            "validation_data": None,
            "method": "dpo",
            "hyperparameters": {"beta": 0.1, "n_epochs": "auto"},
            "seed": None,
            "suffix": None,
            "training_type": "standard",
            "metadata": {"reconciler-job": "child"},
            "from_job": {"job": "clippy", "checkpoint": 2},
        }
    )
    assert after.from_job == JobRef("clippy", 2)
    assert JobAfter.from_json(after.to_json()) == after
