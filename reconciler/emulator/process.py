"""Start an emulator in a subprocess (tests, demos, benchmarks) and stop it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from reconciler.emulator_connection import EmulatorConnection, load_connection

_START_TIMEOUT = 20.0


class EmulatorStartError(RuntimeError):
    pass


class RunningEmulator:
    def __init__(self, process: subprocess.Popen[str], data_dir: Path, endpoint: str) -> None:
        self.process = process
        self.data_dir = data_dir
        self.endpoint = endpoint
        self.connection: EmulatorConnection = load_connection(data_dir)
        # Keep draining stdout so the server never blocks on a full pipe.
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    def _read_rest(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait; SIGKILL if it does not stop. Returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        return int(self.process.returncode)

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_emulator(
    data_dir: Path,
    seed: Path | None = None,
    *,
    speed: float = 1.0,
    latency_ms: int = 0,
    provision_seconds: float = 2.0,
    port: int = 0,
) -> RunningEmulator:
    """Spawn ``python -m reconciler emulator serve`` and wait for its ready line."""
    data_dir = Path(data_dir)
    command = [
        sys.executable,
        "-m",
        "reconciler",
        "emulator",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--speed",
        repr(float(speed)),
        "--latency-ms",
        str(int(latency_ms)),
        "--provision-seconds",
        repr(float(provision_seconds)),
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    endpoint = _wait_ready(process)
    assert process.stderr is not None
    # stderr (the server's log) is forwarded to ours so failures in tests are visible.
    threading.Thread(target=_forward, args=(process.stderr,), daemon=True).start()
    return RunningEmulator(process, data_dir, endpoint)


def _forward(stream: object) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sys.stderr.write(line)


def _wait_ready(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("ready "):
                found.append(line.split(" ", 1)[1].strip())
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while reader.is_alive() and time.monotonic() < deadline:
        reader.join(0.02)
    if found:
        return found[0]
    if process.poll() is None:
        process.kill()
    process.wait()
    errors = process.stderr.read() if process.stderr is not None else ""
    raise EmulatorStartError(
        f"the emulator did not start (exit status {process.returncode}):\n{errors.strip()}"
    )
