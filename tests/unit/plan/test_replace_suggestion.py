"""`--replace` with a slip (a bare name, a typo) is an error that names the address meant, so the
newcomer who typed `--replace clippy` learns to type `--replace job.clippy`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.plan import Desired, Observed, plan

CASE = Path(__file__).resolve().parents[2] / "cases" / "replace-unknown-address"


def _errors(replace: str) -> list[str]:
    desired = Desired.from_json(json.loads((CASE / "desired.json").read_text(encoding="utf-8")))
    observed = Observed.from_json(json.loads((CASE / "observed.json").read_text(encoding="utf-8")))
    return [issue.message for issue in plan(desired, observed, replace=frozenset({replace})).errors]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("clippy", "job.clippy"),
        ("job.clipy", "job.clippy"),
        ("clippy-swc", "deployment.clippy-swc"),
    ],
)
def test_a_slip_in_replace_suggests_the_address(typed: str, meant: str) -> None:
    assert _errors(typed) == [
        f"--replace {typed}: no such file, job or deployment in this plan; did you mean '{meant}'?"
    ]


def test_nothing_close_suggests_nothing() -> None:
    assert _errors("job.nope") == [
        "--replace job.nope: no such file, job or deployment in this plan"
    ]
