"""A secret in the environment never leaves through the CLI (SPEC.md §5.1).

CI runs `plan` on pull requests with secrets in its environment. A canary secret
(``GITHUB_TOKEN``, never allowed) and a long invalid value of an allowed variable
(``RECONCILER_VAR_LONG``) are referenced from every string field of the example stack; every
command in every format runs on it against the emulator, and neither value shows up in stdout,
stderr, a plan file, the wire log, the cache, or what the emulator received and holds.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from reconciler.cli import cli as main_cli

from .conftest import EXAMPLE, Cli, Run

TOKEN = f"ghp_canary{uuid.uuid4().hex}"
LONG = "Xy8Q~canaryvar" + "k" * 3000
# The fields of the example stack a secret can be put in: (file, key path).
FIELDS: list[tuple[str, tuple[str | int, ...]]] = [
    ("stack.yaml", ("stack",)),
    ("stack.yaml", ("accounts", "swc", "subscription_id")),
    ("stack.yaml", ("accounts", "swc", "resource_group")),
    ("stack.yaml", ("accounts", "swc", "name")),
    ("stack.yaml", ("accounts", "swc", "api_key_env")),
    ("stack.yaml", ("accounts", "swc", "tenant_id")),
    ("datasets.yaml", ("datasets", "clippy-train", "path")),
    ("datasets.yaml", ("datasets", "clippy-train", "format")),
    ("jobs.yaml", ("jobs", "clippy", "account")),
    ("jobs.yaml", ("jobs", "clippy", "model")),
    ("jobs.yaml", ("jobs", "clippy", "training_data")),
    ("jobs.yaml", ("jobs", "clippy", "validation_data")),
    ("jobs.yaml", ("jobs", "clippy", "method")),
    ("jobs.yaml", ("jobs", "clippy", "suffix")),
    ("jobs.yaml", ("jobs", "clippy", "training_type")),
    ("jobs.yaml", ("jobs", "clippy", "seed")),
    ("jobs.yaml", ("jobs", "clippy", "hyperparameters", "batch_size")),
    ("deployments.yaml", ("deployments", "clippy-swc", "account")),
    ("deployments.yaml", ("deployments", "clippy-swc", "name")),
    ("deployments.yaml", ("deployments", "clippy-swc", "model")),
    ("deployments.yaml", ("deployments", "clippy-ncus", "model", "job")),
    ("deployments.yaml", ("deployments", "clippy-swc", "sku", "name")),
    ("deployments.yaml", ("deployments", "clippy-swc", "sku", "capacity")),
    ("deployments.yaml", ("deployments", "clippy-swc", "prevent_destroy")),
]
# Every command that reads a spec, in every output format.
COMMANDS: list[tuple[str, ...]] = [
    ("validate",),
    ("plan",),
    ("plan", "--format", "json"),
    ("plan", "--format", "markdown"),
    ("plan", "--detailed-exitcode"),
    ("apply", "--auto-approve"),
    ("drift",),
    ("drift", "--format", "json"),
    ("drift", "--format", "markdown"),
    ("show",),
    ("show", "--format", "json"),
]


def _leaks(text: str) -> list[str]:
    """What of the canaries ``text`` shows: the token, the long value, 81+ of its characters."""
    found = [name for name in (TOKEN, "canaryvar", "Xy8Q~") if name in text]
    if re.search(r"k{81}", text):
        found.append("81 characters of a value")
    return found


def _set(doc: dict[str, Any], path: tuple[str | int, ...], value: str) -> None:
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _stack(root: Path, values: dict[tuple[str, tuple[str | int, ...]], str]) -> Path:
    """A copy of the example stack with ``values`` written into the named fields."""
    stack = root / "clippy"
    shutil.copytree(EXAMPLE, stack)
    for file in {file for file, _ in values}:
        doc = yaml.safe_load((stack / file).read_text(encoding="utf-8"))
        for (where, path), value in values.items():
            if where == file:
                _set(doc, path, value)
        (stack / file).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return stack


@pytest.fixture
def canary_env(cli: Cli) -> dict[str, str]:
    return {**cli.env, "GITHUB_TOKEN": TOKEN, "RECONCILER_VAR_LONG": LONG}


def _run(cli: Cli, env: dict[str, str], *args: str) -> Run:
    saved = cli.env
    cli.env = env
    try:
        return cli.run(*args)
    finally:
        cli.env = saved


def _files_leaking(folder: Path) -> list[str]:
    out = []
    for path in folder.rglob("*"):
        if path.is_file() and _leaks(path.read_text(encoding="utf-8", errors="replace")):
            out.append(str(path))
    return out


@pytest.mark.parametrize("reference", ["${env:GITHUB_TOKEN}", "pre-${env:RECONCILER_VAR_LONG}"])
def test_no_command_shows_a_canary_from_any_field(
    cli: Cli, canary_env: dict[str, str], tmp_path: Path, reference: str
) -> None:
    """Every field at once: each command fails at the spec, naming variables, never values."""
    stack = _stack(tmp_path, {field: reference for field in FIELDS})
    variable = reference.partition(":")[2].rstrip("}")
    wire = tmp_path / "wire.jsonl"
    plan_file = tmp_path / "saved.plan"
    cli.clear_requests()
    runs = [_run(cli, canary_env, *command, str(stack)) for command in COMMANDS]
    runs.append(_run(cli, canary_env, "plan", str(stack), "--out", str(plan_file)))
    runs.append(_run(cli, canary_env, "plan", str(stack), "--log-http", str(wire)))
    for command, run in zip([*COMMANDS, ("plan --out",), ("plan --log-http",)], runs, strict=True):
        assert run.code == 1, (command, run.err[-2000:])
        assert not _leaks(run.out + run.err), (command, _leaks(run.out + run.err))
        assert variable in run.err, (command, run.err[-2000:])  # the variable is named
    assert not plan_file.exists()
    assert not wire.exists() or not _leaks(wire.read_text(encoding="utf-8"))
    assert _files_leaking(Path(cli.env["RECONCILER_CACHE_DIR"])) == []
    state = cli.http.get("/_emulator/state").text
    assert not _leaks(state)
    assert not _leaks(json.dumps(cli.requests()))


@pytest.mark.parametrize(("file", "path"), FIELDS, ids=[".".join(map(str, p)) for _, p in FIELDS])
def test_each_field_alone_names_the_variable(
    cli: Cli, canary_env: dict[str, str], tmp_path: Path, file: str, path: tuple[str | int, ...]
) -> None:
    """One field at a time, so that checks which run only on otherwise valid entries (references,
    catalog, datasets) see the value too; the plan posted on a pull request is markdown. In
    process (CliRunner) to keep it quick: the spec is refused before Azure is called."""
    for reference in ("${env:GITHUB_TOKEN}", "${env:RECONCILER_VAR_LONG}"):
        folder = tmp_path / reference.strip("${}:")
        stack = _stack(folder, {(file, path): reference})
        result = CliRunner().invoke(
            main_cli, ["plan", str(stack), "--format", "markdown"], env=canary_env
        )
        assert result.exit_code == 1, result.output[-2000:]
        shown = result.stdout + result.stderr
        assert not _leaks(shown), _leaks(shown)
        assert reference.strip("${}").partition(":")[2] in result.stderr


def test_a_valid_stack_with_secrets_around_leaks_nothing(
    cli: Cli, canary_env: dict[str, str], tmp_path: Path
) -> None:
    """The success path: plan, saved plan, apply and drift with the secrets set but unreferenced,
    and an allowed variable (`--allow-env`) substituted where it belongs."""
    stack = _stack(tmp_path, {("jobs.yaml", ("jobs", "clippy", "suffix")): "${env:MY_SUFFIX}"})
    env = {**canary_env, "MY_SUFFIX": "clippy-x"}
    refused = _run(cli, env, "plan", str(stack))
    assert refused.code == 1
    assert "environment variable MY_SUFFIX is not allowed" in refused.err
    wire = tmp_path / "wire.jsonl"
    plan_file = tmp_path / "saved.plan"
    planned = _run(
        cli, env, "plan", str(stack), "--allow-env", "MY_SUFFIX", "--out", str(plan_file),
        "--log-http", str(wire),
    )  # fmt: skip
    assert planned.code == 0, planned.err
    assert "clippy-x" in plan_file.read_text(encoding="utf-8")  # it is the value's purpose
    applied = _run(
        cli, {**env, "RECONCILER_ALLOW_ENV": "MY_SUFFIX"}, "apply", str(plan_file),
        "--log-http", str(wire),
    )  # fmt: skip
    assert applied.code == 0, applied.err
    drift = _run(cli, env, "drift", str(stack), "--allow-env", "MY_SUFFIX")
    everything = [planned, applied, drift]
    for run in everything:
        assert not _leaks(run.out + run.err)
    assert not _leaks(plan_file.read_text(encoding="utf-8"))
    assert not _leaks(wire.read_text(encoding="utf-8"))
    assert not _leaks(cli.http.get("/_emulator/state").text)
    assert _files_leaking(Path(cli.env["RECONCILER_CACHE_DIR"])) == []
