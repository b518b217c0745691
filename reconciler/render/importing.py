"""What ``reconciler import`` prints: the tags it adds and the files it recognised (stdout),
progress and warnings (stderr), then what was done."""

from __future__ import annotations

from reconciler.commands.import_ import ImportOutcome, ImportPlan
from reconciler.plan import Action
from reconciler.quoting import quote
from reconciler.render.console_listener import ConsoleListener


def render_import_plan(plan: ImportPlan) -> str:
    lines: list[str] = []
    for note in plan.notes:
        lines.append(f"  = {note}")
    if plan.has_changes:
        if lines:
            lines.append("")
        where = "in Azure only tags change" if plan.deployments else "nothing changes in Azure"
        lines.append(f"Import into stack {plan.stack} ({where}):")
    for adoption in plan.deployments:
        lines.append(
            f"  ~ {adoption.address}: deployment {adoption.name} in {adoption.account_name}"
        )
        for tag, value in adoption.added.items():
            before = adoption.previous.get(tag)
            if before is None:
                lines.append(f"      + tag {tag} = {quote(value)}")
            else:
                lines.append(f"      ~ tag {tag} = {quote(before)} → {quote(value)}")
        kept = sorted(k for k in adoption.previous if k not in adoption.added)
        also = f" and its other tags ({', '.join(kept)})" if kept else ""
        lines.append(f"      nothing else changes: model, sku, every other property{also} stay")
        lines.extend(_then(plan, adoption.address))
    for item in plan.files:
        size = f"{item.file.bytes} bytes" if item.file.bytes is not None else "size not given"
        lines.append(
            f"  + {item.address}: {item.file.id} ({quote(item.file.filename)}, {size}) in "
            f"{item.account_name} holds the content of dataset {item.dataset}"
        )
        lines.append(
            "      recorded in the local cache (nothing changes in Azure): plan uses this file "
            "instead of uploading"
        )
        lines.extend(_then(plan, item.address))
    if plan.has_changes:
        lines.append("")
        lines.append(f"Import: {_counts(plan)}.")
    else:
        lines.append("Nothing to import.")
    return "\n".join(lines) + "\n"


def _counts(plan: ImportPlan) -> str:
    parts = []
    if plan.deployments:
        n = len(plan.deployments)
        parts.append(f"{n} deployment{'s' if n != 1 else ''} to tag")
    if plan.files:
        n = len(plan.files)
        parts.append(f"{n} file{'s' if n != 1 else ''} to record")
    return ", ".join(parts)


def _then(plan: ImportPlan, address: str) -> list[str]:
    found = plan.then.get(address)
    if found is None:
        return []
    action, reason = found
    if action is Action.NO_OP:
        return [f"      then plan: no change ({reason})"]
    return [f"      then plan: {action.value} ({reason})"]


def render_import_end(outcome: ImportOutcome) -> str:
    if not outcome.done:
        return ""
    plan = outcome.plan
    done = []
    if plan.deployments:
        n = len(plan.deployments)
        done.append(f"{n} deployment{'s' if n != 1 else ''} tagged")
    recorded = [f for f in plan.files if f.address not in outcome.unrecorded]
    if recorded:
        n = len(recorded)
        done.append(f"{n} file{'s' if n != 1 else ''} recorded")
    lines = [f"Imported: {', '.join(done) or 'nothing'}."]
    for address in outcome.unrecorded:
        lines.append(
            f"warning: {address}: the local cache could not be written; plan will not know "
            "the file (run import again)"
        )
    return "\n".join(lines) + "\n"


class ConsoleImport(ConsoleListener):
    """An ``ImportListener`` writing to ``out`` and ``err``."""

    def planned(self, plan: ImportPlan, *, asks: bool) -> None:
        if asks or not self.quiet:
            self.out.write(render_import_plan(plan))
            self.out.flush()

    def progress(self, message: str) -> None:
        if not self.quiet:
            self.err.write(f"{message}\n")
            self.err.flush()
