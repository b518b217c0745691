"""The command line's contract: commands registered, exit codes, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reconciler import __version__
from reconciler.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "examples" / "clippy"


def test_help_lists_every_command_of_the_spec() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("validate", "plan", "apply", "drift", "show", "schema", "emulator"):
        assert f"\n  {command} " in result.output, command


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_console_script_runs_as_a_module() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reconciler", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "emulator" in proc.stdout


@pytest.mark.parametrize("args", [["--format", "xml"], ["--no-such-flag"]])
def test_usage_errors_exit_nonzero_without_traceback(args: list[str]) -> None:
    result = CliRunner().invoke(cli, ["plan", *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_example_stack_has_the_required_shape() -> None:
    merged: dict[str, dict[str, object]] = {}
    for path in sorted(EXAMPLE.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in doc.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
    assert len(merged["accounts"]) == 2
    assert len(merged["jobs"]) == 1
    assert len(merged["deployments"]) == 2
    for name in ("clippy-train", "clippy-valid"):
        lines = (EXAMPLE / "data" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) >= 10


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--formt", "json"],
        ["--bogus"],
        ["emulator", "serve", "--nope"],
        ["apply", "--timeout", "abc"],
        ["drift", "a", "b"],
        ["plan", "--format", "yaml"],
    ],
)
def test_a_usage_error_exits_1_never_2_which_means_changes_or_drift(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "Usage:" in result.output or "Error:" in result.output


def test_a_usage_error_keeps_click_s_suggestion() -> None:
    result = CliRunner().invoke(cli, ["plan", "--formt", "json"])
    assert result.exit_code == 1
    assert "Did you mean" in result.output and "--format" in result.output
