"""Drift for people and machines: text for a terminal, JSON for scripts (docs/drift.md), and
markdown as the body of an issue a scheduled workflow opens, updates and closes.

The markdown's first line is stable so that a workflow can match it: ``## Drift in stack `X` ``
when there is drift, ``## No drift in stack `X` `` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.plan.drift import DriftCause, DriftItem, DriftReport, sorted_items
from reconciler.plan.render_json import dump
from reconciler.plan.render_text import _paint, short

# What to do about each cause (markdown "How to fix"; docs/drift.md says the same).
FIXES: dict[DriftCause, str] = {
    DriftCause.DELETED_BY_USER: (
        "`reconciler apply` creates it again; if the deletion was meant, remove the entry from "
        "the spec instead."
    ),
    DriftCause.REMOVED_BY_SERVICE: (
        "`reconciler apply` deploys it again (the model is kept). Azure removes DeveloperTier "
        "deployments 24 hours after creation and other fine-tuned deployments after 15 days "
        "without inference: use another sku for a deployment that must stay."
    ),
    DriftCause.CHANGED: (
        "`reconciler plan` shows the update that puts back what the spec says; apply it, or "
        "change the spec to what Azure holds."
    ),
    DriftCause.NOT_OWNED: (
        "reconciler never changes a deployment without the stack's tag: adopt it with "
        "`reconciler import`, or give the spec entry another name."
    ),
    DriftCause.EXTRA: (
        "not in the spec: `reconciler apply` deletes it; add it back to the spec to keep it."
    ),
    DriftCause.JOB_FAILED: (
        "fix what the job's error names, then `reconciler plan --replace ADDRESS` and apply to "
        "train it again."
    ),
    DriftCause.JOB_CANCELLED: ("`reconciler plan --replace ADDRESS` and apply to train it again."),
    DriftCause.FILE_DELETED: (
        "`reconciler apply` uploads it again; the job still training may fail without it."
    ),
    DriftCause.UNKNOWN: (
        "`reconciler apply` creates it again; the account's Activity Log (Azure portal) may "
        "say what happened."
    ),
}


def _report(report: DriftReport | Sequence[DriftItem]) -> DriftReport:
    if isinstance(report, DriftReport):
        return report
    return DriftReport(stack="", items=tuple(report))


def render_drift_json(report: DriftReport, observed_digest: str = "") -> str:
    return dump(report.to_json(observed_digest))


def _plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def render_drift_text(report: DriftReport | Sequence[DriftItem], color: bool = False) -> str:
    """Warnings are not part of it: the CLI writes them on stderr."""
    found = _report(report)
    lines: list[str] = []
    for item in sorted_items(list(found.items)):
        # "[extra]", not "[extra: extra]": the cause is shown only when it says more
        tag = item.kind.value
        if item.cause.value != tag:
            tag += f": {item.cause.value}"
        head = f"{item.address} [{tag}]"
        lines.append(f"{_paint(head, '33', color)}: {short(item.message)}")
    if found.pending:
        if lines:
            lines.append("")
        lines.append("Pending apply (not drift: never created in Azure):")
        for item in sorted_items(list(found.pending)):
            lines.append(f"  {item.address}: {short(item.message)}")
    if lines:
        lines.append("")
    if found.items:
        lines.append(f"Drift: {_plural(len(found.items), 'difference')} found.")
    else:
        lines.append("No drift: Azure matches what reconciler made.")
    if found.pending:
        entries = "spec entry" if len(found.pending) == 1 else "spec entries"
        lines.append(f"Pending apply: {len(found.pending)} {entries} (run `reconciler apply`).")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return short(text).replace("|", "\\|").replace("\n", " ")


def render_drift_markdown(report: DriftReport) -> str:
    found = report
    name = found.stack
    lines: list[str] = []
    if found.items:
        lines += [
            f"## Drift in stack `{name}`",
            "",
            f"{_plural(len(found.items), 'difference')} between Azure and what reconciler made:",
            "",
            "| address | kind | cause | what happened |",
            "|---|---|---|---|",
        ]
        for item in sorted_items(list(found.items)):
            lines.append(
                f"| `{item.address}` | {item.kind.value} | {item.cause.value} | "
                f"{_cell(item.message)} |"
            )
    else:
        lines += [f"## No drift in stack `{name}`", "", "Azure matches what reconciler made."]
    if found.pending:
        lines += ["", f"### Pending apply ({len(found.pending)}): not drift", ""]
        for item in sorted_items(list(found.pending)):
            lines.append(f"- `{item.address}`: {_cell(item.message)}")
    causes = sorted({item.cause for item in found.items}, key=lambda c: c.value)
    if causes:
        lines += ["", "### How to fix", ""]
        for cause in causes:
            lines.append(f"- **{cause.value}**: {FIXES[cause]}")
    if found.warnings:
        lines.append("")
        for warning in found.warnings:
            lines.append(f"> ⚠️ {_cell(warning)}")
    return "\n".join(lines) + "\n"
