"""The stack lock shared by CI runners: a lease on an Azure blob (SPEC.md §5.6).

``BlobLeaseLock`` implements ``StackLock`` over ``azure.blob_lease.LeaseBlob``:

- acquire: a lease of ``lease_seconds`` (60 by default, the longest finite lease Azure gives;
  15 is the shortest) on ``<container>/<stack>.lock``. While another run holds it, the holder's
  metadata (owner, host, pid, start, command, CI run URL) is shown once to whoever waits, and
  the lease is tried again every ``poll_seconds`` until ``--lock-timeout``; then ``LockError``
  names the holder.
- held: a daemon thread renews the lease every third of its duration, so two renewals can fail
  before it could expire. A renewal Azure refuses for good (the lease was broken by hand, or
  expired and was taken) marks the lock lost at once; one that could not reach Azure is retried
  every few seconds until the lease might have expired (measured from the last renewal that
  succeeded, counted from when its request was sent), and then the lock is lost too. Losing it
  is said at once on stderr (``report``).
- writes: ``check()`` (the write gate calls it before every request that changes Azure)
  renews the lease right then, so a lease broken by hand stops apply before its very next write
  with ``LockLostError``, even between two scheduled renewals.
- release (the end of apply, an error, Ctrl-C): the metadata is cleared and the lease released,
  so the next run gets in at once. A process killed outright releases nothing; its lease ends
  by itself within ``lease_seconds``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

from reconciler.apply.lock import LockHandle, LockHolder, StackLock, default_owner
from reconciler.apply.progress import utc_stamp
from reconciler.azure.blob_lease import LeaseBlob, LeaseGone
from reconciler.errors import LockError, LockLostError

DEFAULT_LEASE_SECONDS = 60
MIN_LEASE_SECONDS = 15  # Azure's shortest lease (Lease Blob: 15 to 60 s, or infinite)
MAX_LEASE_SECONDS = 60
POLL_SECONDS = 0.5
RETRY_SECONDS = 2.0
# A renewal is trusted to have extended the lease only from when its request was sent; this
# margin covers clock drift between here and Azure, and a slow answer.
SAFETY_SECONDS = 2.0
# Azure metadata values are ASCII header values; each kept short (8 KiB for all of them).
MAX_METADATA_CHARS = 256


def ci_run_url(environ: Mapping[str, str]) -> str:
    """The URL of the CI run this process belongs to (GitHub Actions, Azure Pipelines), or ""."""
    server = environ.get("GITHUB_SERVER_URL", "")
    repository = environ.get("GITHUB_REPOSITORY", "")
    run = environ.get("GITHUB_RUN_ID", "")
    if server and repository and run:
        return f"{server.rstrip('/')}/{repository}/actions/runs/{run}"
    collection = environ.get("SYSTEM_COLLECTIONURI", "")
    project = environ.get("SYSTEM_TEAMPROJECT", "")
    build = environ.get("BUILD_BUILDID", "")
    if collection and project and build:
        return f"{collection.rstrip('/')}/{project}/_build/results?buildId={build}"
    return ""


def _metadata_value(text: str) -> str:
    """``text`` as a metadata value: printable ASCII, at most MAX_METADATA_CHARS."""
    clean = "".join(c if " " <= c <= "~" else "?" for c in text)
    return clean if len(clean) <= MAX_METADATA_CHARS else clean[: MAX_METADATA_CHARS - 3] + "..."


def holder_metadata(holder: LockHolder) -> dict[str, str]:
    fields = {
        "owner": holder.owner,
        "host": holder.host,
        "pid": str(holder.pid),
        "started_at": holder.started_at,
        "command": holder.command,
        "run_url": holder.run_url,
    }
    return {key: _metadata_value(value) for key, value in fields.items() if value}


def holder_from_metadata(metadata: Mapping[str, str]) -> LockHolder | None:
    """The holder a lock blob's metadata names (written by another run: shown, cut, no more)."""
    if "owner" not in metadata:
        return None
    try:
        pid = int(metadata.get("pid", "0"))
    except ValueError:
        pid = 0
    return LockHolder(
        owner=_metadata_value(metadata["owner"]),
        host=_metadata_value(metadata.get("host", "")),
        pid=pid,
        started_at=_metadata_value(metadata.get("started_at", "")),
        command=_metadata_value(metadata.get("command", "")),
        run_url=_metadata_value(metadata.get("run_url", "")),
    )


class LeaseHandle(LockHandle):
    """A held lease: ``check()`` confirms it before a write; ``lost`` says why it is gone."""

    def __init__(self, lock: BlobLeaseLock, holder: LockHolder) -> None:
        super().__init__(lock.stack, holder, lock._release_lease)
        self._lock = lock

    def check(self) -> None:
        self._lock.confirm()

    @property
    def lost(self) -> str | None:
        return self._lock.lost


