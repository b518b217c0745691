"""A reinforcement job's grader in one line, for the plan (the whole object is in its JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reconciler.quoting import cut

# Each value from the spec is cut well within SPEC.md §5.1's 80 characters.
_PART = 40


def grader_summary(grader: Mapping[str, Any]) -> str:
    def value(key: str) -> str:
        return cut(str(grader.get(key)), _PART)

    kind = value("type")
    head = f"{kind} '{value('name')}'"
    if kind == "string_check":
        return f"{head}: {value('input')} {value('operation')} {value('reference')}"
    if kind == "text_similarity":
        return (
            f"{head}: {value('evaluation_metric')} of {value('input')} against {value('reference')}"
        )
    if kind in ("score_model", "label_model"):
        return f"{head} by {value('model')}"
    if kind == "multi":
        parts = ", ".join(
            f"{cut(str(key), _PART)} ({cut(str(sub.get('type')), _PART)})"
            for key, sub in dict(grader.get("graders") or {}).items()
            if isinstance(sub, Mapping)
        )
        return f"{head} = {value('calculate_output')} over {parts}"
    return head
