"""Apply's generic machinery: task scheduling, retries, the stack lock, progress and summary.

Nothing here knows about plans or Azure; the executor that turns a plan's changes into tasks
builds on these.
"""

from reconciler.apply.lock import LocalFileLock, LockHandle, LockHolder, StackLock, lock_path
from reconciler.apply.progress import PlainProgress, Progress, RichProgress, make_progress
from reconciler.apply.retry import RetryPolicy, retry_call
from reconciler.apply.scheduler import (
    Outcome,
    RunReport,
    Task,
    TaskCancelled,
    TaskContext,
    TaskResult,
    TaskStatus,
    run_tasks,
)
from reconciler.apply.summary import render_summary

__all__ = [
    "LocalFileLock",
    "LockHandle",
    "LockHolder",
    "Outcome",
    "PlainProgress",
    "Progress",
    "RetryPolicy",
    "RichProgress",
    "RunReport",
    "StackLock",
    "Task",
    "TaskCancelled",
    "TaskContext",
    "TaskResult",
    "TaskStatus",
    "lock_path",
    "make_progress",
    "render_summary",
    "retry_call",
    "run_tasks",
]
