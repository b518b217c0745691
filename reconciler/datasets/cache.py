"""The on-disk cache: file hashes, validation results and splits.

Layout under ``cache_root()``::

    sha256/<sha1 of the absolute path>.json   {"path", "size", "mtime_ns", "sha256"}
    reports/<sha256>-<options key>.json       a validation result (see ``scan.ScanResult``)
    splits/<sha256>-<split key>.json          the files a split produced
    tiktoken/                                  tokenizer vocabularies (see ``tokens``)

Every write goes to a temporary file renamed into place, so a reader never sees half an
entry; an entry that cannot be read or parsed is treated as missing. The cache only saves
time: failing to write it is not an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from reconciler.errors import Diagnostic, Location, SpecError

CACHE_ENV = "RECONCILER_CACHE_DIR"


def cache_root() -> Path:
    """``$RECONCILER_CACHE_DIR``, else ``.reconciler/cache`` in the working directory."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path.cwd() / ".reconciler" / "cache"


def stat_file(path: Path, display: str) -> os.stat_result:
    """``os.stat`` of a dataset, as a located error when it is missing or not a file."""
    try:
        result = path.stat()
    except FileNotFoundError as exc:
        raise SpecError([Diagnostic.error("dataset file not found", Location(display))]) from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or exc
        raise SpecError(
            [Diagnostic.error(f"cannot read the file: {reason}", Location(display))]
        ) from exc
    if stat.S_ISDIR(result.st_mode):
        raise SpecError([Diagnostic.error("is a directory, not a JSONL file", Location(display))])
    if not stat.S_ISREG(result.st_mode):
        raise SpecError([Diagnostic.error("is not a regular file", Location(display))])
    return result


def unchanged(path: Path, before: os.stat_result) -> bool:
    try:
        after = path.stat()
    except OSError:
        return False
    return (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def write_atomic(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` through a temporary file and a rename; False on failure."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except OSError:
        Path(temp).unlink(missing_ok=True)
        return False
    return True


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _sha_entry(self, path: Path) -> tuple[Path, str]:
        absolute = str(path.absolute())
        name = hashlib.sha1(absolute.encode("utf-8", "surrogateescape")).hexdigest()
        return self.root / "sha256" / f"{name}.json", absolute

    def sha256_for(self, path: Path, current: os.stat_result) -> str | None:
        """The remembered sha256 if the file still has the size and mtime it had then."""
        entry, absolute = self._sha_entry(path)
        data = self.read_json(entry)
        if data is None:
            return None
        sha = data.get("sha256")
        if (
            data.get("path") == absolute
            and data.get("size") == current.st_size
            and data.get("mtime_ns") == current.st_mtime_ns
            and isinstance(sha, str)
            and len(sha) == 64
        ):
            return sha
        return None

    def remember_sha256(
        self, path: Path, before: os.stat_result, sha256: str, bytes_read: int
    ) -> None:
        """Remember a hash computed from a read that started at ``before``, if still valid."""
        if bytes_read != before.st_size or not unchanged(path, before):
            return  # the file changed while we read it: the hash may be of neither version
        entry, absolute = self._sha_entry(path)
        record = {
            "path": absolute,
            "size": before.st_size,
            "mtime_ns": before.st_mtime_ns,
            "sha256": sha256,
        }
        self.write_json(entry, record)

    def entry(self, kind: str, name: str) -> Path:
        return self.root / kind / f"{name}.json"

    @staticmethod
    def read_json(entry: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(entry.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def write_json(entry: Path, data: dict[str, Any]) -> bool:
        return write_atomic(entry, json.dumps(data, separators=(",", ":")).encode())
