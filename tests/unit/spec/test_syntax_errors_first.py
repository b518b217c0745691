"""A file that is not YAML is reported first, and the "unknown" references it causes are not."""

from __future__ import annotations

from .conftest import Reader
from .support import HEAD, messages

DEPLOYMENTS = """\
deployments:
  dep: {account: swc, model: {job: j}, sku: {name: Standard, capacity: 1}}
"""
BROKEN_JOBS = """\
jobs:
  j:
    account: swc
    model: gpt-4.1-mini-2025-04-14
    training_data: {d
"""


def test_a_syntax_error_comes_first_and_its_names_are_not_reported_unknown(read: Reader) -> None:
    files = {"a.yaml": HEAD + DEPLOYMENTS, "b.yaml": BROKEN_JOBS}
    _, diagnostics = read(files)
    lines = messages(diagnostics)
    assert lines[0].startswith("spec/b.yaml:") and "invalid YAML" in lines[0]
    assert not [line for line in lines if "unknown job" in line]


def test_a_wrong_reference_is_still_an_error_when_every_file_parses(read: Reader) -> None:
    fixed = BROKEN_JOBS.replace("{d", "d") + "datasets:\n  d: {path: d.jsonl}\n"
    _, diagnostics = read(
        {"a.yaml": HEAD + DEPLOYMENTS.replace("job: j", "job: k"), "b.yaml": fixed, "d.jsonl": ""}
    )
    assert any("deployments.dep.model: unknown job 'k'" in line for line in messages(diagnostics))
