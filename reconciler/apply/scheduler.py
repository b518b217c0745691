"""Run a graph of tasks: dependencies first, one at a time per serial key, the rest in parallel.

Apply's unit of work is a ``Task``. A task starts as soon as every task it depends on is done and
no other task with the same ``serial_key`` is running (ARM refuses concurrent writes to one
account with 409 RequestConflict, DESIGN.md principle 6), so a busy account never holds up
another one. Among the tasks ready at one moment, the one heading the longest chain of
dependents starts first (then the order the tasks were given): it is what keeps the wall time
near the floor.

A task ends in one of three outcomes. ``done``; ``pending``: it started something long (a job
still training) that its dependents must wait for, so they are not run in this apply and are
reported as waiting for it; ``failed``: its dependents are not run and are reported as
``blocked by <id>: <reason>``, while unrelated tasks carry on. An exception raised by a task is
a failure. Setting the ``cancel`` event (Ctrl-C) stops new starts and lets running tasks finish
or notice ``ctx.cancelled``; what never started is reported as not started.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

from reconciler.apply.progress import Progress

DEFAULT_WORKERS = 16


class TaskStatus(StrEnum):
    DONE = "done"
    PENDING = "pending"
    FAILED = "failed"
    BLOCKED = "blocked"
    NOT_STARTED = "not-started"
    # a deployment its promotion gate held back (SPEC §5.8): nothing written, not a failure;
    # its dependents run as after a done task
    GATED = "blocked by its gate"


class MissingDependency(LookupError):
    """A task asked for the outcome of a task it does not depend on (a dependency missing from
    the plan). Not a KeyError, whose message would be the bare address in quotes."""

    def __init__(self, task_id: str, dependency: str) -> None:
        super().__init__(
            f"{task_id} needs the outcome of {dependency}, which it does not depend on in this "
            "apply (the plan's depends_on lacks it)"
        )
        self.task_id = task_id
        self.dependency = dependency


class TaskCancelled(Exception):
    """Raised by ``TaskContext.sleep`` when the run is being cancelled."""

    def __init__(self) -> None:
        super().__init__("interrupted before it finished")


@dataclass(frozen=True)
class Outcome:
    """What a task's ``run`` returns. ``value`` is handed to dependents (``ctx.value_of``)."""

    status: TaskStatus
    message: str = ""
    error: BaseException | None = None
    value: object = None

    @staticmethod
    def done(message: str = "", value: object = None) -> Outcome:
        return Outcome(TaskStatus.DONE, message, None, value)

    @staticmethod
    def pending(reason: str, value: object = None) -> Outcome:
        return Outcome(TaskStatus.PENDING, reason, None, value)

    @staticmethod
    def gated(message: str) -> Outcome:
        return Outcome(TaskStatus.GATED, message)

    @staticmethod
    def failed(error: BaseException | str) -> Outcome:
        if isinstance(error, BaseException):
            return Outcome(TaskStatus.FAILED, str(error) or type(error).__name__, error)
        return Outcome(TaskStatus.FAILED, error, None)


class TaskContext:
    """What a running task can see: cancellation, its dependencies' values, progress reporting."""

    def __init__(
        self,
        task_id: str,
        cancel: threading.Event,
        values: Mapping[str, object],
        progress: Progress,
    ) -> None:
        self.task_id = task_id
        self.progress = progress
        self._cancel = cancel
        self._values = values

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True, early, when the run is cancelled."""
        return self._cancel.wait(max(0.0, seconds))

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, raising TaskCancelled if the run is cancelled meanwhile.

        Fits ``retry_call(sleep=ctx.sleep)`` and polling loops that should stop on Ctrl-C.
        """
        if self.wait(seconds):
            raise TaskCancelled()

    def value_of(self, dependency: str) -> object:
        """The ``value`` of a dependency's outcome (MissingDependency for a task it does not
        depend on)."""
        if dependency not in self._values:
            raise MissingDependency(self.task_id, dependency)
        return self._values[dependency]

    def update(self, message: str, fraction: float | None = None) -> None:
        self.progress.task_update(self.task_id, message, fraction)

    def upload(self, sent: int, total: int) -> None:
        self.progress.upload_progress(self.task_id, sent, total)

    def log(self, message: str) -> None:
        self.progress.log(message)


