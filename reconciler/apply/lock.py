"""One apply per stack at a time: the ``StackLock`` interface and its local-file backend.

``StackLock.acquire(timeout, on_wait)`` returns a ``LockHandle`` (a context manager; leaving it
releases the lock). While another apply holds the lock, ``on_wait`` is called once with
"waiting for the lock on stack clippy held by alice@ci-runner-3 (pid 4242) since
2026-11-23T09:12:00Z"; after ``timeout`` seconds (``--lock-timeout``) ``LockError`` says who
holds it.

``LocalFileLock`` keeps ``<project root>/.reconciler/locks/<stack>.lock`` (the project root, not
the working directory: applies started from two folders of one checkout exclude each other).
Its folders are made and its file opened without following symlinks (``state_dir``): a
committed ``.reconciler/locks/<stack>.lock -> ~/.bashrc`` is an error naming it, never
truncated. Mutual exclusion comes from
``fcntl.flock`` on that file, not from its existence: the kernel drops the lock when the holder's
process ends, however it ends (SIGKILL included), so a stale lock never blocks anyone and there
is nothing to clean up. The file's content, JSON ``{owner, host, pid, started_at, command}``
written by the holder, is only for showing to whoever waits. The file is never deleted: removing
it would let one process lock the unlinked file while another locks a new one.

flock locks a machine's local files; runners that share no disk need a shared backend: the Azure
Blob lease backend (``blob_lock.BlobLeaseLock``, SPEC.md §5.6) behind the same interface.
``stack_lock.hold_stack_lock`` picks the backend the spec asks for.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import json
import math
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType

from reconciler.apply.progress import utc_stamp
from reconciler.errors import LockError
from reconciler.state_dir import open_file, open_file_readonly

POLL_SECONDS = 0.1


@dataclass(frozen=True)
class LockHolder:
    owner: str  # user@host
    host: str
    pid: int
    started_at: str  # 2026-11-23T09:12:00Z
    command: str = ""
    run_url: str = ""  # the CI run (GitHub Actions, Azure Pipelines), when there is one

    def describe(self) -> str:
        """``alice@ci-runner-3 (pid 4242) since 2026-11-23T09:12:00Z``, then the CI run when
        known (``, run https://github.com/o/r/actions/runs/1``)."""
        text = f"{self.owner} (pid {self.pid}) since {self.started_at}"
        return f"{text}, run {self.run_url}" if self.run_url else text

    @staticmethod
    def from_json(text: str) -> LockHolder | None:
        """The holder a lock file names, or None when it is empty or unreadable."""
        try:
            doc = json.loads(text)
            return LockHolder(
                owner=str(doc["owner"]),
                host=str(doc.get("host", "")),
                pid=int(doc["pid"]),
                started_at=str(doc.get("started_at", "")),
                command=str(doc.get("command", "")),
                run_url=str(doc.get("run_url", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None


def default_owner() -> str:
    """``user@host`` of this process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (containers)
        user = f"uid{os.getuid()}"
    return f"{user}@{socket.gethostname()}"


class LockHandle:
    """A held lock; ``release()`` (or leaving the ``with`` block) gives it up. Idempotent.

    ``check()`` raises ``LockLostError`` once the lock is no longer held (a lease can be lost;
    a flock cannot), and ``lost`` then says why."""

    def __init__(self, stack: str, holder: LockHolder, release: Callable[[], None]) -> None:
        self.stack = stack
        self.holder = holder
        self._release = release
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._release()

    @property
    def released(self) -> bool:
        return self._released

    def check(self) -> None:
        """Raise ``LockLostError`` if the lock is no longer held (never, for a file lock)."""

    @property
    def lost(self) -> str | None:
        """Why the lock was lost while held, or None."""
        return None

    def __enter__(self) -> LockHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class StackLock(ABC):
    """Exclusive right to apply one stack. Backends: local file (now), Azure Blob lease (later)."""

    stack: str

    @abstractmethod
    def acquire(
        self,
        timeout: float,
        on_wait: Callable[[str], None] | None = None,
    ) -> LockHandle:
        """Hold the lock, waiting up to ``timeout`` seconds (0: do not wait; inf: forever).

        ``on_wait`` is called once, with a sentence naming the holder, if the lock is busy.
        Raises LockError naming the holder when the time is up.
        """

    @abstractmethod
    def release(self) -> None:
        """Release the lock this object holds, if any."""

    def __enter__(self) -> LockHandle:
        return self.acquire(math.inf)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_path(root: Path, stack: str) -> Path:
    """Where the local lock of ``stack`` lives: ``<root>/.reconciler/locks/<stack>.lock``."""
    return root / ".reconciler" / "locks" / f"{stack}.lock"


class LocalFileLock(StackLock):
    """The lock as a flock'd file (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        owner: str | None = None,
        *,
        stack: str | None = None,
        command: str = "",
        anchor: Path | None = None,
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.path = path
        # The trusted folder below which no symlink is followed (the project root).
        self.anchor = anchor if anchor is not None else path.parent
        self.owner = owner or default_owner()
        self.stack = stack or path.name.removesuffix(".lock")
        self.command = command
        self._poll = poll_seconds
        self._clock = clock
        self._sleep = sleep
        self._fd: int | None = None
        self._handle: LockHandle | None = None

    def holder(self) -> LockHolder | None:
        """Who the lock file names (the current holder while the lock is held)."""
        try:
            fd = open_file_readonly(self.anchor, self.path)
            with os.fdopen(fd, "rb") as stream:
                return LockHolder.from_json(stream.read().decode("utf-8", "replace"))
        except OSError:
            return None

    def _who(self) -> str:
        holder = self.holder()
        # Between the holder's flock and its write the file can still be empty.
        return holder.describe() if holder is not None else "another process"

    def _try_lock(self, fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def acquire(
        self,
        timeout: float,
        on_wait: Callable[[str], None] | None = None,
    ) -> LockHandle:
        if self._handle is not None and not self._handle.released:
            raise LockError(f"the lock on stack {self.stack} is already held by this process")
        fd = open_file(self.anchor, self.path, os.O_RDWR | os.O_CREAT)
        try:
            deadline = self._clock() + max(0.0, timeout)
            told = False
            while not self._try_lock(fd):
                if self._clock() >= deadline:
                    waited = (
                        f"gave up after {timeout:g} s (--lock-timeout)"
                        if timeout > 0
                        else "not waiting (--lock-timeout 0; --lock-timeout SECONDS waits for it)"
                    )
                    raise LockError(
                        f"error: the lock on stack {self.stack} is held by {self._who()}; {waited}"
                    )
                if not told and on_wait is not None:
                    told = True
                    on_wait(f"waiting for the lock on stack {self.stack} held by {self._who()}")
                self._sleep(self._poll)
            holder = LockHolder(
                owner=self.owner,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=utc_stamp(time.time()),
                command=self.command,
            )
            os.ftruncate(fd, 0)
            record = {k: v for k, v in asdict(holder).items() if k != "run_url" or v}
            os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._handle = LockHandle(self.stack, holder, self._unlock)
        return self._handle

    def _unlock(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            # Emptied first so nobody shows a finished apply as the holder.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.release()
