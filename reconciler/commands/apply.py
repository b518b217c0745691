"""`reconciler apply [DIR | PLANFILE]`: plan, show, confirm, lock, execute.

The stack lock is taken as soon as the stack's name is known, before Azure is read: the plan
shown (and confirmed) is then the plan carried out, and no other apply of the stack can act in
between. A saved plan (`plan --out`) is carried out without asking again, but only if a fresh
plan from the same spec against Azure as it is now is the same plan ("plan is stale"
otherwise, nothing done).

What the person running it sees and answers goes through an ``ApplyListener``
(``reconciler.render.apply.ConsoleApply`` at a terminal); the CLI turns the ``ApplyOutcome``
into the summary and the exit code (SPEC.md §2).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reconciler.apply.context import ExecOptions
from reconciler.apply.executor import Execution, execute
from reconciler.apply.progress import Progress
from reconciler.apply.stack_lock import hold_stack_lock
from reconciler.azure.observe import Observation
from reconciler.commands.pipeline import Prepared, Session, compute_plan, prepare
from reconciler.confined import RootedPath
from reconciler.errors import Diagnostic, ReconcilerError
from reconciler.plan import Plan
from reconciler.plan.saved import check_current, saved_plan_of, spec_digest

NO_TERMINAL = (
    "error: apply needs confirmation and there is no terminal to ask on; "
    "pass --auto-approve (e.g. in CI) to apply without asking. Nothing was done."
)
CANCELLED = "Apply cancelled; nothing was done."


class ApplyListener(Protocol):
    """What apply tells the person running it, and asks them, as it goes."""

    def warning(self, diagnostic: Diagnostic) -> None:
        """A warning about the spec (before Azure is read)."""

    def waiting(self, message: str) -> None:
        """About the stack's lock: another apply holds it and this one waits
        (``lock_timeout``), or the shared lock's lease was lost."""

    def planned(self, plan: Plan, *, saved_from: Path | None, asks: bool) -> None:
        """The fresh plan, before anything is done; ``saved_from``: the saved plan it matched,
        ``asks``: whether ``confirm`` comes next."""

    def confirm(self, prompt: str) -> bool:
        """Yes or no from the person at the terminal (only asked when ``interactive``)."""

    def progress(self) -> Progress:
        """Where the execution reports progress (closed when it ends)."""


@dataclass(frozen=True)
class ApplyOutcome:
    plan: Plan  # the fresh plan, the one carried out
    saved_from: Path | None  # the saved plan file it carried out, if any
    # None when nothing was carried out: the plan has errors, or nothing to change
    execution: Execution | None
    timeout: float | None  # the bound of the wait (--timeout)
    # the shared lock was lost while applying (said when it happened): another run may be
    # applying now, so the run failed whatever its steps did
    lock_lost: str | None = None


def _dataset_paths(prepared: Prepared) -> dict[str, RootedPath]:
    """Where each dataset's bytes are (split parts live in the cache), and the root each must
    still resolve inside when it is read again for the upload."""
    return {
        name: RootedPath(report.path, report.root)
        for name, report in prepared.validation.datasets.items()
    }


def apply(
    target: Path,
    listener: ApplyListener,
    *,
    auto_approve: bool,
    wait: bool,
    timeout: float | None,
    lock_timeout: float,
    replace: frozenset[str] = frozenset(),
    interactive: bool = False,
    log_http: Path | None = None,
    allow_env: Iterable[str] = (),
    show_retries: bool = False,
    rollback_on_smoke_failure: bool = False,
) -> ApplyOutcome:
    """Apply a spec directory or a saved plan. ``interactive``: a person can answer
    ``listener.confirm`` (stdin is a terminal); without it and without ``auto_approve``, a
    plan from a spec directory is refused. ``log_http``: the wire log's file (`--log-http`).
    ``allow_env``: the `--allow-env` names (a saved plan does not keep them: applying it reads
    the spec again, with the names given to this apply). ``show_retries``: report every retry
    to the progress. ``rollback_on_smoke_failure``: a deployment whose smoke test fails is
    put back as it was before this apply (`--rollback-on-smoke-failure`). Raises
    ReconcilerError for a stale plan, a refusal or a cancellation, nothing done."""
    if timeout is not None and (math.isnan(timeout) or timeout < 0):
        raise ReconcilerError("error: --timeout must be a number of seconds, 0 or more")
    saved = saved_plan_of(target)
    spec_dir = saved.spec_dir if saved is not None else target
    if saved is not None:
        replace = saved.replace
    saved_from = target if saved is not None else None

    asks = saved is None and not auto_approve and interactive

    prepared = prepare(spec_dir, on_warning=listener.warning, allow_env=allow_env)
    command = "reconciler apply " + shlex.quote(str(target))
    held = hold_stack_lock(
        prepared.spec, command=command, timeout=lock_timeout, say=listener.waiting
    )

    with held as lock, Session.open(log_http) as session:
        observation = session.observe(prepared, replace)
        fresh = compute_plan(prepared, observation, replace)
        if saved is not None:
            spec_changed = (
                None
                if saved.spec_digest is None
                else saved.spec_digest != spec_digest(prepared.desired)
            )
            check_current(saved.plan, fresh, spec_changed=spec_changed)  # stale: nothing done
        listener.planned(fresh, saved_from=saved_from, asks=asks)
        if fresh.has_errors or not fresh.has_changes:
            return ApplyOutcome(fresh, saved_from, None, timeout)
        if saved is None and not auto_approve:
            if not interactive:
                raise ReconcilerError(NO_TERMINAL)
            if not listener.confirm("Apply these changes?"):
                raise ReconcilerError(CANCELLED)
        progress = listener.progress()
        options = ExecOptions.for_target(
            session.target,
            wait=wait,
            timeout=timeout,
            show_retries=show_retries,
            rollback_on_smoke_failure=rollback_on_smoke_failure,
        )
        execution = _execute(fresh, prepared, observation, session, replace, options, progress)
    return ApplyOutcome(fresh, saved_from, execution, timeout, lock.lost)


def _execute(
    fresh: Plan,
    prepared: Prepared,
    observation: Observation,
    session: Session,
    replace: frozenset[str],
    options: ExecOptions,
    progress: Progress,
) -> Execution:
    try:
        return execute(
            fresh,
            desired=prepared.desired,
            observed=observation.observed,
            access=observation.access,
            clients=session.clients,
            target=session.target,
            dataset_paths=_dataset_paths(prepared),
            replace=replace,
            options=options,
            progress=progress,
        )
    finally:
        progress.close()