@dataclass(frozen=True)
class Task:
    id: str
    run: Callable[[TaskContext], Outcome]
    depends_on: tuple[str, ...] = ()
    serial_key: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Event:
    """One entry of the run's log; ``at`` is seconds since the run started."""

    at: float
    task_id: str
    kind: str  # "started", a TaskStatus value, or "cancel" (task_id "")
    message: str = ""


@dataclass
class TaskResult:
    id: str
    label: str
    status: TaskStatus
    message: str = ""
    error: BaseException | None = None
    # The task whose failure blocked this one, or whose pending work it waits for.
    cause: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    value: object = None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


@dataclass
class RunReport:
    results: dict[str, TaskResult]  # in the order the tasks were given
    events: list[Event]
    wall_seconds: float
    cancelled: bool = False
    dependents: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def with_status(self, status: TaskStatus) -> list[TaskResult]:
        return [r for r in self.results.values() if r.status is status]

    @property
    def ok(self) -> bool:
        """Nothing failed, was blocked or was left unstarted (pending work is fine)."""
        bad = (TaskStatus.FAILED, TaskStatus.BLOCKED, TaskStatus.NOT_STARTED)
        return not any(r.status in bad for r in self.results.values())

    def caused_by(self, task_id: str) -> list[TaskResult]:
        """The tasks blocked by, or waiting for, ``task_id``."""
        return [r for r in self.results.values() if r.cause == task_id]


def _check_graph(tasks: Sequence[Task]) -> dict[str, Task]:
    by_id: dict[str, Task] = {}
    for task in tasks:
        if task.id in by_id:
            raise ValueError(f"two tasks named {task.id!r}")
        by_id[task.id] = task
    for task in tasks:
        for dep in task.depends_on:
            if dep not in by_id:
                raise ValueError(f"task {task.id!r} depends on unknown task {dep!r}")
            if dep == task.id:
                raise ValueError(f"task {task.id!r} depends on itself")
    # Kahn's algorithm: whatever is left over sits on a cycle.
    indegree = {t.id: len(set(t.depends_on)) for t in tasks}
    children = _children(tasks)
    queue = [tid for tid, n in indegree.items() if n == 0]
    seen = 0
    while queue:
        tid = queue.pop()
        seen += 1
        for child in children[tid]:
            indegree[child] -= 1
            if indegree[child] == 0:
                queue.append(child)
    if seen != len(tasks):
        stuck = sorted(tid for tid, n in indegree.items() if n > 0)
        raise ValueError(f"dependency cycle among {', '.join(stuck)}")
    return by_id


