"""The local stack lock, contended by real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.apply.lock import LocalFileLock, LockHolder, lock_path
from reconciler.errors import LockError

ROOT = Path(__file__).resolve().parents[3]

HOLDER = """
import sys
from pathlib import Path
from reconciler.apply.lock import LocalFileLock
lock = LocalFileLock(Path(sys.argv[1]), "alice@ci-runner-3", command="reconciler apply")
handle = lock.acquire(timeout=0)
print("locked", flush=True)
sys.stdin.readline()  # hold until told (or killed)
handle.release()
print("released", flush=True)
"""


def start_holder(path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return lock_path(tmp_path, "clippy")


@pytest.fixture
def holder(path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = start_holder(path)
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)


def test_lock_path_is_under_dot_reconciler(tmp_path: Path) -> None:
    assert lock_path(tmp_path, "clippy") == tmp_path / ".reconciler" / "locks" / "clippy.lock"


def test_timeout_names_the_holder(path: Path, holder: subprocess.Popen[str]) -> None:
    told: list[str] = []
    started = time.monotonic()
    with pytest.raises(LockError) as caught:
        LocalFileLock(path, "bob@laptop").acquire(timeout=0.3, on_wait=told.append)
    assert time.monotonic() - started >= 0.3
    message = str(caught.value)
    assert message.startswith("error: the lock on stack clippy is held by alice@ci-runner-3")
    assert f"(pid {holder.pid}) since 20" in message
    assert "--lock-timeout" in message
    assert len(told) == 1
    assert told[0].startswith(
        f"waiting for the lock on stack clippy held by alice@ci-runner-3 (pid {holder.pid}) since "
    )
    assert told[0].endswith("Z")


def test_zero_timeout_fails_at_once(path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LockError, match=r"not waiting .*--lock-timeout SECONDS waits for it"):
        LocalFileLock(path, "bob@laptop").acquire(timeout=0)


def test_the_second_waits_then_gets_it_after_release(
    path: Path, holder: subprocess.Popen[str]
) -> None:
    assert holder.stdin is not None
    stdin = holder.stdin

    def release_later() -> None:
        time.sleep(0.3)
        stdin.write("\n")
        stdin.flush()

    threading.Thread(target=release_later).start()
    told: list[str] = []
    started = time.monotonic()
    lock = LocalFileLock(path, "bob@laptop", command="reconciler apply")
    with lock.acquire(timeout=10, on_wait=told.append) as handle:
        assert time.monotonic() - started >= 0.25
        assert len(told) == 1 and "alice@ci-runner-3" in told[0]
        assert holder.wait(5) == 0
        doc = json.loads(path.read_text())
        assert doc["owner"] == "bob@laptop"
        assert doc["pid"] == os.getpid()
        assert doc["command"] == "reconciler apply"
        assert set(doc) == {"owner", "host", "pid", "started_at", "command"}
        assert handle.holder.owner == "bob@laptop"
    assert path.read_text() == ""  # released: nobody shown as holding it


def test_sigkill_of_the_holder_frees_the_lock(path: Path, holder: subprocess.Popen[str]) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(5)
    # The dead holder's details are still in the file, and do not block anyone.
    stale = LocalFileLock(path, "bob@laptop").holder()
    assert stale is not None and stale.pid == holder.pid
    with LocalFileLock(path, "bob@laptop").acquire(timeout=0) as handle:
        assert handle.holder.pid == os.getpid()
        current = LockHolder.from_json(path.read_text())
        assert current is not None and current.owner == "bob@laptop"


def test_another_process_cannot_take_a_lock_we_hold(path: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from reconciler.apply.lock import LocalFileLock\n"
        "from reconciler.errors import LockError\n"
        "try:\n"
        "    LocalFileLock(Path(sys.argv[1]), 'carol@ci').acquire(timeout=0.2)\n"
        "except LockError as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with LocalFileLock(path, "bob@laptop").acquire(timeout=0):
        run = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, env=env
        )
        assert run.returncode == 3, run.stderr
        assert f"held by bob@laptop (pid {os.getpid()})" in run.stdout
    after = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, env=env)
    assert after.returncode == 0


def test_two_lock_objects_in_one_process_exclude_each_other(path: Path) -> None:
    first = LocalFileLock(path, "bob@laptop")
    second = LocalFileLock(path, "bob@laptop")
    with first, pytest.raises(LockError):
        second.acquire(timeout=0)
    with second.acquire(timeout=0):
        pass


def test_reacquiring_a_held_lock_object_is_refused(path: Path) -> None:
    lock = LocalFileLock(path, "bob@laptop")
    handle = lock.acquire(timeout=0)
    with pytest.raises(LockError, match="already held by this process"):
        lock.acquire(timeout=0)
    handle.release()
    handle.release()  # twice is harmless
    lock.acquire(timeout=0).release()


def test_an_unreadable_lock_file_still_gives_a_clear_message(path: Path) -> None:
    path.parent.mkdir(parents=True)
    with LocalFileLock(path, "bob@laptop").acquire(timeout=0):
        path.write_text("not json")
        with pytest.raises(LockError, match="held by another process"):
            LocalFileLock(path, "carol@ci").acquire(timeout=0)
