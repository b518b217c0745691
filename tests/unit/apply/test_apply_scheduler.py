"""The task scheduler: ordering, per-key serialization, concurrency, failure, pending, cancel."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections.abc import Callable

import pytest

from reconciler.apply.progress import Progress
from reconciler.apply.scheduler import (
    MissingDependency,
    Outcome,
    Task,
    TaskContext,
    TaskStatus,
    chain_lengths,
    run_tasks,
)


class Recorder:
    """Records when each task ran (wall clock), to check orderings and overlaps."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[float, float]] = {}
        self.starts: list[str] = []

    def task(
        self,
        tid: str,
        *,
        seconds: float = 0.02,
        deps: tuple[str, ...] = (),
        key: str | None = None,
        outcome: Callable[[TaskContext], Outcome] | None = None,
    ) -> Task:
        def run(ctx: TaskContext) -> Outcome:
            start = time.monotonic()
            with self.lock:
                self.starts.append(tid)
            time.sleep(seconds)
            result = outcome(ctx) if outcome is not None else Outcome.done(f"{tid} ok")
            with self.lock:
                self.spans[tid] = (start, time.monotonic())
            return result

        return Task(tid, run, deps, key, f"label {tid}")


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_dependencies_run_first() -> None:
    rec = Recorder()
    tasks = [
        rec.task("c", deps=("b",)),
        rec.task("b", deps=("a",)),
        rec.task("a"),
    ]
    report = run_tasks(tasks)
    assert all(r.status is TaskStatus.DONE for r in report.results.values())
    assert rec.spans["b"][0] >= rec.spans["a"][1]
    assert rec.spans["c"][0] >= rec.spans["b"][1]
    assert list(report.results) == ["c", "b", "a"]  # the order the tasks were given


def test_same_serial_key_never_overlaps() -> None:
    rec = Recorder()
    tasks = [rec.task(f"w{i}", key="aoai-swc", seconds=0.03) for i in range(5)]
    tasks += [rec.task(f"x{i}", key="aoai-ncus", seconds=0.03) for i in range(5)]
    report = run_tasks(tasks)
    assert report.ok
    for key_prefix in ("w", "x"):
        spans = sorted(s for tid, s in rec.spans.items() if tid.startswith(key_prefix))
        for first, second in itertools.pairwise(spans):
            assert second[0] >= first[1], "two writes to one account ran at once"


def test_different_keys_and_no_key_run_concurrently() -> None:
    rec = Recorder()
    tasks = [rec.task(f"k{i}", key=f"account-{i}", seconds=0.3) for i in range(4)]
    tasks += [rec.task("free", key=None, seconds=0.3)]
    started = time.monotonic()
    run_tasks(tasks)
    wall = time.monotonic() - started
    spans = list(rec.spans.values())
    assert all(overlaps(a, b) for a in spans for b in spans)
    assert wall < 0.3 * 5 * 0.6  # far from running them one after another


def test_a_busy_key_does_not_hold_up_others() -> None:
    rec = Recorder()
    tasks = [
        rec.task("a1", key="A", seconds=0.4),
        rec.task("a2", key="A", seconds=0.01),
        rec.task("b1", key="B", seconds=0.01),
        rec.task("b2", key="B", seconds=0.01, deps=("b1",)),
        rec.task("n", key=None, seconds=0.01, deps=("b2",)),
    ]
    run_tasks(tasks)
    a1_end = rec.spans["a1"][1]
    assert rec.spans["a2"][0] >= a1_end
    # B's chain and the keyless task finished while A's first write was still running.
    assert rec.spans["b1"][1] < a1_end
    assert rec.spans["b2"][1] < a1_end
    assert rec.spans["n"][1] < a1_end


def test_within_a_key_the_task_heading_the_longest_chain_starts_first() -> None:
    rec = Recorder()
    tasks = [
        rec.task("leaf1", key="A"),
        rec.task("leaf2", key="A"),
        rec.task("gate", key="A"),  # given last, but a job and a deployment wait on it
        rec.task("job", key=None, deps=("gate",)),
        rec.task("deploy", key="B", deps=("job",)),
    ]
    report = run_tasks(tasks)
    on_a = [tid for tid in rec.starts if tid in ("leaf1", "leaf2", "gate")]
    assert on_a == ["gate", "leaf1", "leaf2"]  # then the given order among equals
    assert rec.spans["job"][0] >= rec.spans["gate"][1]
    assert report.ok
    assert chain_lengths(tasks) == {"leaf1": 1, "leaf2": 1, "gate": 3, "job": 2, "deploy": 1}


