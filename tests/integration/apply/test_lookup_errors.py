"""Azure's answer about a spec's account points at the spec line, like every other error."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from reconciler.cli import cli

from .apply_support import Admin, chat_lines, job, make_stack


def test_an_account_azure_does_not_have_is_reported_at_its_spec_line(
    env: dict[str, str], admin: Admin, tmp_path: Path
) -> None:
    stack = make_stack(
        tmp_path / "spec",
        "lookup",
        datasets={"lookup-train": chat_lines("lookup maps")},
        jobs={"lookup": job("lookup-train")},
        accounts=("swc",),
    )
    stack.accounts = {"swc": {**stack.accounts["swc"], "name": "aoai-nowhere"}}
    stack.write()
    result = CliRunner().invoke(cli, ["plan", str(stack.root)], env=env)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "aoai-nowhere" in line]
    assert lines, result.output
    assert re.match(
        r"^\S*stack\.yaml:\d+:\d+: error: find account swc: no account aoai-nowhere in resource "
        r"group rg-ft",
        lines[-1],
    ), lines[-1]
