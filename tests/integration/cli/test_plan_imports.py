"""What `reconciler plan` loads: reads go over the standard library, so a plan's process never
imports the SDKs or their HTTP stacks (issue #15: their imports cost more than the reads).

The modules a process imported are read from ``python -X importtime`` (one line per module on
stderr): no timing is asserted, only which modules were loaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import Cli

# Loaded by the SDK clients (writes, openai's downloads) and by the wire log's hooks into them.
SDK_MODULES = (
    "openai",
    "httpx2",
    "httpcore2",
    "azure.core",
    "azure.mgmt",
    "azure.identity",
    "msal",
    "requests",
    "urllib3",
)


def imported(cli: Cli, *args: str) -> tuple[int, set[str]]:
    """The exit code and the modules imported by ``reconciler ARGS`` without a wire log."""
    env = {k: v for k, v in cli.env.items() if k != "RECONCILER_LOG_HTTP"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reconciler", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cli.stack.parent,
        timeout=120,
        check=False,
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return proc.returncode, names


def sdk_modules(names: set[str]) -> list[str]:
    return sorted(n for n in names if n.split(".")[0] in SDK_MODULES or n.startswith(SDK_MODULES))


def test_a_plan_imports_no_sdk_and_no_http_stack_of_theirs(cli: Cli) -> None:
    code, names = imported(cli, "plan", cli.stack.name, "--detailed-exitcode")
    assert code in (0, 2)
    assert "reconciler.azure.https_json" in names  # it did read Azure
    assert "reconciler.azure.observe" in names
    assert sdk_modules(names) == []
    assert "reconciler.azure.wire_log" not in names  # with its hooks into the SDKs


def test_the_check_sees_them_when_they_are_loaded(cli: Cli, tmp_path: Path) -> None:
    """The wire log hooks into the SDK clients, so asking for it loads them: the same reading
    of the process's imports finds them then."""
    log = tmp_path / "wire.jsonl"
    code, names = imported(cli, "plan", cli.stack.name, "--log-http", str(log))
    assert code == 0
    assert "reconciler.azure.wire_log" in names
    assert {"httpx2", "azure.core"} <= set(sdk_modules(names))
    assert log.read_text(encoding="utf-8").count('"kind":"request"') > 0
