"""`reconciler apply [DIR | PLANFILE]`: plan, show, confirm, lock, execute, summarize.

The stack lock is taken as soon as the stack's name is known, before Azure is read: the plan
shown (and confirmed) is then the plan carried out, and no other apply of the stack can act in
between. A saved plan (`plan --out`) is carried out without asking again, but only if a fresh
plan from the same spec against Azure as it is now is the same plan ("plan is stale"
otherwise, nothing done).

Exit codes: 0 when everything was done, or what remains is pending on training that a later
apply (or `apply --wait`) continues; 1 on any error, failed or blocked change, a refusal, or
when `--wait` ran out of `--timeout` with work still pending (the user asked to wait for it);
130 after Ctrl-C (the summary of what was done, and that started jobs keep running in Azure).
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from reconciler.apply.context import ExecOptions
from reconciler.apply.executor import Execution, execute
from reconciler.apply.progress import Progress, make_progress
from reconciler.apply.stack_lock import hold_stack_lock
from reconciler.apply.summary import done_symbols, render_summary
from reconciler.azure.observe import Observation
from reconciler.confined import RootedPath
from reconciler.console import use_color
from reconciler.errors import Diagnostic, ReconcilerError
from reconciler.plan import Plan, render_text
from reconciler.plan.attention import nothing_to_do_line
from reconciler.plan.saved import check_current, saved_plan_of, spec_digest
from reconciler.verbosity import Verbosity
from reconciler.workflow import Prepared, Session, compute_plan, prepare

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

INTERRUPTED = (
    "Interrupted. What was already started goes on without reconciler: a fine-tuning job keeps "
    "running in Azure (stopping apply does not cancel it). Run apply again to continue; it "
    "finds the running job and starts nothing twice.\n"
)


def _dataset_paths(prepared: Prepared) -> dict[str, RootedPath]:
    """Where each dataset's bytes are (split parts live in the cache), and the root each must
    still resolve inside when it is read again for the upload."""
    return {
        name: RootedPath(report.path, report.root)
        for name, report in prepared.validation.datasets.items()
    }


def run_apply(
    target: Path,
    *,
    auto_approve: bool,
    wait: bool,
    timeout: float | None,
    lock_timeout: float,
    replace: frozenset[str] = frozenset(),
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin_isatty: bool = False,
    confirm: Callable[[str], bool] = lambda _prompt: False,
    log_http: Path | None = None,
    allow_env: tuple[str, ...] = (),
    verbosity: Verbosity = Verbosity.NORMAL,
) -> int:
    """Apply a spec directory or a saved plan; returns the exit code (module docstring).

    ``out`` (default: stdout) gets the plan and the summary, ``err`` (default: stderr) the
    progress, warnings and errors. ``confirm(prompt)`` asks the person at the terminal; it is
    called only when ``stdin_isatty`` and not ``auto_approve``. ``log_http``: the wire log's
    file (`--log-http`). ``allow_env``: the `--allow-env` names (a saved plan does not keep
    them: applying it reads the spec again, with the names given to this apply).
    ``verbosity``: ``QUIET`` prints only errors and the summary (the plan too when asking for
    confirmation), ``VERBOSE`` adds a line for every retry.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        return _apply(
            target,
            auto_approve=auto_approve,
            wait=wait,
            timeout=timeout,
            lock_timeout=lock_timeout,
            replace=replace,
            out=out,
            err=err,
            stdin_isatty=stdin_isatty,
            confirm=confirm,
            log_http=log_http,
            allow_env=allow_env,
            verbosity=verbosity,
        )
    except ReconcilerError as exc:
        err.write(f"{exc}\n")
        err.flush()
        return EXIT_ERROR
    except KeyboardInterrupt:  # a second Ctrl-C, or one before the run began
        err.write("\n" + INTERRUPTED)
        err.flush()
        return EXIT_INTERRUPTED


def _apply(
    target: Path,
    *,
    auto_approve: bool,
    wait: bool,
    timeout: float | None,
    lock_timeout: float,
    replace: frozenset[str],
    out: TextIO,
    err: TextIO,
    stdin_isatty: bool,
    confirm: Callable[[str], bool],
    log_http: Path | None,
    allow_env: tuple[str, ...],
    verbosity: Verbosity,
) -> int:
    if timeout is not None and (math.isnan(timeout) or timeout < 0):
        raise ReconcilerError("error: --timeout must be a number of seconds, 0 or more")
    saved = saved_plan_of(target)
    spec_dir = saved.spec_dir if saved is not None else target
    if saved is not None:
        replace = saved.replace

    quiet = verbosity == Verbosity.QUIET
    asks = saved is None and not auto_approve and stdin_isatty

    def warn(warning: Diagnostic) -> None:
        if not quiet:
            err.write(f"{warning}\n")

    prepared = prepare(spec_dir, on_warning=warn, allow_env=allow_env)
    command = "reconciler apply " + shlex.quote(str(target))
    held = hold_stack_lock(prepared.spec, command=command, timeout=lock_timeout, err=err)

    color = use_color(out)
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
        if fresh.has_errors or (saved is None and (asks or not quiet)):
            out.write(render_text(fresh, color=color))
        elif fresh.has_changes and not quiet:
            out.write(f"The saved plan {target} is still current; carrying it out.\n")
        out.flush()
        if fresh.has_errors:
            return EXIT_ERROR
        if not fresh.has_changes:
            if saved is not None:
                out.write(nothing_to_do_line(fresh) + "\n")
            return EXIT_OK
        if saved is None and not auto_approve:
            if not stdin_isatty:
                err.write(
                    "error: apply needs confirmation and there is no terminal to ask on; "
                    "pass --auto-approve (e.g. in CI) to apply without asking. Nothing was done.\n"
                )
                return EXIT_ERROR
            if not confirm("Apply these changes?"):
                err.write("Apply cancelled; nothing was done.\n")
                return EXIT_ERROR
        progress = Progress() if quiet else make_progress(err)
        options = ExecOptions.for_target(
            session.target,
            wait=wait,
            timeout=timeout,
            show_retries=verbosity >= Verbosity.VERBOSE,
        )
        execution = _execute(fresh, prepared, observation, session, replace, options, progress)
    out.write("\n" + render_summary(execution.report, done_symbols(fresh)))
    if execution.timed_out and timeout is not None:
        out.write(
            f"--timeout {timeout:g} s ran out while waiting for: {', '.join(execution.timed_out)}; "
            "run apply again to continue.\n"
        )
    out.flush()
    if lock.lost is not None:  # said on stderr when it happened; another run may be applying
        return EXIT_ERROR
    if execution.report.cancelled:
        err.write(INTERRUPTED)
        err.flush()
        return EXIT_INTERRUPTED
    return EXIT_OK if execution.ok else EXIT_ERROR


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
