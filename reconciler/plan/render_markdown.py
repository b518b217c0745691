"""The plan and drift as a pull-request comment (GitHub-flavoured markdown).

Summary table first, then errors, then destructive changes (marked ⚠️), the other changes, and
one section per job to train: its data (examples, tokens, estimated billed tokens), what changed
since the job whose model is served now, and the deployments it feeds.
"""

from __future__ import annotations

from typing import Any

from reconciler.plan.attention import failed_jobs_line, nothing_to_do_line
from reconciler.plan.drift import DriftItem, sorted_items
from reconciler.plan.model import Action, Change, FieldChange, Plan
from reconciler.plan.render_text import SYMBOLS, field_line, ordered, short, shown, trains_later

_ACTION_LABEL = {
    Action.CREATE: "+ create",
    Action.UPDATE: "~ update",
    Action.REPLACE: "-/+ replace",
    Action.DELETE: "- delete",
    Action.WAIT: "⏳ wait",
    Action.NO_OP: "! no-op",
}


def _cell(text: str) -> str:
    return short(text).replace("|", "\\|").replace("\n", " ")


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _fields_cell(change: Change) -> str:
    return "<br>".join(f"`{_cell(field_line(f))}`" for f in change.changed)


def _change_table(changes: list[Change], *, mark: bool) -> list[str]:
    lines = ["| | address | reason | fields |", "|---|---|---|---|"]
    for change in changes:
        label = _ACTION_LABEL[change.action]
        if change.status:
            label = f"{SYMBOLS[Action.NO_OP]} {change.status}"
        if mark:
            label = f"⚠️ {label}"
        lines.append(
            f"| {label} | `{change.address}` | {_cell(change.reason)} | {_fields_cell(change)} |"
        )
    return lines


def _stats_line(label: str, dataset: str, stats: Any) -> str:
    if not isinstance(stats, dict):
        return f"- {label} `{dataset}`"
    return (
        f"- {label} `{dataset}`: {_num(stats['examples'])} examples, "
        f"{_num(stats['total_tokens'])} tokens ({_num(stats['trained_tokens'])} trained)"
    )


def _job_section(change: Change) -> list[str]:
    after = change.after or {}
    details = change.details
    stats = details.get("stats") or {}
    lines = [f"#### `{change.address}` ({_ACTION_LABEL[change.action]})", ""]
    training = after.get("training_data") or {}
    lines.append(_stats_line("Training data", training.get("dataset", "?"), stats.get("training")))
    validation = after.get("validation_data")
    if isinstance(validation, dict):
        lines.append(
            _stats_line("Validation data", validation.get("dataset", "?"), stats.get("validation"))
        )
    billed = stats.get("billed_tokens_estimate")
    if billed is not None:
        lines.append(
            f"- Estimated billed training tokens: {_num(billed)} "
            f"({stats.get('n_epochs')} epochs × the training data's tokens)"
        )
    elif stats.get("training"):
        lines.append(
            "- Estimated billed training tokens: depends on the number of epochs the service "
            "chooses (`n_epochs: auto`)"
        )
    previous = details.get("previous")
    if isinstance(previous, dict):
        serving = previous.get("serving") or []
        where = f" (serving {', '.join(f'`{a}`' for a in serving)})" if serving else ""
        lines.append(f"- Since `{previous['id']}`{where}:")
        examples = previous.get("examples") or {}
        changed = [FieldChange.from_json(c) for c in previous.get("changed", ())]
        for field in changed:
            line = f"  - `{_cell(field_line(field))}`"
            counted = examples.get(field.field.split()[0])
            if isinstance(counted, dict):
                line += (
                    f": {_num(counted['added'])} examples added, "
                    f"{_num(counted['removed'])} removed (an edited example counts as both)"
                )
            lines.append(line)
        if not changed:
            lines.append("  - no input changed (trained again on request)")
    deployments = details.get("deployments") or []
    if deployments:
        lines.append(f"- Deployments affected: {', '.join(f'`{a}`' for a in deployments)}")
    lines.append("")
    return lines


def render_markdown(plan: Plan) -> str:
    counts = plan.summary
    lines = [
        f"## reconciler plan: stack `{plan.stack}`",
        "",
        "| create | update | replace | delete | wait |",
        "|---:|---:|---:|---:|---:|",
        f"| {counts['create']} | {counts['update']} | {counts['replace']} "
        f"| {counts['delete']} | {counts['wait']} |",
        "",
    ]
    if plan.errors:
        lines += [f"### ❌ Errors ({len(plan.errors)}): this plan cannot be applied", ""]
        for issue in plan.errors:
            where = f"`{issue.location}` " if issue.location else ""
            what = f"`{issue.address}`: " if issue.address else ""
            lines.append(f"- {where}{what}{_cell(issue.message)}")
        lines.append("")
    destructive = [c for c in ordered(plan.changes) if c.destructive]
    if destructive:
        lines += ["### ⚠️ Destructive changes", ""]
        lines += _change_table(destructive, mark=True)
        lines.append("")
    others = [c for c in ordered(plan.changes) if shown(c) and not c.destructive]
    if others:
        lines += ["### Changes", ""]
        lines += _change_table(others, mark=False)
        lines.append("")
    if not plan.has_changes and not plan.errors:
        lines += [nothing_to_do_line(plan), ""]
    failed = failed_jobs_line(plan)
    if failed is not None:
        lines += [f"⚠️ {failed}", ""]
    jobs = [c for c in plan.changes if trains_later(c)]
    if jobs:
        lines += ["### Jobs", ""]
        for change in jobs:
            lines += _job_section(change)
    return "\n".join(lines).rstrip("\n") + "\n"


def render_drift_markdown(stack: str, items: list[DriftItem]) -> str:
    lines = [f"## reconciler drift: stack `{stack}`", ""]
    if not items:
        lines.append("No drift: Azure matches what reconciler made.")
        return "\n".join(lines) + "\n"
    count = len(items)
    lines += [
        f"{count} {'difference' if count == 1 else 'differences'} between Azure and what "
        "reconciler made:",
        "",
        "| address | kind | cause |",
        "|---|---|---|",
    ]
    for item in sorted_items(items):
        lines.append(f"| `{item.address}` | {item.kind.value} | {_cell(item.cause)} |")
    return "\n".join(lines) + "\n"
