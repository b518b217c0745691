"""The plan and drift for a terminal: one line per change with a symbol, the reason, the fields
that change (before → after), errors first with their places, and a summary line.

Colour (ANSI) only when asked; the CLI asks on a terminal without NO_COLOR.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from reconciler.cost.render import change_cost, cost_lines
from reconciler.kinds.checkpoint_copy import CopyAfter
from reconciler.kinds.deployment import DeploymentAfter
from reconciler.kinds.job import DataRef, JobAfter
from reconciler.plan.attention import failed_jobs_line, nothing_to_do_line
from reconciler.plan.model import Action, Change, FieldChange, Plan, ResourceType
from reconciler.plan.render_grader import grader_summary
from reconciler.plan.render_reason import examples_changed, render_reason
from reconciler.plan.smoke_test import smoke_line
from reconciler.promotion.render import promotion_lines

SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.WAIT: "⏳",
    Action.BLOCKED: "⊘",  # a promotion its gate holds back (SPEC §5.8)
    Action.NO_OP: "!",  # shown only for a failed job or a blocked resource
}
_COLOURS = {
    Action.CREATE: "32",
    Action.UPDATE: "33",
    Action.REPLACE: "31",
    Action.DELETE: "31",
    Action.WAIT: "36",
    Action.BLOCKED: "35",
    Action.NO_OP: "35",
}
NO_INPUT_CHANGED = "no input changed (trained again as asked)"
_HEX = re.compile(r"\b([0-9a-f]{12})[0-9a-f]{52}\b")


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def short(value: Any) -> str:
    """A value as people read it: sha256 shortened, None as "(none)"."""
    if value is None:
        return "(none)"
    return _HEX.sub(r"\1…", str(value))


def field_line(change: FieldChange) -> str:
    if change.before is None:
        return f"{change.field}: {short(change.after)}"
    return f"{change.field}: {short(change.before)} → {short(change.after)}"


def _symbol(action: Action) -> str:
    symbol = SYMBOLS[action]
    width = 2 if action is Action.WAIT else len(symbol)  # the hourglass takes two cells
    return " " * (3 - width) + symbol


def shown(change: Change) -> bool:
    """Every change, and an unchanged resource only when something is wrong with it."""
    return change.is_change or change.status is not None


TYPE_ORDER = {
    ResourceType.FILE: 0,
    ResourceType.JOB: 1,
    ResourceType.CHECKPOINT_COPY: 2,
    ResourceType.DEPLOYMENT: 3,
}


def ordered(changes: Iterable[Change]) -> list[Change]:
    """Uploads, jobs, checkpoint copies, deployments (the order apply follows), by address."""
    return sorted(changes, key=lambda c: (TYPE_ORDER[c.type], c.address))


def trains_later(change: Change) -> bool:
    """A job this plan creates (now, or once the job it continues from has its model)."""
    return change.type is ResourceType.JOB and (
        change.action is Action.CREATE or (change.action is Action.WAIT and change.before is None)
    )


def _data(value: DataRef | None) -> str:
    if value is None:
        return "(none)"
    return f"{value.dataset} {short(value.sha256)}"


def job_input_lines(change: Change) -> list[str]:
    """What a job to be created trains on, and what changed since the job serving now."""
    after = change.after
    assert isinstance(after, JobAfter)
    model = after.model
    origin = after.from_job
    if model is None and origin is not None:
        model = f"({origin.what} of job.{origin.job})"
    written = ", ".join(f"{k} {v}" for k, v in sorted(after.hyperparameters.items()))
    lines = [
        f"model: {short(model)}",
        f"training data: {_data(after.training_data)}",
        f"validation data: {_data(after.validation_data)}",
        f"hyperparameters: {written or '(service defaults)'}",
    ]
    if after.grader is not None:
        lines.append(f"grader: {short(grader_summary(after.grader))}")
    guard = change.details.get("cost_guard")
    if isinstance(guard, str):
        lines.append(f"cost guard: {guard}")
    previous = change.details.get("previous")
    if isinstance(previous, dict):
        changed = [FieldChange.from_json(c) for c in previous.get("changed", ())]
        if not changed:  # a header with nothing under it reads as if the list got lost
            lines.append(f"since {previous.get('id')}: {NO_INPUT_CHANGED}")
            return lines
        lines.append(f"since {previous.get('id')}:")
        examples = previous.get("examples") or {}
        for field in changed:
            line = f"  {field_line(field)}"
            counted = examples.get(field.field.split()[0])
            if isinstance(counted, dict):
                line += f" ({examples_changed(counted['added'], counted['removed'])})"
            lines.append(line)
    return lines


def checkpoint_line(change: Change) -> str | None:
    """Which checkpoint a deployment serves: its ftchkpt-… id alone says nothing to a reader."""
    after = change.after
    if isinstance(after, CopyAfter):
        known = f" ({after.checkpoint_id})" if after.checkpoint_id else ""
        return (
            f"checkpoint: epoch {after.checkpoint} of job.{after.job}{known}, "
            f"from {after.source_name} to {after.destination_name} ({after.region})"
        )
    if not isinstance(after, DeploymentAfter) or after.checkpoint is None:
        return None
    return f"checkpoint: epoch {after.checkpoint} of job.{after.job}"


def _change_lines(change: Change, color: bool) -> list[str]:
    head = f"{_symbol(change.action)} {change.address}"
    lines = [f"{_paint(head, _COLOURS[change.action], color)}: {short(render_reason(change))}"]
    if trains_later(change):
        lines.extend(f"      {line}" for line in job_input_lines(change))
    else:
        checkpoint = checkpoint_line(change)
        if checkpoint is not None:
            lines.append(f"      {checkpoint}")
        lines.extend(f"      {field_line(f)}" for f in change.changed)
    lines.extend(f"      {line}" for line in promotion_lines(change))
    smoke = smoke_line(change)
    if smoke is not None:
        lines.append(f"      {smoke}")
    cost = change_cost(change)
    if cost is not None:
        lines.append(f"      cost: {cost}")
    return lines


def summary_line(plan: Plan) -> str:
    counts = plan.summary
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['replace']} to replace, {counts['delete']} to delete, "
        f"{counts['wait']} waiting"
        + (f", {counts['blocked']} blocked by a gate." if counts.get("blocked") else ".")
    )


def render_text(plan: Plan, color: bool = False) -> str:
    lines: list[str] = []
    for issue in plan.errors:
        lines.append(_paint(str(issue), "1;31", color))
    if plan.errors:
        lines.append("")
    changes = [c for c in ordered(plan.changes) if shown(c)]
    for change in changes:
        lines.extend(_change_lines(change, color))
    if changes:
        lines.append("")
    if plan.has_changes or plan.errors:
        lines.append(summary_line(plan))
        if plan.has_changes:
            lines.extend(cost_lines(plan))
    else:
        lines.append(nothing_to_do_line(plan))
    failed = failed_jobs_line(plan)
    if failed is not None:
        lines.append(_paint(failed, "33", color))
    if plan.errors:
        count = len(plan.errors)
        noun = "error" if count == 1 else "errors"
        lines.append(
            _paint(f"The plan has {count} {noun}: nothing can be applied until fixed.", "31", color)
        )
    return "\n".join(lines) + "\n"
