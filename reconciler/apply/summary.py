"""The summary printed at the end of an apply: what was done, what is pending, what failed.

Each done change carries the symbol the plan showed for it (+ create, ~ update, -/+ replace,
- delete), so the summary reads against the plan line by line; pending work carries the plan's
hourglass and a failed or blocked one the plan's "!".
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.apply.progress import clean
from reconciler.apply.scheduler import RunReport, TaskResult, TaskStatus
from reconciler.plan.model import Action, Plan
from reconciler.plan.render_text import SYMBOLS


def done_symbols(plan: Plan) -> dict[str, str]:
    """The plan's symbol for each change, by address; a change that waited shows what it did
    once it could: create when nothing was there, else replace (it waited for a new model)."""
    symbols = {}
    for change in plan.changes:
        action = change.action
        if action is Action.WAIT:
            action = Action.CREATE if change.before is None else Action.REPLACE
        symbols[change.address] = SYMBOLS[action]
    return symbols


def _seconds(result: TaskResult) -> str:
    duration = result.duration
    return f" ({duration:.1f} s)" if duration is not None else ""


def _line(mark: str, result: TaskResult, text: str) -> str:
    return f"  {mark} {result.id}" + (f": {clean(text)}" if text else "")


def render_summary(report: RunReport, symbols: Mapping[str, str] | None = None) -> str:
    """Plain text (no escape codes), one section per outcome, tasks in the order given.

    ``symbols`` (from ``done_symbols``) marks each done task as the plan marked its change.
    """
    marks = symbols or {}
    counts = {status: len(report.with_status(status)) for status in TaskStatus}
    head = ", ".join(f"{counts[s]} {s.value}" for s in TaskStatus if counts[s])
    title = "Apply interrupted" if report.cancelled else "Apply finished"
    lines = [f"{title} in {report.wall_seconds:.1f} s: {head or 'nothing to do'}."]

    done = report.with_status(TaskStatus.DONE)
    if done:
        lines += ["", "Done:"]
        lines += [
            _line(marks.get(r.id, SYMBOLS[Action.CREATE]), r, (r.message or r.label) + _seconds(r))
            for r in done
        ]

    pending = report.with_status(TaskStatus.PENDING)
    if pending:
        lines += ["", "Pending (a later apply, or apply --wait, continues them):"]
        for result in pending:
            lines.append(_line(SYMBOLS[Action.WAIT], result, result.message))

    failed = report.with_status(TaskStatus.FAILED)
    if failed:
        lines += ["", "Failed:"]
        for result in failed:
            lines.append(_line(SYMBOLS[Action.NO_OP], result, result.message or "failed"))
            caused = [r.id for r in report.caused_by(result.id)]
            if caused:
                lines.append(f"      which blocked: {', '.join(caused)}")

    gated = report.with_status(TaskStatus.GATED)
    if gated:
        lines += ["", "Blocked by a promotion gate (nothing written; it serves what it served):"]
        for result in gated:
            head, *metrics = (result.message or "").split("\n")
            lines.append(_line(SYMBOLS[Action.BLOCKED], result, head))
            lines += [f"      {clean(m)}" for m in metrics]

    blocked = report.with_status(TaskStatus.BLOCKED)
    if blocked:
        lines += ["", "Blocked (not attempted):"]
        lines += [_line(SYMBOLS[Action.NO_OP], r, r.message) for r in blocked]

    not_started = report.with_status(TaskStatus.NOT_STARTED)
    if not_started:
        lines += ["", "Not started:"]
        lines += [_line("·", r, r.message) for r in not_started]

    return "\n".join(lines) + "\n"
