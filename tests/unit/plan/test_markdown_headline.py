"""The markdown plan's headline, which workflows may match (docs/gitops.md): the first line is
`## reconciler plan: stack `NAME``, the third starts with exactly one of `❌ **` (errors: cannot
be applied), `**Plan: ` (changes) or `**No changes` (nothing to do), whatever else follows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.plan import Plan

CASES = Path(__file__).resolve().parents[2] / "cases"
MARKDOWN = sorted(
    p.parent for p in CASES.glob("*/expected.md") if not p.parent.name.startswith("drift-")
)


@pytest.mark.parametrize("case", MARKDOWN, ids=lambda p: p.name)
def test_the_headline_says_errors_changes_or_none_in_a_fixed_form(case: Path) -> None:
    plan = Plan.from_json(json.loads((case / "expected.json").read_text(encoding="utf-8")))
    lines = (case / "expected.md").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"## reconciler plan: stack `{plan.stack}`"
    assert lines[1] == ""
    headline = lines[2]
    starts = [s for s in ("❌ **", "**Plan: ", "**No changes") if headline.startswith(s)]
    if plan.has_errors:
        assert starts == ["❌ **"]
    elif plan.has_changes:
        assert starts == ["**Plan: "]
    else:
        assert starts == ["**No changes"]


def test_there_are_cases_of_each_form() -> None:
    forms = set()
    for case in MARKDOWN:
        headline = (case / "expected.md").read_text(encoding="utf-8").splitlines()[2]
        forms |= {s for s in ("❌ **", "**Plan: ", "**No changes") if headline.startswith(s)}
    assert forms == {"❌ **", "**Plan: ", "**No changes"}