def test_failure_blocks_only_its_dependents() -> None:
    rec = Recorder()

    def boom(ctx: TaskContext) -> Outcome:
        raise RuntimeError("quota exceeded in aoai-swc")

    tasks = [
        rec.task("file", key=None),
        rec.task("job", deps=("file",), outcome=boom),
        rec.task("deploy-swc", key="swc", deps=("job",)),
        rec.task("deploy-ncus", key="ncus", deps=("deploy-swc",)),
        rec.task("other", key="swc"),
        rec.task("after-other", key="ncus", deps=("other",)),
    ]
    report = run_tasks(tasks)
    res = report.results
    assert res["job"].status is TaskStatus.FAILED
    assert isinstance(res["job"].error, RuntimeError)
    assert res["job"].message == "quota exceeded in aoai-swc"
    for blocked in ("deploy-swc", "deploy-ncus"):
        assert res[blocked].status is TaskStatus.BLOCKED
        assert res[blocked].message == "blocked by job: quota exceeded in aoai-swc"
        assert res[blocked].cause == "job"
        assert blocked not in rec.starts
    for fine in ("file", "other", "after-other"):
        assert res[fine].status is TaskStatus.DONE
    assert [r.id for r in report.caused_by("job")] == ["deploy-swc", "deploy-ncus"]
    assert not report.ok


def test_an_outcome_failed_blocks_like_an_exception() -> None:
    rec = Recorder()
    tasks = [
        rec.task("a", outcome=lambda ctx: Outcome.failed("InsufficientQuota: no room")),
        rec.task("b", deps=("a",)),
    ]
    report = run_tasks(tasks)
    assert report.results["a"].status is TaskStatus.FAILED
    assert report.results["b"].message == "blocked by a: InsufficientQuota: no room"


def test_pending_makes_dependents_wait_without_running_them() -> None:
    rec = Recorder()
    tasks = [
        rec.task("job", outcome=lambda ctx: Outcome.pending("training: running, epoch 1/3")),
        rec.task("deploy", key="swc", deps=("job",)),
        rec.task("copy", key="ncus", deps=("deploy",)),
        rec.task("unrelated", key="swc"),
    ]
    report = run_tasks(tasks)
    res = report.results
    assert res["job"].status is TaskStatus.PENDING
    assert res["job"].message == "training: running, epoch 1/3"
    for waiting in ("deploy", "copy"):
        assert res[waiting].status is TaskStatus.PENDING
        assert res[waiting].message == "waiting for job: training: running, epoch 1/3"
        assert res[waiting].cause == "job"
        assert waiting not in rec.starts
    assert res["unrelated"].status is TaskStatus.DONE
    assert report.ok  # pending work is not an error


def test_a_failed_dependency_wins_over_a_pending_one() -> None:
    rec = Recorder()
    tasks = [
        rec.task("job", outcome=lambda ctx: Outcome.pending("still training")),
        rec.task("upload", seconds=0.05, outcome=lambda ctx: Outcome.failed("rejected")),
        rec.task("deploy", deps=("job", "upload")),
    ]
    report = run_tasks(tasks)
    assert report.results["deploy"].status is TaskStatus.BLOCKED
    assert report.results["deploy"].message == "blocked by upload: rejected"


def test_dependents_receive_values() -> None:
    seen: list[object] = []

    def job(ctx: TaskContext) -> Outcome:
        return Outcome.done("trained", value="gpt-4.1-mini-2025-04-14.ft-abc")

    def deploy(ctx: TaskContext) -> Outcome:
        seen.append(ctx.value_of("job"))
        return Outcome.done()

    run_tasks([Task("job", job), Task("deploy", deploy, ("job",))])
    assert seen == ["gpt-4.1-mini-2025-04-14.ft-abc"]


def test_asking_for_the_value_of_a_task_not_depended_on_fails_naming_it() -> None:
    def job(ctx: TaskContext) -> Outcome:
        return Outcome.done("trained", value={"fine_tuned_model": "m"})

    def child(ctx: TaskContext) -> Outcome:
        ctx.value_of("job.root")  # the dependency the plan forgot
        return Outcome.done()

    report = run_tasks([Task("job.root", job), Task("job.child", child)])
    result = report.results["job.child"]
    assert result.status is TaskStatus.FAILED
    assert isinstance(result.error, MissingDependency) and not isinstance(result.error, KeyError)
    assert result.message == (
        "job.child needs the outcome of job.root, which it does not depend on in this apply "
        "(the plan's depends_on lacks it)"
    )


def test_worker_bound_is_respected() -> None:
    lock = threading.Lock()
    active = 0
    peak = 0

    def run(ctx: TaskContext) -> Outcome:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.03)
        with lock:
            active -= 1
        return Outcome.done()

    run_tasks([Task(f"t{i}", run) for i in range(6)], max_workers=2)
    assert peak == 2


