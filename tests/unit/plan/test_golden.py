"""Golden planner cases: tests/cases/<case>/{desired,observed}.json (+ replace.txt) → expected.json.

`drift-*` cases hold the expected drift JSON instead of a plan. Each case's description.txt
says what a person expects; expected.txt is the text rendering, for review; expected.md, where a
case has one, is the pull-request comment (`plan --format markdown`), for review too.
UPDATE_GOLDEN=1 rewrites expected files: read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.cost.prices import prices_with_override
from reconciler.plan import (
    Desired,
    Observed,
    Plan,
    drift_report,
    plan,
    render_drift_markdown,
    render_drift_text,
    render_markdown,
    render_text,
)
from reconciler.plan.drift import DriftReport

CASES = Path(__file__).resolve().parents[2] / "cases"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "desired.json").is_file())


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _run(case: Path) -> tuple[dict[str, Any], str, str]:
    desired = Desired.from_json(_load(case / "desired.json"))
    observed = Observed.from_json(_load(case / "observed.json"))
    if case.name.startswith("drift-"):
        report = drift_report(desired, observed)
        return (
            report.to_json(observed.digest()),
            render_drift_text(report),
            render_drift_markdown(report),
        )
    replace_file = case / "replace.txt"
    replace = frozenset(
        line.strip()
        for line in (replace_file.read_text().splitlines() if replace_file.exists() else [])
        if line.strip()
    )
    # optional: what `plan --prices prices.yaml` counts the cost with
    prices = case / "prices.yaml"
    table = prices_with_override(prices if prices.exists() else None, case)
    result = plan(desired, observed, replace=replace, prices=table)
    return result.to_json(), render_text(result), render_markdown(result)


def test_there_are_cases() -> None:
    names = {p.name for p in _case_dirs()}
    assert len(names) >= 30
    assert {"fresh-stack", "nothing-changed", "untagged-collision", "drift-none"} <= names


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_golden(case: Path) -> None:
    actual, text, markdown = _run(case)
    expected_json = case / "expected.json"
    expected_text = case / "expected.txt"
    expected_markdown = case / "expected.md"
    if UPDATE:
        expected_json.write_text(_dump(actual), encoding="utf-8")
        expected_text.write_text(text, encoding="utf-8")
        if expected_markdown.exists():
            expected_markdown.write_text(markdown, encoding="utf-8")
    assert expected_json.exists(), f"{case.name}: no expected.json (run with UPDATE_GOLDEN=1)"
    description = (case / "description.txt").read_text().strip()
    assert actual == _load(expected_json), f"{case.name}: {description}"
    assert text == expected_text.read_text(encoding="utf-8"), f"{case.name}: text rendering"
    if expected_markdown.exists():
        assert markdown == expected_markdown.read_text(encoding="utf-8"), f"{case.name}: markdown"


def test_there_are_markdown_goldens() -> None:
    """The pull-request comment is reviewed as a golden on a few telling cases."""
    names = {p.name for p in _case_dirs() if (p / "expected.md").is_file()}
    assert {"dataset-edited", "checkpoint-deployment", "entry-removed", "ptu-off-step"} <= names


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_inputs_round_trip(case: Path) -> None:
    """Desired and Observed JSON survive from_json → to_json → from_json unchanged."""
    desired = Desired.from_json(_load(case / "desired.json"))
    assert Desired.from_json(desired.to_json()) == desired
    observed = Observed.from_json(_load(case / "observed.json"))
    again = Observed.from_json(observed.to_json())
    assert again == observed
    assert again.digest() == observed.digest()


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_expected_output_parses_back(case: Path) -> None:
    expected = _load(case / "expected.json")
    if case.name.startswith("drift-"):
        report = DriftReport.from_json(expected)
        assert report.to_json(expected["observed_digest"]) == expected
    else:
        assert Plan.from_json(expected).to_json() == expected
