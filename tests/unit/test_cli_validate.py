"""`reconciler validate`: offline, without variable values, and as JSON for scripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "examples" / "clippy"


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example stack, in a project of its own, with no Azure variables set."""
    (tmp_path / ".git").mkdir()
    copy = tmp_path / "specs"
    shutil.copytree(EXAMPLE, copy)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "RECONCILER_ALLOW_ENV"):
        monkeypatch.delenv(name, raising=False)
    return copy


def test_validate_needs_no_variable_values_and_notes_the_unset_ones(stack: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "specs"])
    assert result.exit_code == 0, result.output
    assert "error" not in result.stderr
    assert (
        "specs/stack.yaml:8:22: note: environment variable AZURE_SUBSCRIPTION_ID is not set"
        in result.stderr
    )
    assert "2 note(s)" in result.stdout
    assert "dataset clippy-train: 22 examples" in result.stdout


def test_validate_still_reports_every_other_error_without_the_values(stack: Path) -> None:
    stack_file = stack / "stack.yaml"
    text = stack_file.read_text(encoding="utf-8").replace("rg-ft", "rg/ft", 1)
    stack_file.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "specs"])
    assert result.exit_code == 1
    assert "specs/stack.yaml:9:21: error: accounts.swc.resource_group" in result.stderr


def test_an_unallowed_variable_is_still_an_error_in_validate(stack: Path) -> None:
    stack_file = stack / "stack.yaml"
    text = stack_file.read_text(encoding="utf-8").replace("rg-ft", "${env:HOME}", 1)
    stack_file.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "specs"])
    assert result.exit_code == 1
    assert "error: environment variable HOME is not allowed" in result.stderr


def test_plan_still_requires_the_values(stack: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", "specs"])
    assert result.exit_code == 1
    assert "error: environment variable AZURE_SUBSCRIPTION_ID is not set" in result.stderr


def test_validate_json_lists_errors_warnings_and_datasets_each_at_its_place(stack: Path) -> None:
    jobs = stack / "jobs.yaml"
    jobs.write_text(
        jobs.read_text(encoding="utf-8").replace("n_epochs: 3", "n_epochs: 0"), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["validate", "specs", "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # only JSON on stdout
    assert set(doc) >= {"errors", "warnings", "datasets"}
    [error] = doc["errors"]
    assert error["place"] == "specs/jobs.yaml:9:33"
    assert (error["path"], error["line"], error["col"]) == ("specs/jobs.yaml", 9, 33)
    assert "n_epochs must be an integer from 1 to 50" in error["message"]
    assert {w["place"] for w in doc["warnings"]} == {
        "specs/data/clippy-train.jsonl",
        "specs/data/clippy-valid.jsonl",
    }
    assert all("only" in w["message"] for w in doc["warnings"])
    assert [n["place"] for n in doc["notes"]] == ["specs/stack.yaml:8:22", "specs/stack.yaml:12:22"]
    train = doc["datasets"]["clippy-train"]
    assert (train["examples"], train["format"], train["path"]) == (
        22,
        "chat",
        "specs/data/clippy-train.jsonl",
    )
    assert len(train["sha256"]) == 64


def test_validate_json_of_a_valid_spec_exits_0(stack: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "specs", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["errors"] == [] and doc["valid"] is True
    assert sorted(doc["datasets"]) == ["clippy-train", "clippy-valid"]


@pytest.mark.parametrize("command", ["validate", "plan", "drift", "show"])
def test_a_directory_without_a_spec_is_an_error_that_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """The tool's state folder (.reconciler/cache) is made only when there is data to cache."""
    (tmp_path / ".git").mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECONCILER_CACHE_DIR", raising=False)
    result = CliRunner().invoke(cli, [command, "empty"])
    assert result.exit_code == 1
    assert "no *.yaml or *.yml files in the spec directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "empty"]
    assert list(empty.iterdir()) == []
