"""The simulated course of a fine-tuning job (pure timeline), its events and its metrics."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from reconciler.emulator.dataplane.job_events import JobFacts, job_events
from reconciler.emulator.dataplane.metrics import (
    MAX_RESULT_ROWS,
    RESULTS_COLUMNS,
    Curve,
    result_steps,
    results_csv,
)
from reconciler.emulator.dataplane.training import (
    QUEUE_SECONDS,
    THROUGHPUT_TOKENS_PER_SECOND,
    VALIDATE_SECONDS,
    Controls,
    Pause,
    Schedule,
    snapshot,
)

T0 = 1_000_000.0
# 20 examples, batch 2 -> 10 steps per epoch; 4 epochs -> 40 steps;
# 5,000 tokens x 4 epochs at 250 tokens/s -> 80 s of training, 2 s per step.
SCHED = Schedule(created_at=T0, examples=20, tokens_per_epoch=5_000, n_epochs=4, batch_size=2)
START = T0 + VALIDATE_SECONDS + QUEUE_SECONDS
NONE = Controls()


def test_schedule_arithmetic() -> None:
    assert THROUGHPUT_TOKENS_PER_SECOND == 250
    assert (SCHED.steps_per_epoch, SCHED.total_steps) == (10, 40)
    assert SCHED.billed_tokens == 20_000
    assert SCHED.training_seconds == 80
    assert SCHED.epoch_ends == frozenset({10, 20, 30, 40})


def test_training_time_is_proportional_to_tokens_times_epochs() -> None:
    double = Schedule(T0, 20, 10_000, 4, 2)
    more_epochs = Schedule(T0, 20, 5_000, 8, 2)
    assert double.training_seconds == more_epochs.training_seconds == 2 * SCHED.training_seconds


@pytest.mark.parametrize(
    ("at", "status", "steps"),
    [
        (T0, "validating_files", 0),
        (T0 + 29, "validating_files", 0),
        (T0 + 30, "queued", 0),
        (START - 1, "queued", 0),
        (START + 1, "running", 0),
        (START + 21, "running", 10),
        (START + 79, "running", 39),
        (START + 80, "succeeded", 40),
        (START + 10_000, "succeeded", 40),
    ],
)
def test_status_over_time(at: float, status: str, steps: int) -> None:
    snap = snapshot(SCHED, NONE, at)
    assert (snap.status, snap.steps_done) == (status, steps)


def test_finish_and_estimate() -> None:
    running = snapshot(SCHED, NONE, START + 10)
    assert running.estimated_finish == START + 80 and running.finished_at is None
    done = snapshot(SCHED, NONE, START + 100)
    assert done.finished_at == START + 80 and done.estimated_finish is None


def test_pause_freezes_training_and_resume_shifts_the_finish() -> None:
    paused = Controls(pauses=(Pause(START + 21),))
    snap = snapshot(SCHED, paused, START + 5_000)
    assert (snap.status, snap.steps_done, snap.estimated_finish) == ("paused", 10, None)
    resumed = Controls(pauses=(Pause(START + 21, START + 521),))
    assert snapshot(SCHED, resumed, START + 530).status == "running"
    assert snapshot(SCHED, resumed, START + 530).estimated_finish == START + 580
    assert snapshot(SCHED, resumed, START + 579).status == "running"
    assert snapshot(SCHED, resumed, START + 580).status == "succeeded"


def test_checkpoints_per_epoch_last_three_kept_and_one_per_pause() -> None:
    done = snapshot(SCHED, NONE, START + 100)
    assert [s for s, _ in done.checkpoint_steps] == [20, 30, 40]
    assert [at for _, at in done.checkpoint_steps] == [START + 40, START + 60, START + 80]
    mid = snapshot(SCHED, NONE, START + 45)
    assert [s for s, _ in mid.checkpoint_steps] == [10, 20]
    paused = snapshot(SCHED, Controls(pauses=(Pause(START + 25),)), START + 100)
    assert [s for s, _ in paused.checkpoint_steps] == [10, 12]


def test_cancel_freezes_everything() -> None:
    controls = Controls(cancelled_at=START + 45)
    before = snapshot(SCHED, controls, START + 44)
    assert before.status == "running"
    after = snapshot(SCHED, controls, START + 10_000)
    assert (after.status, after.steps_done, after.finished_at) == ("cancelled", 22, START + 45)
    assert [s for s, _ in after.checkpoint_steps] == [10, 20]


def test_screening_failure_ends_validation() -> None:
    failing = Schedule(T0, 20, 5_000, 4, 2, fails_validation=True)
    assert snapshot(failing, NONE, T0 + 1).estimated_finish is None
    snap = snapshot(failing, NONE, T0 + 31)
    assert (snap.status, snap.finished_at, snap.checkpoint_steps) == ("failed", T0 + 30, ())


FACTS = JobFacts("ftjob-1", "file-t", "file-v", "base.ft-x", "The provided training data ...")


def test_events_follow_the_timeline() -> None:
    curve = Curve(seed=1, total_steps=40, has_validation=True)
    early = [e.message for e in job_events(SCHED, NONE, curve, FACTS, T0 + 31)]
    assert early == [
        "Created fine-tuning job: ftjob-1",
        "Validating training file: file-t and validation file: file-v",
        "Files validated, moving job to queued state",
        "Job enqueued. Waiting for jobs ahead to complete.",
    ]
    done = job_events(SCHED, NONE, curve, FACTS, START + 100)
    assert [e.message for e in done][-2:] == [
        "New fine-tuned model created: base.ft-x",
        "Job succeeded.",
    ]
    assert [e.at for e in done] == sorted(e.at for e in done)
    metrics = [e for e in done if e.type == "metrics"]
    assert metrics[-1].data is not None and metrics[-1].data["step"] == 40
    ids = [e.to_json("ftjob-1")["id"] for e in done]
    assert len(set(ids)) == len(ids)
    assert ids == [
        e.to_json("ftjob-1")["id"] for e in job_events(SCHED, NONE, curve, FACTS, START + 200)
    ]


def test_failure_and_cancel_events() -> None:
    curve = Curve(seed=1, total_steps=40, has_validation=False)
    failing = Schedule(T0, 20, 5_000, 4, 2, fails_validation=True)
    last = job_events(failing, NONE, curve, FACTS, T0 + 100)[-1]
    assert (last.level, last.message) == ("error", FACTS.failure_message)
    cancelled = job_events(SCHED, Controls(cancelled_at=START + 45), curve, FACTS, START + 1_000)
    assert cancelled[-1].message == "Job cancelled."
    assert all(e.at <= START + 45 for e in cancelled)


@pytest.mark.parametrize("seed", [0, 7, 123456])
def test_loss_falls_and_accuracy_rises_at_every_step(seed: int) -> None:
    curve = Curve(seed=seed, total_steps=3_000, has_validation=True)
    losses = [curve.train_loss(s) for s in range(1, 3_001)]
    accuracy = [curve.train_accuracy(s) for s in range(1, 3_001)]
    assert all(a > b for a, b in itertools.pairwise(losses))
    assert all(a < b for a, b in itertools.pairwise(accuracy))
    assert 0 < accuracy[0] < accuracy[-1] < 1
    assert Curve(seed=seed, total_steps=3_000, has_validation=True).train_loss(5) == losses[4]


def test_results_csv_columns_and_cells() -> None:
    with_valid = list(
        csv.reader(io.StringIO(results_csv(Curve(3, 40, True), 40, SCHED.epoch_ends)))
    )
    assert tuple(with_valid[0]) == RESULTS_COLUMNS
    rows = with_valid[1:]
    assert [int(r[0]) for r in rows] == list(range(1, 41))
    assert {int(r[0]) for r in rows if r[5]} == {10, 20, 30, 40}
    assert all(r[3] and r[4] for r in rows)
    no_valid = list(csv.reader(io.StringIO(results_csv(Curve(3, 40, False), 40, SCHED.epoch_ends))))
    assert all(r[3:] == ["", "", "", ""] for r in no_valid[1:])


def test_results_are_thinned_for_long_jobs() -> None:
    steps = result_steps(123_457)
    assert len(steps) <= MAX_RESULT_ROWS + 1
    assert steps[-1] == 123_457
    assert all(a < b for a, b in itertools.pairwise(steps))
    assert result_steps(5) == [1, 2, 3, 4, 5]


def test_final_checkpoint_and_last_results_row_agree() -> None:
    """What a promotion gate reads (reconciler.promotion.metrics) is the same from either side:
    the last checkpoint's metrics are results.csv's last row (and last full-validation row)."""
    from reconciler.promotion.metrics import final_results

    curve = Curve(5, SCHED.total_steps, True)
    last = max(SCHED.epoch_ends)
    assert last == SCHED.total_steps
    checkpoint = {"step_number": last, "metrics": curve.checkpoint_metrics(last)}
    text = results_csv(curve, SCHED.total_steps, SCHED.epoch_ends)
    from_checkpoint = final_results("j", [checkpoint], None).metrics
    from_results = final_results("j", [], text).metrics
    assert from_checkpoint == from_results


def test_curves_are_keyed_by_the_jobs_input() -> None:
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from reconciler.emulator.dataplane.curve_key import curve_key

    with TemporaryDirectory() as folder:
        data = Path(folder) / "train.jsonl"
        data.write_text('{"messages": []}\n', encoding="utf-8")
        other = Path(folder) / "other.jsonl"
        other.write_text('{"messages": [1]}\n', encoding="utf-8")

        def key(paths: list[Path], seed: int | None = None, n_epochs: int = 3) -> int:
            return curve_key(
                base_model="gpt-4.1-mini-2025-04-14",
                training=paths,
                validation=None,
                method="supervised",
                hyperparameters={"n_epochs": n_epochs},
                seed=seed,
            )

        assert key([data]) == key([data])
        assert len({key([data]), key([other]), key([data], seed=1), key([data], n_epochs=2)}) == 4
