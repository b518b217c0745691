"""The corpus of specs in tests/corpus/specs: each broken one fails with its located messages.

A case is a folder holding spec files, maybe data, and ``expected.txt``: one expected message
per line, each a substring of one output line of validating the folder from inside it. Folders
named ``valid-*`` must have no errors (warnings are allowed and may be listed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.commands.validate import validate
from reconciler.errors import Severity

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "specs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000001"}


def expected_lines(case: Path) -> list[str]:
    text = (case / "expected.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_corpus_has_broken_and_valid_cases() -> None:
    assert len([c for c in CASES if c.startswith("valid-")]) >= 2
    assert len([c for c in CASES if not c.startswith("valid-")]) >= 20


@pytest.mark.parametrize("name", CASES)
def test_case(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CORPUS / name
    monkeypatch.chdir(case)
    result = validate(Path("."), cache_dir=tmp_path / "cache", environ=ENV)
    output = [str(d) for d in result.diagnostics]
    for expected in expected_lines(case):
        assert any(expected in line for line in output), f"{expected!r} not in:\n" + "\n".join(
            output
        )
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if name.startswith("valid-"):
        assert result.ok, "\n".join(output)
        assert result.spec is not None
    else:
        assert not result.ok
        assert expected_lines(case), "a broken case must say what it expects"
        # Every error names a place.
        assert all(d.location is not None and d.location.path for d in errors), output
