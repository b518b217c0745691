"""Azurite, the Azure Storage emulator (npm ``azurite``), started by the tests themselves.

Installed by ``make node-tools`` (and ``.ci/run``) into ``.ci/node/node_modules``; ``AZURITE_BLOB``
may name another ``azurite-blob``. Missing, the tests FAIL and say how to install it: the lock
is not tested by skipping it.

Each start takes a free port on 127.0.0.1 and keeps everything in memory. The account is
Azurite's well-known development account (``devstoreaccount1`` and its published key).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
INSTALLED = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
# Azurite's published development key (its README), not a secret of anyone's.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
HOW_TO_INSTALL = (
    "Azurite is not installed: run `make node-tools` (npm install --prefix .ci/node, from "
    ".ci/node/package.json), or set AZURITE_BLOB to an azurite-blob executable"
)


def azurite_executable() -> str:
    named = os.environ.get("AZURITE_BLOB")
    if named:
        return named
    if INSTALLED.exists():
        return str(INSTALLED)
    found = shutil.which("azurite-blob")
    if found:
        return found
    pytest.fail(HOW_TO_INSTALL, pytrace=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def account_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def connection_string(self, key: str = ACCOUNT_KEY) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
            f"BlobEndpoint={self.account_url};"
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start_azurite(workdir: Path) -> Azurite:
    """Azurite's blob service on a free port, answering before this returns."""
    executable = azurite_executable()
    port = _free_port()
    command = [
        executable,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--silent",
        # azure-storage-blob may send a newer x-ms-version than this Azurite knows
        "--skipApiVersionCheck",
    ]
    log = workdir / "azurite.log"
    with log.open("wb") as sink:  # the child keeps its own descriptor
        process = subprocess.Popen(command, cwd=workdir, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"Azurite exited at start ({process.returncode}): {command}\n{said}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Azurite(process, port)
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("Azurite did not answer within 30 s")
