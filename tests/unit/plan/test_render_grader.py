"""A grader in the plan: one line, no spec value quoted beyond SPEC.md §5.1's 80 characters."""

from __future__ import annotations

from reconciler.kinds.job import _differences
from reconciler.plan.render_grader import grader_summary


def test_a_multigrader_is_summarised_with_its_members() -> None:
    grader = {
        "type": "multi",
        "name": "both",
        "graders": {"exact": {"type": "string_check"}, "close": {"type": "text_similarity"}},
        "calculate_output": "0.8 * exact + 0.2 * close",
    }
    assert grader_summary(grader) == (
        "multi 'both' = 0.8 * exact + 0.2 * close over exact (string_check), "
        "close (text_similarity)"
    )


def test_long_grader_texts_are_cut() -> None:
    long = "x" * 500
    grader = {
        "type": "string_check",
        "name": long,
        "input": long,
        "reference": "r",
        "operation": "eq",
    }
    summary = grader_summary(grader)
    assert "x" * 81 not in summary and "…" in summary
    ((key, then, now),) = _differences({"source": "a" + long}, {"source": "b" + long})
    assert key == "source" and len(then) <= 80 and len(now) <= 80
