"""The plan and drift as a pull-request comment (GitHub-flavoured markdown).

A reviewer reads the top and decides whether to open the rest, so the comment starts with a
headline (what will happen, what it destroys, whether it can be applied at all), then the
counts, then what must be read: errors, dataset warnings (on stderr they never reach the pull
request), destructive changes (marked ⚠️). The other changes and one section per job to train
(base model, method, hyperparameters, data with its diff since the job serving now, estimated
billed tokens, the deployments it feeds) sit in collapsed `<details>`. The whole stays under
GitHub's comment limit: past it, the details are cut with a note saying how much was left out
and how to see it all. The plan's cost (training once, the monthly change) is in the headline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reconciler.cost.render import change_cost, cost_lines
from reconciler.errors import Diagnostic
from reconciler.kinds.job import JobAfter
from reconciler.plan.attention import failed_jobs, failed_jobs_line, nothing_to_do_line
from reconciler.plan.model import Action, Change, FieldChange, Plan
from reconciler.plan.render_grader import grader_summary
from reconciler.plan.render_reason import examples_changed, render_reason
from reconciler.plan.render_text import (
    NO_INPUT_CHANGED,
    SYMBOLS,
    checkpoint_line,
    field_line,
    ordered,
    short,
    shown,
    trains_later,
)
from reconciler.plan.smoke_test import smoke_line
from reconciler.promotion.render import promotion_markdown

# GitHub refuses a comment body longer than 65,536 characters, counted as JavaScript counts
# them (UTF-16 code units: an emoji is two).
COMMENT_LIMIT = 65_536

_ACTION_LABEL = {
    Action.CREATE: "+ create",
    Action.UPDATE: "~ update",
    Action.REPLACE: "-/+ replace",
    Action.DELETE: "- delete",
    Action.WAIT: "⏳ wait",
    Action.BLOCKED: "⊘ blocked",
    Action.NO_OP: "! no-op",
}
_VERBS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.REPLACE: "replace",
    Action.DELETE: "delete",
    Action.WAIT: "waiting",
}


def _cell(text: str) -> str:
    return short(text).replace("|", "\\|").replace("\n", " ")


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _code_list(addresses: Iterable[str]) -> str:
    return ", ".join(f"`{a}`" for a in addresses)


def comment_length(text: str) -> int:
    """The length GitHub checks against its limit (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _fields_cell(change: Change) -> str:
    if trains_later(change):
        return "see the job's section below"
    lines = [checkpoint_line(change)] + [field_line(f) for f in change.changed]
    lines.append(smoke_line(change))
    cost = change_cost(change)
    fields = [f"`{_cell(line)}`" for line in lines if line is not None]
    return "<br>".join(fields + ([f"cost: {_cell(cost)}"] if cost is not None else []))


def _change_table(changes: list[Change], *, mark: bool) -> list[str]:
    lines = ["| | address | reason | fields |", "|---|---|---|---|"]
    for change in changes:
        label = _ACTION_LABEL[change.action]
        if change.status:
            label = f"{SYMBOLS[Action.NO_OP]} {change.status}"
        if mark:
            label = f"⚠️ {label}"
        reason = _cell(render_reason(change))
        lines.append(f"| {label} | `{change.address}` | {reason} | {_fields_cell(change)} |")
    return lines


def _stats_line(label: str, dataset: str, stats: Any) -> str:
    if not isinstance(stats, dict):
        return f"- {label} `{dataset}`"
    return (
        f"- {label} `{dataset}`: {_num(stats['examples'])} examples, "
        f"{_num(stats['total_tokens'])} tokens ({_num(stats['trained_tokens'])} trained)"
    )


def _base_model(after: JobAfter) -> str:
    if after.model is not None:
        return f"`{short(after.model)}`"
    origin = after.from_job
    if origin is not None:
        epoch = origin.checkpoint
        what = f"the checkpoint of epoch {epoch}" if epoch is not None else "the model"
        return f"{what} of `job.{origin.job}`"
    return "(unknown)"


def _epochs(count: Any) -> str:
    return f"{count} epoch" if count == 1 else f"{count} epochs"


def _billed(stats: dict[str, Any]) -> str | None:
    billed = stats.get("billed_tokens_estimate")
    if billed is not None:
        return f"{_num(billed)} ({_epochs(stats.get('n_epochs'))} × the training data's tokens)"
    if stats.get("training"):
        return "depends on the number of epochs the service chooses (`n_epochs: auto`)"
    return None


def _since_lines(previous: dict[str, Any]) -> list[str]:
    serving = previous.get("serving") or []
    where = f" (serving {_code_list(serving)})" if serving else ""
    changed = [FieldChange.from_json(c) for c in previous.get("changed", ())]
    if not changed:
        return [f"- Since `{previous['id']}`{where}: {NO_INPUT_CHANGED}"]
    lines = [f"- Since `{previous['id']}`{where}:"]
    examples = previous.get("examples") or {}
    for field in changed:
        line = f"  - `{_cell(field_line(field))}`"
        counted = examples.get(field.field.split()[0])
        if isinstance(counted, dict):
            line += (
                f": {examples_changed(counted['added'], counted['removed'])} "
                "(an edited example counts as both)"
            )
        lines.append(line)
    return lines


def _job_section(change: Change) -> list[str]:
    after = change.after
    assert isinstance(after, JobAfter)
    details = change.details
    stats = details.get("stats") or {}
    lines = [f"#### `{change.address}` ({_ACTION_LABEL[change.action]})", ""]
    lines.append(f"- Base model: {_base_model(after)}")
    method = after.method or "supervised"
    training_type = after.training_type
    lines.append(f"- Method: {method}" + (f", {training_type} training" if training_type else ""))
    written = ", ".join(f"`{k}` {v}" for k, v in sorted(after.hyperparameters.items()))
    lines.append(f"- Hyperparameters: {written or '(service defaults)'}")
    training = after.training_data
    lines.append(_stats_line("Training data", training.dataset, stats.get("training")))
    validation = after.validation_data
    if validation is not None:
        lines.append(_stats_line("Validation data", validation.dataset, stats.get("validation")))
    billed = _billed(stats)
    if after.method == "reinforcement":
        lines.append("- Billed by training time, not by tokens (reinforcement fine-tuning)")
    elif billed is not None:
        lines.append(f"- Estimated billed training tokens: {billed}")
    if after.grader is not None:
        lines.append(f"- Grader: `{_cell(grader_summary(after.grader))}`")
    guard = details.get("cost_guard")
    if isinstance(guard, str):
        lines.append(f"- Cost guard: {guard}")
    previous = details.get("previous")
    if isinstance(previous, dict):
        lines += _since_lines(previous)
    deployments = details.get("deployments") or []
    if deployments:
        lines.append(f"- Deployments affected: {_code_list(deployments)}")
    cost = change_cost(change)
    if cost is not None:
        lines.append(f"- Training cost: {cost}")
    lines.append("")
    return lines


def _headline(plan: Plan, warnings: Sequence[Diagnostic]) -> list[str]:
    counts = plan.summary
    what = [f"{counts[a.value]} to {_VERBS[a]}" for a in _VERBS if a is not Action.WAIT]
    done = [part for part in what if not part.startswith("0 ")]
    if counts[Action.WAIT.value]:
        done.append(f"{counts[Action.WAIT.value]} waiting")
    if counts.get(Action.BLOCKED.value):
        done.append(f"{counts[Action.BLOCKED.value]} blocked by a gate")
    lines = []
    if plan.errors:
        count = len(plan.errors)
        lines.append(
            f"❌ **{count} {'error' if count == 1 else 'errors'}: this plan cannot be applied.**"
        )
    attention = [c for c in ordered(plan.changes) if not c.is_change and c.status]
    if done:
        lines.append(f"**Plan: {', '.join(done)}.**")
    elif not plan.errors:
        if failed_jobs(plan):
            lines.append(f"**{nothing_to_do_line(plan)}**")
        else:
            lines.append("**No changes.**" + ("" if attention else " Azure matches the spec."))
    jobs = [c for c in plan.changes if trains_later(c)]
    if jobs:
        parts = []
        for job in jobs:
            billed = (job.details.get("stats") or {}).get("billed_tokens_estimate")
            tokens = f" (~{_num(billed)} billed tokens)" if billed is not None else ""
            parts.append(f"`{job.address}`{tokens}")
        lines.append(
            f"Trains {len(jobs)} {'job' if len(jobs) == 1 else 'jobs'}: {', '.join(parts)}."
        )
    if attention:
        named = ", ".join(f"`{c.address}` {c.status}" for c in attention)
        lines.append(f"❗ **Needs attention:** {named}.")
    destructive = [c for c in ordered(plan.changes) if c.destructive]
    if destructive:
        named = ", ".join(f"`{c.address}` ({_VERBS[c.action]})" for c in destructive)
        lines.append(f"⚠️ **Destructive:** {named}.")
    if warnings:
        count = len(warnings)
        lines.append(f"⚠️ {count} dataset or spec {'warning' if count == 1 else 'warnings'} below.")
    if plan.has_changes:
        lines.extend(cost_lines(plan, code="`"))
    return ["<br>\n".join(lines), ""] if lines else []


def _details(summary: str, body: list[str]) -> list[str]:
    # GitHub renders markdown inside <details> only after a blank line
    # and ends a table only at a blank line
    closing = [] if body and body[-1] == "" else [""]
    return ["<details>", f"<summary>{summary}</summary>", "", *body, *closing, "</details>", ""]


def _render(plan: Plan, warnings: Sequence[Diagnostic]) -> str:
    counts = plan.summary
    lines = [f"## reconciler plan: stack `{plan.stack}`", ""]
    lines += _headline(plan, warnings)
    blocked = counts.get("blocked", 0)
    lines += [
        "| create | update | replace | delete | wait |" + (" blocked |" if blocked else ""),
        "|---:|---:|---:|---:|---:|" + ("---:|" if blocked else ""),
        f"| {counts['create']} | {counts['update']} | {counts['replace']} "
        f"| {counts['delete']} | {counts['wait']} |" + (f" {blocked} |" if blocked else ""),
        "",
    ]
    if plan.errors:
        lines += [f"### ❌ Errors ({len(plan.errors)}): this plan cannot be applied", ""]
        for issue in plan.errors:
            where = f"`{issue.location}` " if issue.location else ""
            what = f"`{issue.address}`: " if issue.address else ""
            lines.append(f"- {where}{what}{_cell(issue.message)}")
        lines.append("")
    if warnings:
        lines += [f"### ⚠️ Warnings ({len(warnings)})", ""]
        for warning in warnings:
            where = f"`{warning.location}` " if warning.location else ""
            lines.append(f"- {where}{_cell(warning.message)}")
        lines.append("")
    destructive = [c for c in ordered(plan.changes) if c.destructive]
    if destructive:
        lines += ["### ⚠️ Destructive changes", ""]
        lines += _change_table(destructive, mark=True)
        lines.append("")
    others = [c for c in ordered(plan.changes) if shown(c) and not c.destructive]
    if others:
        title = "Other changes" if destructive else "Changes"
        lines += _details(f"{title} ({len(others)})", _change_table(others, mark=False))
    lines += _promotions(plan)
    failed = failed_jobs_line(plan)
    if failed is not None:
        lines += [f"⚠️ {failed}", ""]
    jobs = [c for c in plan.changes if trains_later(c)]
    if jobs:
        body: list[str] = []
        for change in jobs:
            body += _job_section(change)
        noun = "job" if len(jobs) == 1 else "jobs"
        lines += _details(f"{len(jobs)} {noun} to train: data, hyperparameters, changes", body)
    return "\n".join(lines).rstrip("\n") + "\n"


def _promotions(plan: Plan) -> list[str]:
    """Deployments whose gate the plan checks or whose model a new job's replaces: in the open,
    as a reviewer decides on them (SPEC §5.8)."""
    lines: list[str] = []
    for change in ordered(plan.changes):
        body = promotion_markdown(change)
        if body:
            lines += [f"#### `{change.address}` ({_ACTION_LABEL[change.action]})", "", *body]
    return ["### Promotions", "", *lines] if lines else []


def _cut_note(lines_left: int, characters_left: int) -> str:
    return (
        f"\n**✂️ Cut here: {lines_left:,} more lines ({characters_left:,} characters) do not fit "
        f"GitHub's {COMMENT_LIMIT:,}-character comment limit.** See the whole plan with "
        "`reconciler plan --format markdown` (or `--format text`) where the spec is, or in the "
        "log of the job that posted this comment.\n"
    )


def _fit(text: str, limit: int) -> str:
    """The comment cut at a line so that it fits ``limit``, with a note on what was left out."""
    whole = comment_length(text)
    if whole <= limit:
        return text
    lines = text.splitlines(keepends=True)
    ends = [0]
    for line in lines:
        ends.append(ends[-1] + comment_length(line))
    keep = len(lines)
    while keep > 0:
        keep -= 1
        if ends[keep] > limit:  # skip quickly past what cannot fit anyway
            continue
        kept = "".join(lines[:keep])
        closers = "</details>\n" * (kept.count("<details>") - kept.count("</details>"))
        cut = kept + closers + _cut_note(len(lines) - keep, whole - ends[keep])
        if comment_length(cut) <= limit:
            return cut
    raise ValueError(f"a comment limit of {limit} leaves no room for the plan's note")


def render_markdown(
    plan: Plan, warnings: Sequence[Diagnostic] = (), *, limit: int = COMMENT_LIMIT
) -> str:
    """The plan as one pull-request comment of at most ``limit`` characters.

    ``warnings`` are the spec's and datasets' warnings (the CLI prints them on stderr, which
    a pull request never shows).
    """
    return _fit(_render(plan, warnings), limit)
