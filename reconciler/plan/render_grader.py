"""A reinforcement job's grader in one line, for the plan (the whole object is in its JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def grader_summary(grader: Mapping[str, Any]) -> str:
    kind = str(grader.get("type"))
    head = f"{kind} {grader.get('name')!r}"
    if kind == "string_check":
        return f"{head}: {grader.get('input')} {grader.get('operation')} {grader.get('reference')}"
    if kind == "text_similarity":
        return (
            f"{head}: {grader.get('evaluation_metric')} of {grader.get('input')} "
            f"against {grader.get('reference')}"
        )
    if kind in ("score_model", "label_model"):
        return f"{head} by {grader.get('model')}"
    if kind == "multi":
        parts = ", ".join(
            f"{key} ({sub.get('type')})"
            for key, sub in dict(grader.get("graders") or {}).items()
            if isinstance(sub, Mapping)
        )
        return f"{head} = {grader.get('calculate_output')} over {parts}"
    return head
