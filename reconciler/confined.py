"""Reading a file only when it is a regular file inside a root (SPEC.md §5.1).

Every spec file and dataset the tool reads is opened here. The path is resolved (symlinks
followed) and must land inside the root; the resolved path is then walked from the root one
component at a time with ``O_NOFOLLOW``, its last component checked with ``lstat`` (a FIFO,
a device or a socket is refused before it is opened), opened non-blocking, and the opened
descriptor compared with what was checked. A symlink swapped in between fails the walk or the
comparison, so nothing outside the root is ever read, not even its first byte.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reconciler.errors import ReconcilerError
from reconciler.project import is_inside
from reconciler.quoting import quote

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Non-blocking: a FIFO swapped in after the check must not hang the open (fstat refuses it).
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class RefusedFile(ReconcilerError):
    """A file the tool does not read; the message says why (never what it holds)."""


def _lexical(path: Path) -> str:
    """The path as written (not resolved: a link's own name, not its target), relative to the
    working directory when below it, quoted as any spec value is (a path may come from a spec
    or from the environment: cut, or named by its variable)."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return quote(absolute if relative.startswith("..") else relative, plain=True)


def describe_refusal(path: Path, root: Path, what: str) -> str | None:
    """Why ``path`` may not be read as ``what`` (e.g. "dataset file"), or None; reads nothing."""
    try:
        confined_stat(path, root, what)
    except RefusedFile as exc:
        return str(exc)
    return None


def confined_stat(path: Path, root: Path, what: str = "file") -> os.stat_result:
    """``lstat`` of the regular file ``path`` resolves to inside ``root``; RefusedFile if none."""
    (parent_fd, _name), checked = _walk_and_stat(path, root, what)
    os.close(parent_fd)
    return checked


def open_confined(path: Path, root: Path, what: str = "file") -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file inside ``root``."""
    (parent_fd, name), checked = _walk_and_stat(path, root, what)
    try:
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=parent_fd)
        except OSError as exc:
            raise _refusal(path, what, exc) from None
    finally:
        os.close(parent_fd)
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
        checked.st_dev,
        checked.st_ino,
    ):
        os.close(fd)
        raise RefusedFile(f"{what} {_lexical(path)} changed while it was being opened; not read")
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
    return os.fdopen(fd, "rb")


@dataclass(frozen=True)
class RootedPath:
    """A file to read, and the root it must stay inside (the project root, or the cache for
    the parts of a split dataset)."""

    path: Path
    root: Path

    def open(self, what: str = "dataset file") -> BinaryIO:
        return open_confined(self.path, self.root, what)

    def stat(self, what: str = "dataset file") -> os.stat_result:
        return confined_stat(self.path, self.root, what)


def _walk_and_stat(path: Path, root: Path, what: str) -> tuple[tuple[int, str], os.stat_result]:
    """(an fd of the resolved file's folder, its name) and the file's lstat, after every check;
    the caller closes the fd."""
    try:
        shown = _lexical(path)
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(path))
    except (OSError, ValueError) as exc:  # a NUL byte, a link loop
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise RefusedFile(f"invalid {what} path: {reason}") from None
    if not is_inside(real, real_root) or real == real_root:
        raise RefusedFile(
            f"{what} {shown} resolves outside the project root {real_root}; it is not read"
            if real != real_root
            else f"{what} {shown} is a directory, not a file"
        )
    *folders, name = real.relative_to(real_root).parts
    try:
        fd = os.open(real_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _refusal(path, what, exc) from None
    try:
        for folder in folders:
            next_fd = os.open(folder, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        checked = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except OSError as exc:
        os.close(fd)
        raise _refusal(path, what, exc) from None
    if not stat.S_ISREG(checked.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(checked.st_mode) else "not a regular file"
        raise RefusedFile(f"{what} {shown} is {kind}; it is not read")
    return (fd, name), checked


def _refusal(path: Path, what: str, exc: OSError) -> RefusedFile:
    shown = _lexical(path)
    if exc.errno == errno.ENOENT:
        return RefusedFile(f"{what} not found: {shown}")
    if exc.errno == errno.ENAMETOOLONG:
        return RefusedFile(f"invalid {what} path {shown}: {exc.strerror}")
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        # The resolved path held no symlink a moment ago: something was swapped meanwhile.
        return RefusedFile(f"{what} {shown} changed while it was being opened; not read")
    return RefusedFile(f"cannot read {what} {shown}: {exc.strerror or exc}")