def _children(tasks: Iterable[Task]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    tasks = list(tasks)
    for task in tasks:
        children.setdefault(task.id, [])
    for task in tasks:
        for dep in dict.fromkeys(task.depends_on):
            children[dep].append(task.id)
    return children


def chain_lengths(tasks: Sequence[Task]) -> dict[str, int]:
    """For each task, how many tasks the longest dependency chain it heads holds (itself incl.)."""
    children = _children(tasks)
    memo: dict[str, int] = {}
    # Iterative post-order: a deep chain must not hit the recursion limit.
    for root in (t.id for t in tasks):
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            tid, expanded = stack.pop()
            if tid in memo:
                continue
            if expanded:
                memo[tid] = 1 + max((memo[c] for c in children[tid]), default=0)
                continue
            stack.append((tid, True))
            stack.extend((c, False) for c in children[tid] if c not in memo)
    return memo


class _Run:
    """The state of one ``run_tasks`` call; every field is guarded by ``cond``."""

    def __init__(
        self,
        tasks: Sequence[Task],
        *,
        max_workers: int,
        cancel: threading.Event,
        progress: Progress,
        clock: Callable[[], float],
    ) -> None:
        self.by_id = _check_graph(tasks)
        self.order = {t.id: i for i, t in enumerate(tasks)}
        self.children = _children(tasks)
        self.priority = chain_lengths(tasks)
        self.max_workers = max_workers
        self.cancel = cancel
        self.progress = progress
        self.clock = clock
        self.t0 = clock()
        self.cond = threading.Condition()
        self.results: dict[str, TaskResult] = {}
        self.events: list[Event] = []
        self.unsettled = {t.id: len(set(t.depends_on)) for t in tasks}
        self.waits_for: dict[str, str] = {}  # task -> the pending task it will wait for
        # Ready tasks per serial key, as heaps of (-chain length, given order, id); None: no key.
        self.ready: dict[str | None, list[tuple[int, int, str]]] = {}
        self.busy_keys: set[str] = set()
        # Per serial key, its tasks neither started nor settled yet.
        self.queued: dict[str, int] = {}
        for task in tasks:
            if task.serial_key is not None:
                self.queued[task.serial_key] = self.queued.get(task.serial_key, 0) + 1
        self.running = 0
        self.cancel_logged = False
        for task in tasks:
            if self.unsettled[task.id] == 0:
                self._make_ready(task.id)

    def now(self) -> float:
        return self.clock() - self.t0

    def _make_ready(self, tid: str) -> None:
        key = self.by_id[tid].serial_key
        heapq.heappush(self.ready.setdefault(key, []), (-self.priority[tid], self.order[tid], tid))

    def _event(self, tid: str, kind: str, message: str = "") -> None:
        self.events.append(Event(self.now(), tid, kind, message))

    def _tell(self, method: Callable[..., None], *args: str) -> None:
        # A display that breaks must not break the bookkeeping: an exception here would leave
        # a serial key busy or a worker counted forever, and the run would never end.
        try:
            method(*args)
        except Exception as exc:
            self._event(args[0] if args else "", "progress-error", repr(exc))

    def _settle(self, result: TaskResult) -> None:
        """Record a final result and pass it on to the dependents, transitively."""
        work = [result]
        while work:
            res = work.pop()
            self.results[res.id] = res
            self._event(res.id, res.status.value, res.message)
            if res.started_at is None:  # never started: progress still hears how it ended
                key = self.by_id[res.id].serial_key
                if key is not None:
                    self.queued[key] -= 1
                self._tell(self.progress.task_finished, res.id, res.status.value, res.message)
            root = res.cause or res.id
            root_reason = self.results[root].message
            for child in self.children[res.id]:
                if child in self.results:
                    continue
                label = self.by_id[child].label
                if res.status in (TaskStatus.FAILED, TaskStatus.BLOCKED):
                    work.append(
                        TaskResult(
                            child,
                            label,
                            TaskStatus.BLOCKED,
                            f"blocked by {root}: {root_reason}",
                            cause=root,
                        )
                    )
                    continue
                if res.status is TaskStatus.PENDING:
                    self.waits_for.setdefault(child, root)
                self.unsettled[child] -= 1
                if self.unsettled[child] > 0:
                    continue
                waited = self.waits_for.get(child)
                if waited is None:
                    self._make_ready(child)
                else:
                    work.append(
                        TaskResult(
                            child,
                            label,
                            TaskStatus.PENDING,
                            f"waiting for {waited}: {self.results[waited].message}",
                            cause=waited,
                        )
                    )

    def _next_ready(self) -> str | None:
        """The best ready task whose serial key is free, or None.

        The longest dependency chain first (what unlocks most work); between equals, when
        workers are scarce, the key with the most writes still to come; then the given order.
        """
        best: tuple[int, int, int, str] | None = None
        for key, heap in self.ready.items():
            if not heap or (key is not None and key in self.busy_keys):
                continue
            negative_chain, order, tid = heap[0]
            queued = self.queued.get(key, 0) if key is not None else 0
            candidate = (negative_chain, -queued, order, tid)
            if best is None or candidate < best:
                best = candidate
        if best is None:
            return None
        tid = best[3]
        key = self.by_id[tid].serial_key
        heapq.heappop(self.ready[key])
        return tid

    def _start_ready(self, pool: ThreadPoolExecutor) -> None:
        while self.running < self.max_workers and not self.cancel.is_set():
            tid = self._next_ready()
            if tid is None:
                return
            task = self.by_id[tid]
            if task.serial_key is not None:
                self.busy_keys.add(task.serial_key)
                self.queued[task.serial_key] -= 1
            self.running += 1
            started = self.now()
            self._event(tid, "started", task.label)
            self._tell(self.progress.task_started, tid, task.label)
            values = {d: self.results[d].value for d in task.depends_on}
            ctx = TaskContext(tid, self.cancel, values, self.progress)
            pool.submit(self._execute, task, ctx, started)

    def _execute(self, task: Task, ctx: TaskContext, started: float) -> None:
        try:
            outcome = task.run(ctx)
            if not isinstance(outcome, Outcome):
                outcome = Outcome.failed(TypeError(f"task returned {outcome!r}, not an Outcome"))
        except Exception as exc:  # a task's error is its failure, never the whole run's
            outcome = Outcome.failed(exc)
        with self.cond:
            finished = self.now()
            result = TaskResult(
                task.id,
                task.label,
                outcome.status,
                outcome.message,
                outcome.error,
                None,
                started,
                finished,
                outcome.value,
            )
            if task.serial_key is not None:
                self.busy_keys.discard(task.serial_key)
            self.running -= 1
            self._tell(self.progress.task_finished, task.id, outcome.status.value, outcome.message)
            self._settle(result)
            self.cond.notify_all()

    def _unfinished(self) -> bool:
        return len(self.results) < len(self.by_id)

    def _abandon_rest(self, message: str) -> None:
        for tid in self.by_id:
            if tid not in self.results:
                res = TaskResult(tid, self.by_id[tid].label, TaskStatus.NOT_STARTED, message)
                self.results[tid] = res
                self._event(tid, res.status.value, message)
                self._tell(self.progress.task_finished, tid, res.status.value, message)

    def loop(self, pool: ThreadPoolExecutor) -> None:
        interrupted = 0
        with self.cond:
            while self._unfinished():
                try:
                    if self.cancel.is_set() and not self.cancel_logged:
                        self.cancel_logged = True
                        self._event("", "cancel", "no new task starts; waiting for running ones")
                    self._start_ready(pool)
                    if self.running == 0:
                        if self.cancel.is_set():
                            self._abandon_rest("not started: the run was cancelled")
                        else:  # cannot happen with a checked graph; never hang if it does
                            self._abandon_rest("not started: nothing left could run")
                        break
                    # The timeout only serves to notice a cancel set from outside.
                    self.cond.wait(timeout=0.1)
                except KeyboardInterrupt:
                    interrupted += 1
                    if interrupted > 1:
                        raise  # a second Ctrl-C: stop waiting for running tasks
                    self.cancel.set()

    def report(self) -> RunReport:
        ordered = {tid: self.results[tid] for tid in self.by_id}
        dependents = {tid: tuple(c) for tid, c in self.children.items()}
        return RunReport(ordered, list(self.events), self.now(), self.cancel.is_set(), dependents)


def run_tasks(
    tasks: Sequence[Task],
    *,
    max_workers: int = DEFAULT_WORKERS,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RunReport:
    """Run ``tasks`` (see the module docstring) and report how each ended.

    Raises ValueError, before anything runs, for duplicate ids, unknown dependencies or a cycle.
    """
    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    run = _Run(
        tasks,
        max_workers=max_workers,
        cancel=cancel if cancel is not None else threading.Event(),
        progress=progress if progress is not None else Progress(),
        clock=clock,
    )
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="apply")
    try:
        run.loop(pool)
    except BaseException:
        pool.shutdown(wait=False)  # a second Ctrl-C: leave without waiting for running tasks
        raise
    pool.shutdown(wait=True)
    return run.report()
