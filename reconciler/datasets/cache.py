"""The on-disk cache: file hashes, validation results and splits.

Layout under ``cache_root()``::

    sha256/<sha1 of the absolute path>.json   {"path", "size", "mtime_ns", "sha256", "of"}
    reports/<sha256>-<options key>.json       a validation result (``report.ScanResult``)
    scans/<sha256>-<core key>.json            what it is without the token limit
    scans/<sha256>-<core key>.tokens          (line, longest conversation's tokens) per example
    digests/<sha256>-<core key>.bin           the example digests, sorted (``digest_set``)
    splits/<sha256>-<split key>.json          the files a split produced
    tiktoken/                                  tokenizer vocabularies (see ``tokens``)

Every write goes to a temporary file renamed into place, so a reader never sees half an
entry; an entry that cannot be read or parsed is treated as missing. The cache only saves
time: failing to write it is not an error. It is never written or read through a symlink
(``state_dir``): a symlink where one of its folders should be is an ``UnsafePathError``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from reconciler.confined import RefusedFile, confined_stat
from reconciler.errors import Diagnostic, Location, SpecError
from reconciler.project import STATE_DIR
from reconciler.state_dir import ensure_dir, read_file
from reconciler.state_dir import write_atomic as write_state

CACHE_ENV = "RECONCILER_CACHE_DIR"

# What a remembered sha256 is of: the canonical bytes (``canonical``). Entries written before,
# of the file's own bytes, differ for a CRLF file and are not used.
CANONICAL = "lf"


def cache_root(project: Path) -> Path:
    """``$RECONCILER_CACHE_DIR`` (the user's explicit choice, trusted as given), else
    ``<project root>/.reconciler/cache``, made a real folder: a symlink on the way is an
    UnsafePathError naming it (other failures only cost the cache)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    root = project / STATE_DIR / "cache"
    try:
        return ensure_dir(project, root)
    except OSError:
        return root


def stat_file(path: Path, display: str, root: Path) -> os.stat_result:
    """``lstat`` of a dataset that resolves to a regular file inside ``root``, else a located
    error (nothing of the file is read)."""
    try:
        return confined_stat(path, root, "dataset file")
    except RefusedFile as exc:
        raise SpecError([Diagnostic.error(str(exc), Location(display))]) from None


def unchanged(path: Path, before: os.stat_result) -> bool:
    try:
        after = path.stat()
    except OSError:
        return False
    return (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def write_atomic(anchor: Path, target: Path, data: bytes | bytearray) -> bool:
    """Write ``data`` to ``target`` (below ``anchor``) atomically; False on failure."""
    try:
        write_state(anchor, target, data)
    except OSError:
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
            and data.get("of") == CANONICAL
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
            "of": CANONICAL,
        }
        self.write_json(entry, record)

    def entry(self, kind: str, name: str) -> Path:
        return self.root / kind / f"{name}.json"

    def read_json(self, entry: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(read_file(self.root, entry))
        except (OSError, ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None

    def write_json(self, entry: Path, data: dict[str, Any]) -> bool:
        return write_atomic(self.root, entry, json.dumps(data, separators=(",", ":")).encode())

    def binary(self, kind: str, name: str, suffix: str) -> Path:
        return self.root / kind / f"{name}{suffix}"

    def read_bytes(self, entry: Path) -> bytes | None:
        try:
            return read_file(self.root, entry)
        except OSError:
            return None

    def write_bytes(self, entry: Path, data: bytes | bytearray) -> bool:
        return write_atomic(self.root, entry, data)
