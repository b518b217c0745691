"""Writing the tool's own state (``.reconciler/``) without ever going through a symlink.

A checkout may hold a committed ``.reconciler/cache -> /somewhere`` or
``.reconciler/locks/x.lock -> ~/.bashrc``. Every folder below a trusted anchor (the project
root, or a directory the user named explicitly such as ``RECONCILER_CACHE_DIR``) is created or
opened one component at a time with ``O_NOFOLLOW``; files are opened with ``O_NOFOLLOW``, and
whole-file writes go to an ``O_EXCL`` temporary file in the same folder renamed over the target
(a rename replaces a symlink, it does not follow it). A symlink or a non-folder where a folder
is expected is an ``UnsafePathError`` naming it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from reconciler.errors import ReconcilerError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePathError(ReconcilerError):
    """A symlink (or a file) where the tool expects its own folder or file."""


def _components(anchor: Path, path: Path) -> tuple[str, ...]:
    anchor, path = Path(os.path.abspath(anchor)), Path(os.path.abspath(path))
    try:
        parts = path.relative_to(anchor).parts
    except ValueError:
        raise ValueError(f"{path} is not below {anchor}") from None
    if ".." in parts:
        raise ValueError(f"{path} is not below {anchor}")
    return parts


def open_dir(anchor: Path, path: Path, *, create: bool = True) -> int:
    """An fd of the folder ``path`` at or below ``anchor``, made one component at a time.

    ``anchor`` is trusted (created with its parents if missing); below it a symlink or a
    non-folder raises UnsafePathError naming it. The caller closes the fd.
    """
    parts = _components(anchor, path)
    if create:
        os.makedirs(anchor, exist_ok=True)
    fd = os.open(anchor, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    here = Path(anchor)
    try:
        for part in parts:
            here = here / part
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _unsafe(here, "folder") from None
                raise
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def ensure_dir(anchor: Path, path: Path) -> Path:
    """``path`` made a real folder (see ``open_dir``); returns it."""
    os.close(open_dir(anchor, path))
    return path


def open_file(anchor: Path, path: Path, flags: int, mode: int = 0o644) -> int:
    """``os.open`` of the regular file ``path`` (its folder made by ``open_dir``) with
    ``O_NOFOLLOW``; a symlink, FIFO or device there is an UnsafePathError."""
    folder = open_dir(anchor, path.parent)
    try:
        # Non-blocking so that a FIFO there cannot hang the open; fstat then refuses it.
        fd = os.open(
            path.name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode, dir_fd=folder
        )
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _unsafe(path, "file") from None
        raise
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _unsafe(path, "file")
    os.set_blocking(fd, True)
    return fd


def read_file(anchor: Path, path: Path) -> bytes:
    """The bytes of the tool's own file ``path``; a symlink there is not followed (OSError)."""
    fd = open_file_readonly(anchor, path)
    with os.fdopen(fd, "rb") as stream:
        return stream.read()


def open_file_readonly(anchor: Path, path: Path) -> int:
    folder = open_dir(anchor, path.parent, create=False)
    try:
        return os.open(path.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    finally:
        os.close(folder)


def write_atomic(anchor: Path, path: Path, data: bytes | bytearray, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through an ``O_EXCL`` temporary file renamed into place."""
    folder = open_dir(anchor, path.parent)
    temp = f".tmp-{secrets.token_hex(8)}.part"
    try:
        fd = os.open(
            temp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            mode,
            dir_fd=folder,
        )
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder)
            raise
    finally:
        os.close(folder)


def _unsafe(path: Path, kind: str) -> UnsafePathError:
    return UnsafePathError(
        f"error: {path} is a symlink or not a {kind}; reconciler keeps its state there and "
        "never writes through a symlink (remove it)"
    )
