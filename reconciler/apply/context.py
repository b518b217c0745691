"""What every step of an apply shares: where the accounts are, the clients, the options, the
clock of ``--timeout``, and the retry loop wired to the step's progress and cancellation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from reconciler.apply.retry import RetryPolicy, describe, retry_call
from reconciler.apply.scheduler import TaskContext
from reconciler.azure.clients import Clients
from reconciler.azure.observe import AccountAccess
from reconciler.azure.target import Target
from reconciler.confined import RootedPath
from reconciler.plan.desired import Desired
from reconciler.plan.observed import Observed

T = TypeVar("T")

#: Retries against the emulator: the same rules, shorter waits (its faults are instant).
EMULATOR_RETRY = RetryPolicy(base=0.05, factor=2.0, cap=1.0, max_attempts=40, total_seconds=60.0)


@dataclass(frozen=True)
class ExecOptions:
    """How long and how often apply waits; ``for_target`` picks values for Azure or the emulator."""

    wait: bool = False  # --wait: wait for jobs, then do what depends on them
    timeout: float | None = None  # --timeout: bounds every wait of this apply
    file_poll_seconds: float = 5.0
    job_poll_seconds: float = 30.0
    deployment_poll_seconds: float = 5.0
    # Files are always waited for (a job cannot use a pending one), at most this long.
    file_wait_seconds: float = 3600.0
    # A deployment someone else is provisioning is waited for, at most this long.
    provisioning_wait_seconds: float = 3600.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # -v: a progress line for every retry (429, 409, 5xx), not only the task's status text.
    show_retries: bool = False
    # --rollback-on-smoke-failure: a deployment whose smoke test fails is put back as it was
    rollback_on_smoke_failure: bool = False
    # How long a smoke test waits for the data plane to serve a deployment ARM reports ready
    # (404 DeploymentNotFound meanwhile; the service's message asks to wait up to 5 minutes).
    smoke_ready_seconds: float = 300.0

    @staticmethod
    def for_target(
        target: Target,
        *,
        wait: bool,
        timeout: float | None,
        show_retries: bool = False,
        rollback_on_smoke_failure: bool = False,
    ) -> ExecOptions:
        if target.is_emulator:
            return ExecOptions(
                wait=wait,
                timeout=timeout,
                show_retries=show_retries,
                rollback_on_smoke_failure=rollback_on_smoke_failure,
                file_poll_seconds=0.2,
                job_poll_seconds=0.2,
                deployment_poll_seconds=0.2,
                smoke_ready_seconds=10.0,
                retry=EMULATOR_RETRY,
            )
        return ExecOptions(
            wait=wait,
            timeout=timeout,
            show_retries=show_retries,
            rollback_on_smoke_failure=rollback_on_smoke_failure,
        )


class ApplyContext:
    """Shared, read-mostly state of one execution; ``timed_out`` is guarded by a lock."""

    def __init__(
        self,
        *,
        desired: Desired,
        observed: Observed,
        access: Mapping[str, AccountAccess],
        clients: Clients,
        target: Target,
        dataset_paths: Mapping[str, RootedPath],
        replace: frozenset[str],
        options: ExecOptions,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.desired = desired
        self.observed = observed
        self.access = access
        self.clients = clients
        self.target = target
        self.dataset_paths = dataset_paths
        self.replace = replace
        self.options = options
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()
        self._timed_out: list[str] = []

    # -- time ------------------------------------------------------------------------------

    def remaining(self) -> float | None:
        """Seconds left of ``--timeout`` (None: unbounded)."""
        if self.options.timeout is None:
            return None
        return self.options.timeout - (self.clock() - self.started)

    def out_of_time(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def mark_timed_out(self, address: str) -> None:
        with self._lock:
            self._timed_out.append(address)

    @property
    def timed_out(self) -> list[str]:
        with self._lock:
            return list(self._timed_out)

    def pause(self, ctx: TaskContext, seconds: float) -> None:
        """Sleep between polls: never past the ``--timeout``, and stop on Ctrl-C."""
        left = self.remaining()
        if left is not None:
            seconds = min(seconds, max(0.0, left))
        ctx.sleep(seconds)

    # -- calls -----------------------------------------------------------------------------

    def call(
        self,
        ctx: TaskContext,
        operation: str,
        fn: Callable[[], T],
        *,
        before_retry: Callable[[], T | None] | None = None,
        idempotent: bool = True,
    ) -> T:
        """``fn()`` with apply's retries (409, 429, 5xx; Retry-After), told to the progress."""

        def on_retry(attempt: int, delay: float, error: BaseException) -> None:
            told = f"retry {attempt} in {delay:.1f} s after {describe(error)}"
            ctx.update(told)
            if self.options.show_retries:
                # The status text above is throttled and overwritten; at -v each retry stays.
                ctx.log(f"{ctx.task_id}: {operation}: {told}")

        return retry_call(
            operation,
            fn,
            policy=self.options.retry,
            on_retry=on_retry,
            before_retry=before_retry,
            idempotent=idempotent,
            sleep=ctx.sleep,
        )

    def account(self, key: str) -> AccountAccess:
        return self.access[key]
