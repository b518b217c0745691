"""`-v` and `--quiet` on every command; the SDK's log output only at `-v`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.apply.context import ApplyContext, ExecOptions
from reconciler.apply.progress import Progress
from reconciler.apply.scheduler import TaskContext
from reconciler.azure.clients import Clients
from reconciler.azure.target import Target
from reconciler.cli import cli
from reconciler.errors import ThrottledError
from reconciler.plan import Desired, Observed

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specs" / "examples" / "clippy"
CASE = ROOT / "tests" / "cases" / "fresh-stack"


def _without_credentials(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AZURE_", "IDENTITY_", "MSI_", "RECONCILER_", "MSAL_"))
    }
    env.update(
        AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000001",
        AZURE_CONFIG_DIR=str(tmp_path / "az"),
        HOME=str(tmp_path),
        RECONCILER_CACHE_DIR=str(tmp_path / "cache"),
    )
    return env


def _plan(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *flags, "plan", str(EXAMPLE)],
        env=_without_credentials(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_credentials_plan_prints_only_its_own_one_line_error(tmp_path: Path) -> None:
    result = _plan(tmp_path)
    assert result.returncode == 1
    assert "no Azure credential found" in result.stderr
    assert "DefaultAzureCredential failed" not in result.stderr
    assert "EnvironmentCredential" not in result.stderr


def test_at_v_the_credential_details_are_shown_too(tmp_path: Path) -> None:
    result = _plan(tmp_path, "-v")
    assert result.returncode == 1
    assert "DefaultAzureCredential failed" in result.stderr
    assert "no Azure credential found" in result.stderr


@pytest.mark.parametrize(
    "args", [["-v", "-q", "validate"], ["validate", "--verbose", "--quiet"], ["schema", "-q", "-v"]]
)
def test_verbose_and_quiet_exclude_each_other(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "exclude each other" in result.output


@pytest.mark.parametrize(
    "args", [["-q", "validate", str(EXAMPLE)], ["validate", "-q", str(EXAMPLE)]]
)
def test_quiet_validate_prints_only_the_result(args: list[str]) -> None:
    result = CliRunner().invoke(
        cli, args, env={"AZURE_SUBSCRIPTION_ID": "0" * 8 + "-0000-0000-0000-" + "0" * 12}
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [f"{EXAMPLE}: valid (2 warning(s))"]


def test_without_quiet_validate_shows_warnings_and_datasets() -> None:
    env = {"AZURE_SUBSCRIPTION_ID": "0" * 8 + "-0000-0000-0000-" + "0" * 12}
    result = CliRunner().invoke(cli, ["validate", str(EXAMPLE)], env=env)
    assert "warning:" in result.output and "dataset clippy-train" in result.output


class _Logged(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.updates: list[str] = []

    def log(self, message: str) -> None:
        self.lines.append(message)

    def task_update(self, task_id: str, message: str, fraction: float | None = None) -> None:
        self.updates.append(message)


def _retry_once(show_retries: bool) -> _Logged:
    target = Target("https://management.invalid")
    app = ApplyContext(
        desired=Desired.from_json(json.loads((CASE / "desired.json").read_text())),
        observed=Observed.from_json(json.loads((CASE / "observed.json").read_text())),
        access={},
        clients=Clients(target),
        target=target,
        dataset_paths={},
        replace=frozenset(),
        options=ExecOptions(show_retries=show_retries),
    )
    progress = _Logged()
    ctx = TaskContext("deployment.a", threading.Event(), {}, progress)
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ThrottledError("TooManyRequests: slow down", operation="PUT x", status=429)
        return "ok"

    ctx.sleep = lambda _s: None  # type: ignore[method-assign]
    assert app.call(ctx, "PUT deployment a", flaky) == "ok"
    return progress


def test_at_v_every_retry_after_a_429_gets_its_own_line() -> None:
    progress = _retry_once(show_retries=True)
    assert len(progress.lines) == 1
    assert progress.lines[0].startswith("deployment.a: PUT deployment a: retry 1 in ")
    assert "429 TooManyRequests: slow down" in progress.lines[0]


def test_without_v_a_retry_is_only_the_tasks_status() -> None:
    progress = _retry_once(show_retries=False)
    assert progress.lines == []
    assert progress.updates and progress.updates[0].startswith("retry 1 in ")
