"""What a newcomer reads first: `reconciler --help` and each command's --help say the exit
codes a script branches on, and docs/spec.md's table lists every exit code the CLI uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler import cli as cli_module
from reconciler.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXIT_CODES = sorted(value for name, value in vars(cli_module).items() if name.startswith("EXIT_"))


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # one line: click wraps where it likes


def test_the_top_level_help_lists_every_exit_code_and_the_import_command() -> None:
    text = _help()
    codes = re.search(r"Exit codes: (.*?)\.? Options:", text)
    assert codes is not None, text
    for code in EXIT_CODES:
        assert re.search(rf"\b{code}\b", codes.group(1)), f"exit {code} missing: {codes[1]}"
    assert re.search(r"^\s*import\s+Adopt", CliRunner().invoke(cli, ["--help"]).output, re.M)


@pytest.mark.parametrize("command", ["plan", "apply", "import", "drift", "validate"])
def test_each_command_that_decides_an_exit_code_says_it(command: str) -> None:
    text = _help(command)
    assert re.search(r"[Ee]xit (codes?: )?[0-9]", text), text


def test_the_cli_docs_table_lists_every_exit_code() -> None:
    spec = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (\d+) \|", spec, re.M))
    assert {str(code) for code in EXIT_CODES} <= rows, rows


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_drift_on_an_error_leaves_stdout_empty_as_docs_drift_md_says(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "stack.yaml").write_text(
        "stack: s\naccounts:\n  a: {subscription_id: '${env:AZURE_SUBSCRIPTION_ID}', "
        "resource_group: rg, name: acct}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["drift", "--format", fmt])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "specs/stack.yaml:3:" in result.stderr and "AZURE_SUBSCRIPTION_ID" in result.stderr
    docs = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")
    assert "stdout stays empty" in docs


def test_show_markdown_of_a_spec_directory_reads_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`show DIR --format markdown` is the state as markdown (docs/promotion.md): the spec
    directory is read, not refused for its format."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    result = CliRunner().invoke(cli, ["show", "specs", "--format", "markdown"])
    assert result.exit_code == 1
    assert "no *.yaml or *.yml files in the spec directory" in result.stderr
    assert "--format markdown" not in result.stderr


@pytest.mark.parametrize("args", [[], ["emulator"]])
def test_a_group_alone_shows_its_help_plainly_and_exits_1(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, prog_name="reconciler")
    assert result.exit_code == 1
    assert result.output.startswith("Usage: reconciler")
    assert "Error:" not in result.output and "Try 'reconciler" not in result.output
