"""Helpers of the shared-lock tests: checkouts of one stack in separate folders (so no local
flock can make them exclude each other), `reconciler apply` runs as processes whose output is
read while they run, and a look at the lock blob through the real azure-storage-blob client."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import yaml
from azure.storage.blob import BlobClient, BlobServiceClient

from reconciler.emulator.process import RunningEmulator
from tests.integration.apply.apply_support import chat_lines, deployment, job, make_stack

from .azurite import Azurite

ROOT = Path(__file__).resolve().parents[3]
CONNECTION_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING"


def checkout(root: Path, stack: str, container: str, azurite: Azurite) -> Path:
    """A repository (``.git``) with the stack's spec and ``lock:`` in ``root``; returns the spec
    directory. Every checkout of one ``stack`` holds the same spec and data."""
    (root / ".git").mkdir(parents=True)
    spec = make_stack(
        root / "specs",
        stack,
        datasets={f"{stack}-train": chat_lines(f"{stack} parrots")},
        jobs={stack: job(f"{stack}-train")},
        deployments={f"{stack}-swc": deployment("swc", {"job": stack})},
        accounts=("swc",),
    ).root
    lock = {
        "lock": {
            "azure_blob": {
                "account_url": azurite.account_url,
                "container": container,
                "connection_string_env": CONNECTION_VARIABLE,
            }
        }
    }
    (spec / "lock.yaml").write_text(yaml.safe_dump(lock), encoding="utf-8")
    return spec


def run_env(
    emulator: RunningEmulator, azurite: Azurite, root: Path, **extra: str
) -> dict[str, str]:
    """The environment of one runner: the emulator, its own cache, the lock's secret."""
    env = {
        **os.environ,
        "RECONCILER_EMULATOR": str(emulator.data_dir),
        "RECONCILER_CACHE_DIR": str(root / "cache"),
        "NO_PROXY": "127.0.0.1,localhost",
        CONNECTION_VARIABLE: azurite.connection_string(),
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "NO_COLOR"):
        if name not in extra:
            env.pop(name, None)
    return env


class Run:
    """``reconciler ARGS`` as a process; its output (stdout and stderr) read while it runs."""

    def __init__(self, args: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reconciler", *args],
            env=dict(env),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.ended: float | None = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_for(self, text: str, timeout: float = 60) -> bool:
        """True once ``text`` shows in the output; False if the process ends or time is up."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while text not in "".join(self._lines):
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reader.is_alive()):
                    return text in "".join(self._lines)
                self._changed.wait(min(left, 0.1))
        return True

    def finish(self, timeout: float = 120) -> int:
        code = self.process.wait(timeout)
        self.ended = time.monotonic()
        self._reader.join(10)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.finish(30)


def apply_args(spec: Path, *more: str) -> list[str]:
    return ["apply", str(spec), "--auto-approve", *more]


def lock_blob(azurite: Azurite, container: str, stack: str) -> BlobClient:
    service = BlobServiceClient.from_connection_string(azurite.connection_string())
    return service.get_blob_client(container, f"{stack}.lock")


def lease_state(blob: BlobClient) -> str:
    """``leased``, ``available`` (released), ``expired``, ``broken`` …, or ``missing``."""
    if not blob.exists():
        return "missing"
    return str(blob.get_blob_properties().lease.state)


def wait_until_held(blob: BlobClient, timeout: float = 60) -> dict[str, str]:
    """The holder's metadata, once the blob is leased and names its holder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if blob.exists():
            properties = blob.get_blob_properties()
            if str(properties.lease.state) == "leased" and properties.metadata.get("owner"):
                return dict(properties.metadata)
        time.sleep(0.05)
    raise AssertionError("the lock blob was never leased with a holder")