def test_cancel_stops_new_starts_and_lets_running_tasks_finish() -> None:
    cancel = threading.Event()
    noticed: list[bool] = []
    watching = threading.Event()

    def first(ctx: TaskContext) -> Outcome:
        assert watching.wait(2.0)
        cancel.set()  # as Ctrl-C would, from elsewhere
        return Outcome.done()

    def watcher(ctx: TaskContext) -> Outcome:
        # A long wait that notices cancellation instead of running to its end.
        watching.set()
        noticed.append(ctx.wait(5.0))
        return Outcome.pending("stopped waiting") if ctx.cancelled else Outcome.done()

    tasks = [
        Task("watch", watcher),
        Task("first", first, serial_key="A"),
        Task("second", lambda ctx: Outcome.done(), serial_key="A"),
        Task("child", lambda ctx: Outcome.done(), ("first",)),
    ]
    started = time.monotonic()
    report = run_tasks(tasks, cancel=cancel)
    assert time.monotonic() - started < 2.0
    assert noticed == [True]
    res = report.results
    assert res["first"].status is TaskStatus.DONE
    assert res["watch"].status is TaskStatus.PENDING
    assert res["second"].status is TaskStatus.NOT_STARTED
    assert res["child"].status is TaskStatus.NOT_STARTED
    assert report.cancelled
    assert any(e.kind == "cancel" for e in report.events)


def test_ctx_sleep_raises_when_cancelled_and_the_task_fails() -> None:
    cancel = threading.Event()
    cancel_timer = threading.Timer(0.05, cancel.set)
    cancel_timer.start()

    def poll(ctx: TaskContext) -> Outcome:
        while True:
            ctx.sleep(0.01)

    report = run_tasks([Task("poll", poll)], cancel=cancel)
    assert report.results["poll"].status is TaskStatus.FAILED
    assert "interrupted" in report.results["poll"].message


def test_event_log_is_ordered_and_durations_are_measured() -> None:
    rec = Recorder()
    report = run_tasks([rec.task("a", seconds=0.05), rec.task("b", deps=("a",), seconds=0.01)])
    kinds = [(e.task_id, e.kind) for e in report.events]
    assert kinds == [("a", "started"), ("a", "done"), ("b", "started"), ("b", "done")]
    assert [e.at for e in report.events] == sorted(e.at for e in report.events)
    duration = report.results["a"].duration
    assert duration is not None and duration >= 0.05
    assert report.wall_seconds >= 0.06


def test_progress_hears_every_task_including_those_that_never_ran() -> None:
    heard: list[tuple[str, str, str]] = []

    class Listening(Progress):
        def task_started(self, task_id: str, label: str) -> None:
            heard.append(("start", task_id, label))

        def task_finished(self, task_id: str, status: str, message: str) -> None:
            heard.append(("end", task_id, status))

    run_tasks(
        [
            Task("a", lambda ctx: Outcome.failed("no"), label="POST job"),
            Task("b", lambda ctx: Outcome.done(), ("a",)),
        ],
        progress=Listening(),
    )
    assert heard == [("start", "a", "POST job"), ("end", "a", "failed"), ("end", "b", "blocked")]


@pytest.mark.parametrize(
    ("tasks", "problem"),
    [
        ([Task("a", lambda c: Outcome.done()), Task("a", lambda c: Outcome.done())], "two tasks"),
        ([Task("a", lambda c: Outcome.done(), ("x",))], "unknown task 'x'"),
        (
            [
                Task("a", lambda c: Outcome.done(), ("b",)),
                Task("b", lambda c: Outcome.done(), ("a",)),
                Task("c", lambda c: Outcome.done()),
            ],
            "dependency cycle among a, b",
        ),
    ],
)
def test_bad_graphs_are_refused_before_anything_runs(tasks: list[Task], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        run_tasks(tasks)


def test_empty_graph() -> None:
    report = run_tasks([])
    assert report.results == {} and report.ok


def test_ctrl_c_cancels_and_still_reports() -> None:
    # SIGINT raises KeyboardInterrupt in the main thread, where run_tasks is waiting.
    def interrupt(ctx: TaskContext) -> Outcome:
        os.kill(os.getpid(), signal.SIGINT)
        ctx.wait(0.2)  # the running task is allowed to finish
        return Outcome.done("finished after Ctrl-C")

    tasks = [
        Task("put-1", interrupt, serial_key="A"),
        Task("put-2", lambda ctx: Outcome.done(), serial_key="A"),
    ]
    report = run_tasks(tasks)
    assert report.cancelled
    assert report.results["put-1"].status is TaskStatus.DONE
    assert report.results["put-2"].status is TaskStatus.NOT_STARTED


def test_a_broken_display_does_not_hang_the_run() -> None:
    class Broken(Progress):
        def task_started(self, task_id: str, label: str) -> None:
            raise OSError("terminal went away")

    report = run_tasks(
        [
            Task("a", lambda ctx: Outcome.done(), serial_key="A"),
            Task("b", lambda ctx: Outcome.done(), serial_key="A"),
        ],
        progress=Broken(),
    )
    assert report.ok
    assert [e.kind for e in report.events].count("progress-error") == 2


def test_with_scarce_workers_the_account_with_most_writes_left_goes_first() -> None:
    rec = Recorder()
    tasks = [
        rec.task("b1", key="B", seconds=0.005),
        rec.task("a1", key="A", seconds=0.005),
        rec.task("a2", key="A", seconds=0.005),
        rec.task("a3", key="A", seconds=0.005),
    ]
    run_tasks(tasks, max_workers=1)
    # A has three writes queued, B one: A goes until both have one left, then the given order.
    assert rec.starts == ["a1", "a2", "b1", "a3"]
