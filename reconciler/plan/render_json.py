"""The plan and drift as JSON (SPEC.md §3): sorted keys, two-space indent, stable bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from reconciler.errors import Diagnostic, Severity
from reconciler.plan.model import Plan, PlanIssue


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_json(plan: Plan) -> str:
    return dump(plan.to_json())


def render_spec_errors_json(diagnostics: Iterable[Diagnostic], stack: str = "") -> str:
    """The plan JSON of a spec with errors: no changes, every error at its place, so a script
    reading ``plan --format json`` gets JSON (and exit 1) whatever went wrong in the spec."""
    issues = tuple(
        PlanIssue(d.message, location=d.location)
        for d in diagnostics
        if d.severity is Severity.ERROR
    )
    return render_json(Plan(stack=stack, changes=(), errors=issues))
