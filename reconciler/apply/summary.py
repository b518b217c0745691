"""The summary printed at the end of an apply: what was done, what is pending, what failed."""

from __future__ import annotations

from reconciler.apply.progress import clean
from reconciler.apply.scheduler import RunReport, TaskResult, TaskStatus


def _seconds(result: TaskResult) -> str:
    duration = result.duration
    return f" ({duration:.1f} s)" if duration is not None else ""


def _line(mark: str, result: TaskResult, text: str) -> str:
    return f"  {mark} {result.id}" + (f": {clean(text)}" if text else "")


def render_summary(report: RunReport) -> str:
    """Plain text (no escape codes), one section per outcome, tasks in the order given."""
    counts = {status: len(report.with_status(status)) for status in TaskStatus}
    head = ", ".join(f"{counts[s]} {s.value}" for s in TaskStatus if counts[s])
    title = "Apply interrupted" if report.cancelled else "Apply finished"
    lines = [f"{title} in {report.wall_seconds:.1f} s: {head or 'nothing to do'}."]

    done = report.with_status(TaskStatus.DONE)
    if done:
        lines += ["", "Done:"]
        lines += [_line("+", r, (r.message or r.label) + _seconds(r)) for r in done]

    pending = report.with_status(TaskStatus.PENDING)
    if pending:
        lines += ["", "Pending (a later apply, or apply --wait, continues them):"]
        for result in pending:
            lines.append(_line("~", result, result.message))

    failed = report.with_status(TaskStatus.FAILED)
    if failed:
        lines += ["", "Failed:"]
        for result in failed:
            lines.append(_line("!", result, result.message or "failed"))
            caused = [r.id for r in report.caused_by(result.id)]
            if caused:
                lines.append(f"      which blocked: {', '.join(caused)}")

    blocked = report.with_status(TaskStatus.BLOCKED)
    if blocked:
        lines += ["", "Blocked (not attempted):"]
        lines += [_line("-", r, r.message) for r in blocked]

    not_started = report.with_status(TaskStatus.NOT_STARTED)
    if not_started:
        lines += ["", "Not started:"]
        lines += [_line("-", r, r.message) for r in not_started]

    return "\n".join(lines) + "\n"
