"""What a plan's summary must not hide: spec jobs that failed (or were cancelled) in Azure.

A failed job is not a change (apply does not retry it on its own), so a plan can have nothing
to do while the spec is still not met; the summary says so instead of "Azure matches the spec".
"""

from __future__ import annotations

from reconciler.plan.model import Change, Plan, ResourceType

FAILED_STATUSES = ("failed", "cancelled")
NO_CHANGES = "No changes. Azure matches the spec."


def failed_jobs(plan: Plan) -> list[Change]:
    """The spec's jobs whose matching run in Azure failed or was cancelled, by address."""
    return sorted(
        (
            c
            for c in plan.changes
            if c.type is ResourceType.JOB and not c.is_change and c.status in FAILED_STATUSES
        ),
        key=lambda c: c.address,
    )


def failed_jobs_line(plan: Plan) -> str | None:
    """One sentence naming each failed job and the way to retry it, or None when none failed."""
    failed = failed_jobs(plan)
    if not failed:
        return None
    names = ", ".join(f"{c.address} {c.status}" for c in failed)
    retry = " ".join(f"--replace {c.address}" for c in failed)
    return (
        f"Not met: {names} in Azure, and a failed job is not retried on its own: fix its "
        f"inputs, or retry it with `{retry}` (plan, then apply)."
    )


def nothing_to_do_line(plan: Plan) -> str:
    """The summary of a plan without changes or errors: "matches" only when nothing failed."""
    failed = failed_jobs(plan)
    if not failed:
        return NO_CHANGES
    noun = "job" if len(failed) == 1 else "jobs"
    return f"No changes, but Azure does not match the spec: {len(failed)} {noun} failed."
