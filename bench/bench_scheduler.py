"""Benchmark: the apply scheduler on 40 deployments over 8 accounts, against the floor.

Each "ARM write" (a deployment PUT and its provisioning) is a sleep of ``--provision-seconds``
(divided by ``--speed``), and writes to one account are serialized, as apply must do. Some
deployments serve a fine-tuned model trained in another account: they depend on a job (itself
after an upload) that runs without a serial key, like data-plane work.

The floor is the time the busiest account needs no matter how well the rest is scheduled: its
writes, one after another, none before the job it depends on has finished (for one account,
taking writes in order of when they can start is optimal). The scheduler should come within
1.3x of it. Prints figures; exits 1 only if two writes to one account ever overlapped or a task
did not finish.

    .venv/bin/python bench/bench_scheduler.py [--provision-seconds 2.0] [--speed 1] [--workers 16]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.apply.scheduler import Outcome, Task, TaskContext, TaskStatus, run_tasks

ACCOUNTS = 8
PER_ACCOUNT = 5
TARGET = 1.3


@dataclass(frozen=True)
class Job:
    name: str
    trained_in: int  # account index
    upload_seconds: float
    train_seconds: float
    served_by: tuple[int, ...]  # account indexes whose first two deployments serve its model


class AccountGuard:
    """Counts writes that overlap on one account (the real service would answer 409)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, int] = {}
        self.overlaps = 0

    def write(self, account: str, seconds: float) -> None:
        with self._lock:
            self._active[account] = self._active.get(account, 0) + 1
            if self._active[account] > 1:
                self.overlaps += 1
        time.sleep(seconds)
        with self._lock:
            self._active[account] -= 1


def sleeper(seconds: float) -> Callable[[TaskContext], Outcome]:
    def run(ctx: TaskContext) -> Outcome:
        time.sleep(seconds)
        return Outcome.done()

    return run


def writer(guard: AccountGuard, account: str, seconds: float) -> Callable[[TaskContext], Outcome]:
    def run(ctx: TaskContext) -> Outcome:
        guard.write(account, seconds)
        return Outcome.done()

    return run


def build(write: float, guard: AccountGuard) -> tuple[list[Task], float]:
    """The tasks, and the floor of their wall time."""
    jobs = [
        Job("alpha", 0, 0.1 * write, 4.0 * write, (1, 2, 3)),
        Job("beta", 4, 0.1 * write, 3.5 * write, (5, 6, 7)),
    ]
    tasks: list[Task] = []
    job_end: dict[int, tuple[str, float]] = {}  # serving account -> (job task, earliest end)
    for job in jobs:
        upload = f"file.{job.name}-train@acct-{job.trained_in}"
        train = f"job.{job.name}"
        tasks.append(Task(upload, sleeper(job.upload_seconds), label="upload"))
        tasks.append(Task(train, sleeper(job.train_seconds), (upload,), label="train"))
        for served in job.served_by:
            job_end[served] = (train, job.upload_seconds + job.train_seconds)
    floor = 0.0
    for index in range(ACCOUNTS):
        account = f"acct-{index}"
        releases: list[float] = []
        for n in range(PER_ACCOUNT):
            depends: tuple[str, ...] = ()
            release = 0.0
            if n < 2 and index in job_end:
                depends, release = (job_end[index][0],), job_end[index][1]
            tasks.append(
                Task(
                    f"deployment.d{n}@{account}",
                    writer(guard, account, write),
                    depends,
                    serial_key=account,
                    label=f"PUT deployment d{n} in {account}",
                )
            )
            releases.append(release)
        finish = 0.0
        for release in sorted(releases):
            finish = max(finish, release) + write
        floor = max(floor, finish)
    return tasks, floor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provision-seconds", type=float, default=2.0)
    parser.add_argument("--speed", type=float, default=1.0, help="divide every duration by this")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    write = args.provision_seconds / args.speed
    guard = AccountGuard()
    tasks, floor = build(write, guard)
    deployments = sum(1 for t in tasks if t.id.startswith("deployment."))
    started = time.monotonic()
    report = run_tasks(tasks, max_workers=args.workers)
    wall = time.monotonic() - started
    unfinished = [r.id for r in report.results.values() if r.status is not TaskStatus.DONE]
    ratio = wall / floor if floor > 0 else float("inf")
    print(
        f"scheduler: {deployments} deployments over {ACCOUNTS} accounts ({PER_ACCOUNT} each), "
        f"2 uploads + 2 jobs upstream; {write:.2f} s per ARM write; {args.workers} workers"
    )
    print(f"  wall    {wall:7.2f} s")
    print(f"  floor   {floor:7.2f} s  (busiest account's serialized writes, after dependencies)")
    verdict = "within target" if ratio <= TARGET else "ABOVE TARGET"
    print(f"  ratio   {ratio:7.3f}    (target <= {TARGET}: {verdict})")
    print(f"  serial  {deployments * write:7.2f} s  (every write one after another, for scale)")
    print(f"  overlapping writes on one account: {guard.overlaps}")
    if unfinished:
        print(f"  not done: {', '.join(unfinished)}")
    return 1 if guard.overlaps or unfinished else 0


if __name__ == "__main__":
    sys.exit(main())
