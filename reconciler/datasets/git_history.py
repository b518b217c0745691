"""A dataset's earlier content found in the repository's git history, by its sha256.

A plan after a data change counts the examples added and removed against the data the serving
job trained on. Their digests come from the local cache when that data was validated here; a
fresh clone (a CI runner) has no cache, but it has the data: training data lives in the
repository, so the version Azure holds is usually a blob of that file's history. It is found
by content (the canonical sha256 Azure's file is named by) among the file's last
``MAX_VERSIONS`` versions and read locally; only without it (a shallow clone, data never
committed, git missing or refusing the folder) is the old file read from Azure.

git runs with its arguments after ``--`` and object names on stdin, never through a shell;
its errors mean "not found", never a failed plan.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, cast

from reconciler.datasets.canonical import canonical_digest
from reconciler.datasets.chat_fast import line_digest
from reconciler.datasets.problems import ProblemCollector
from reconciler.datasets.reader import LineReader

MAX_VERSIONS = 100
TIMEOUT_S = 60.0


def digests_from_history(root: Path, path: Path, sha256: str, size: int) -> frozenset[bytes] | None:
    """The example digests of the version of ``path`` (inside ``root``) whose canonical bytes
    have ``sha256`` and ``size``; None when git history holds no such version."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    if "\n" in relative:
        return None  # object names are read one per line
    try:
        for blob, blob_size in _versions(git, root, relative):
            if blob_size < size:
                continue  # canonical bytes are never more than the blob's (CRLF -> LF)
            with _blob(git, root, blob) as stream:
                digest = canonical_digest(stream)
            if digest.hexdigest() == sha256 and digest.size == size:
                return _digests(git, root, blob)
    except (OSError, subprocess.SubprocessError):
        return None
    return None


def _git(git: str, root: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [git, "-C", str(root), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    return done.stdout


def _versions(git: str, root: Path, relative: str) -> list[tuple[str, int]]:
    """(blob id, size) of the file in the last commits that changed it, newest first."""
    commits = _git(git, root, "rev-list", f"--max-count={MAX_VERSIONS}", "HEAD", "--", relative)
    names = "".join(f"{commit}:{relative}\n" for commit in commits.split())
    if not names:
        return []
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    for line in _git(git, root, "cat-file", "--batch-check", stdin=names).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] not in seen:
            seen.add(parts[0])
            found.append((parts[0], int(parts[2])))
    return found


@contextmanager
def _blob(git: str, root: Path, blob: str) -> Iterator[BinaryIO]:
    process = subprocess.Popen(
        [git, "-C", str(root), "cat-file", "blob", blob],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        yield cast(BinaryIO, process.stdout)
    finally:
        process.stdout.close()
        process.kill()
        process.wait()


def _digests(git: str, root: Path, blob: str) -> frozenset[bytes]:
    digests: set[bytes] = set()
    quiet = ProblemCollector()  # a line that is not an example has no digest
    with _blob(git, root, blob) as stream:
        for _, raw in LineReader(stream, hashed=False):
            digest = line_digest(raw, quiet) if raw else None
            if digest is not None:
                digests.add(digest)
    return frozenset(digests)
