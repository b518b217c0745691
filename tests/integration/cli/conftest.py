"""The CLI as users run it, against a private emulator holding the example stack's accounts."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from reconciler.emulator.process import RunningEmulator, start_emulator

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "specs" / "examples" / "clippy"
SEED = ROOT / "demo" / "emulator-seed.yaml"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    emulator: RunningEmulator
    stack: Path
    env: dict[str, str]
    http: httpx2.Client

    def run(self, *args: str, timeout: float = 120) -> Run:
        env = dict(self.env)
        wire_log = os.environ.get("RECONCILER_LOG_HTTP")  # the contract check's, per test
        if wire_log and "RECONCILER_LOG_HTTP" not in env:
            env["RECONCILER_LOG_HTTP"] = wire_log
        proc = subprocess.run(
            [sys.executable, "-m", "reconciler", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.stack.parent,
            timeout=timeout,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def requests(self) -> list[tuple[str, str]]:
        log = self.http.get("/_emulator/requests").json()["requests"]
        return [(r["method"], r["path"]) for r in log]

    def clear_requests(self) -> None:
        self.http.delete("/_emulator/requests")


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """One emulator and one copy of the example stack per test module (tests build on the
    state earlier tests of the module left, as a user's session would)."""
    work = tmp_path_factory.mktemp("cli")
    stack = work / "clippy"
    shutil.copytree(EXAMPLE, stack)
    running = start_emulator(work / "emulator", SEED, speed=500.0, provision_seconds=2.0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update(
        RECONCILER_EMULATOR=str(running.data_dir),
        RECONCILER_CACHE_DIR=str(work / "cache"),
        AZURE_SUBSCRIPTION_ID=SUBSCRIPTION,
        NO_PROXY="127.0.0.1,localhost",
    )
    env.pop("NO_COLOR", None)
    conn = running.connection
    context = ssl.create_default_context(cafile=conn.ca_file)
    http = httpx2.Client(base_url=conn.endpoint, verify=context, timeout=30)
    try:
        yield Cli(running, stack, env, http)
    finally:
        http.close()
        running.stop()