class BlobLeaseLock(StackLock):
    """The lock as a lease on a blob (see the module docstring)."""

    def __init__(
        self,
        blob: LeaseBlob,
        *,
        stack: str,
        command: str = "",
        owner: str | None = None,
        lease_seconds: int = DEFAULT_LEASE_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        environ: Mapping[str, str] | None = None,
        report: Callable[[str], None] = lambda _message: None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not MIN_LEASE_SECONDS <= lease_seconds <= MAX_LEASE_SECONDS:
            raise ValueError(f"a lease lasts {MIN_LEASE_SECONDS} to {MAX_LEASE_SECONDS} s")
        self.blob = blob
        self.stack = stack
        self.command = command
        self.owner = owner or default_owner()
        self.lease_seconds = lease_seconds
        self._poll = poll_seconds
        self._environ = environ if environ is not None else os.environ
        self._report = report
        self._clock = clock
        self._sleep = sleep
        self._mutex = threading.Lock()  # one call to the blob at a time
        self._lease_id: str | None = None
        self._renewed_at = 0.0  # clock() when the last successful renewal was sent
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self._handle: LeaseHandle | None = None

    # -- acquire ---------------------------------------------------------------------------

    def _who(self) -> str:
        record = self.blob.read_holder()
        holder = holder_from_metadata(record.metadata)
        if holder is not None:
            return holder.describe()
        # Between a holder's lease and its metadata write the blob names nobody yet.
        return "another run (it has not written its name yet)"

    def acquire(
        self,
        timeout: float,
        on_wait: Callable[[str], None] | None = None,
    ) -> LockHandle:
        if self._handle is not None and not self._handle.released:
            raise LockError(f"the lock on stack {self.stack} is already held by this process")
        deadline = self._clock() + max(0.0, timeout)
        told = False
        while True:
            sent = self._clock()
            lease_id = self.blob.try_acquire(self.lease_seconds)
            if lease_id is not None:
                break
            if self._clock() >= deadline:
                waited = (
                    f"gave up after {timeout:g} s (--lock-timeout)"
                    if timeout > 0
                    else "not waiting (--lock-timeout 0; --lock-timeout SECONDS waits for it)"
                )
                raise LockError(
                    f"error: the lock on stack {self.stack} is held by {self._who()} (a lease on "
                    f"{self.blob.where}); {waited}"
                )
            if not told and on_wait is not None:
                told = True
                on_wait(
                    f"waiting for the lock on stack {self.stack} held by {self._who()} "
                    f"(a lease on {self.blob.where})"
                )
            self._sleep(self._poll)
        holder = LockHolder(
            owner=self.owner,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=utc_stamp(time.time()),
            command=self.command,
            run_url=ci_run_url(self._environ),
        )
        try:
            self.blob.write_holder(lease_id, holder_metadata(holder))
        except BaseException:
            with contextlib.suppress(LockError):
                self.blob.release(lease_id)
            raise
        self._lease_id = lease_id
        self._renewed_at = sent
        self._lost = None
        self._stop.clear()
        self._renewer = threading.Thread(
            target=self._renew_loop, name=f"lease-renewal-{self.stack}", daemon=True
        )
        self._renewer.start()
        self._handle = LeaseHandle(self, holder)
        return self._handle

    # -- held ------------------------------------------------------------------------------

    @property
    def lost(self) -> str | None:
        return self._lost

    def _renew_loop(self) -> None:
        period = self.lease_seconds / 3
        wait = period
        while not self._stop.wait(wait):
            with self._mutex:
                if self._lost is not None or self._lease_id is None:
                    return
                wait = period if self._renew() else RETRY_SECONDS
                if self._lost is not None:
                    return

    def _renew(self) -> bool:
        """Renew now (the caller holds the mutex); False when Azure could not be asked."""
        assert self._lease_id is not None
        sent = self._clock()
        try:
            self.blob.renew(self._lease_id)
        except LeaseGone as exc:
            self._mark_lost(str(exc))
            return False
        except LockError as exc:
            expires = self._renewed_at + self.lease_seconds - SAFETY_SECONDS
            if self._clock() >= expires:
                self._mark_lost(
                    f"the lease on {self.blob.where} could not be renewed for "
                    f"{self.lease_seconds} s and may have expired ({exc})"
                )
            return False
        self._renewed_at = sent
        return True

    def _mark_lost(self, reason: str) -> None:
        self._lost = reason
        self._report(
            f"error: lost the lock on stack {self.stack}: {reason}. Another run may be applying "
            "this stack now; this apply sends no further change to Azure."
        )

    def confirm(self) -> None:
        """Raise ``LockLostError`` unless the lease is held; renews it first (the write gate)."""
        with self._mutex:
            if self._lost is None and self._lease_id is not None:
                self._renew()
            if self._lost is not None:
                raise LockLostError(
                    f"not sent: the lock on stack {self.stack} was lost ({self._lost})"
                )

    # -- release ---------------------------------------------------------------------------

    def release(self) -> None:
        if self._handle is not None:
            self._handle.release()

    def _release_lease(self) -> None:
        self._stop.set()
        renewer, self._renewer = self._renewer, None
        if renewer is not None and renewer is not threading.current_thread():
            renewer.join(timeout=30)
        with self._mutex:
            lease_id, self._lease_id = self._lease_id, None
            if lease_id is None or self._lost is not None:
                return
            try:
                self.blob.release(lease_id)
            except LockError as exc:
                self._report(
                    f"warning: could not release the lock on stack {self.stack} ({exc}); it "
                    f"frees itself within {self.lease_seconds} s"
                )

    def __repr__(self) -> str:
        return f"BlobLeaseLock({self.blob.where}, lease {self.lease_seconds} s)"
