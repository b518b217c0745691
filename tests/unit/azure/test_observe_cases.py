"""Raw Azure JSON → observed objects, as data files (the pyinfra ``tests/facts`` way).

Each folder of ``observe_cases/`` is one case:

- ``raw.json``: one of Azure's published examples, verbatim (``SOURCE.md`` says which, with the
  commit; byte for byte the copy in ``tests/contract/examples/``, which a test checks);
- ``case.json``: which reader of ``reconciler.azure.observe`` reads it and where the body is:
  ``{"read": READER, "body": "responses/200/body", …}`` (readers below);
- ``observed.json``: what the reader must make of it, as the observed types' ``to_json``. For
  ``location_models`` it is a subset (every key given must match; the rest of the output, such
  as what the package catalog adds, is left to the tests beside this one).

Add a case by adding a folder; no code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reconciler.azure.observe import (
    observed_deployment,
    observed_file,
    observed_job,
    offered_models,
    usages_of,
)
from reconciler.catalog import load_catalog

CASES = Path(__file__).resolve().parent / "observe_cases"
CATALOG = load_catalog()


def _location_models(body: Any, case: dict[str, Any]) -> Any:
    entries = body["value"]
    if case.get("entries_are") == "models":  # an account's model list: wrap as a region entry
        entries = [{"kind": "OpenAI", "model": entry} for entry in entries]
    return {m.id: m.to_json() for m in offered_models(entries, case["region"], CATALOG)}


READERS: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "deployment": lambda body, case: observed_deployment(body).to_json(),
    "usages": lambda body, case: {k: v.to_json() for k, v in usages_of(body["value"]).items()},
    "files": lambda body, case: [observed_file(f).to_json() for f in body["data"]],
    "jobs": lambda body, case: [observed_job(j).to_json() for j in body["data"]],
    "checkpoints": lambda body, case: observed_job(case["job"], body["data"]).to_json(),
    "location_models": _location_models,
}
SUBSET = frozenset({"location_models"})


def _at(document: Any, pointer: str) -> Any:
    for part in pointer.split("/"):
        document = document[part]
    return document


def _contains(actual: Any, expected: Any, where: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}/{key}: missing"
            _contains(actual[key], value, f"{where}/{key}")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def _read(folder: Path) -> tuple[dict[str, Any], Any, Any]:
    case = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    raw = json.loads((folder / "raw.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "observed.json").read_text(encoding="utf-8"))
    return case, _at(raw, case["body"]), expected


@pytest.mark.parametrize("folder", sorted(CASES.iterdir()), ids=lambda p: p.name)
def test_raw_azure_json_reads_as_observed(folder: Path) -> None:
    assert (folder / "SOURCE.md").is_file(), "every case says where its raw JSON comes from"
    case, body, expected = _read(folder)
    actual = READERS[case["read"]](body, case)
    if case["read"] in SUBSET:
        _contains(actual, expected)
    else:
        assert actual == expected


def test_raw_files_are_the_published_examples() -> None:
    """raw.json is byte for byte the copy the contract checker keeps (SOURCE.md names it)."""
    repo = CASES.parents[3]
    for folder in CASES.iterdir():
        source = (folder / "SOURCE.md").read_text(encoding="utf-8")
        copy = next(part for part in source.split("`") if part.startswith("tests/contract/"))
        assert (folder / "raw.json").read_bytes() == (repo / copy).read_bytes(), folder.name
