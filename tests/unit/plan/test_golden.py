"""Golden planner cases: tests/cases/<case>/{desired,observed}.json (+ replace.txt) → expected.json.

`drift-*` cases hold the expected drift JSON instead of a plan. Each case's description.txt
says what a person expects; expected.txt is the text rendering, for review.
UPDATE_GOLDEN=1 rewrites expected files: read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.plan import (
    Desired,
    Observed,
    Plan,
    drift,
    drift_json,
    plan,
    render_drift_text,
    render_text,
)
from reconciler.plan.drift import DriftItem

CASES = Path(__file__).resolve().parents[2] / "cases"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "desired.json").is_file())


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _run(case: Path) -> tuple[dict[str, Any], str]:
    desired = Desired.from_json(_load(case / "desired.json"))
    observed = Observed.from_json(_load(case / "observed.json"))
    if case.name.startswith("drift-"):
        items = drift(desired, observed)
        return drift_json(desired.stack, items, observed.digest()), render_drift_text(items)
    replace_file = case / "replace.txt"
    replace = frozenset(
        line.strip()
        for line in (replace_file.read_text().splitlines() if replace_file.exists() else [])
        if line.strip()
    )
    result = plan(desired, observed, replace=replace)
    return result.to_json(), render_text(result)


def test_there_are_cases() -> None:
    names = {p.name for p in _case_dirs()}
    assert len(names) >= 30
    assert {"fresh-stack", "nothing-changed", "untagged-collision", "drift-none"} <= names


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_golden(case: Path) -> None:
    actual, text = _run(case)
    expected_json = case / "expected.json"
    expected_text = case / "expected.txt"
    if UPDATE:
        expected_json.write_text(_dump(actual), encoding="utf-8")
        expected_text.write_text(text, encoding="utf-8")
    assert expected_json.exists(), f"{case.name}: no expected.json (run with UPDATE_GOLDEN=1)"
    description = (case / "description.txt").read_text().strip()
    assert actual == _load(expected_json), f"{case.name}: {description}"
    assert text == expected_text.read_text(encoding="utf-8"), f"{case.name}: text rendering"


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
        items = [DriftItem.from_json(i) for i in expected["drift"]]
        assert drift_json(expected["stack"], items, expected["observed_digest"]) == expected
    else:
        assert Plan.from_json(expected).to_json() == expected
