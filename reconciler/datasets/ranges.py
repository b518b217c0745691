"""A file cut into byte ranges at line boundaries, and a stream that reads one range only.

Every range but the first starts right after a ``\\n``, so no line (and no CRLF pair) is split
between two ranges: each can be read, checked and counted on its own, by another process.
"""

from __future__ import annotations

import io
import itertools
from typing import BinaryIO

SEEK_BLOCK = 1 << 16


def line_ranges(
    stream: BinaryIO,
    size: int,
    chunk: int,
    first_end: int = 0,
    *,
    tail_bytes: int = 0,
    tail_chunk: int = 0,
) -> list[tuple[int, int]]:
    """``[start, end)`` ranges covering ``size`` bytes, each about ``chunk`` bytes and ending
    just after a newline (the last one at the end of the file); the first ends at or after
    ``first_end``. Ranges in the last ``tail_bytes`` are about ``tail_chunk`` bytes: processes
    that take ranges in turn then finish closer together."""
    bounds = [0]
    target = max(chunk, first_end)
    while target < size:
        end = _next_line_start(stream, target, size)
        if end >= size:
            break
        bounds.append(end)
        target = end + (chunk if end < size - tail_bytes or tail_chunk <= 0 else tail_chunk)
    bounds.append(size)
    return list(itertools.pairwise(bounds))


def _next_line_start(stream: BinaryIO, offset: int, size: int) -> int:
    """The offset just after the first newline at or after ``offset - 1`` (``size`` if none)."""
    position = offset - 1  # a range may end exactly where a line ends
    stream.seek(position)
    while position < size:
        block = stream.read(SEEK_BLOCK)
        if not block:
            break
        found = block.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(block)
    return size


class RangeStream(io.RawIOBase):
    """Reads ``[start, end)`` of a binary file, then reports its end."""

    def __init__(self, raw: BinaryIO, start: int, end: int) -> None:
        super().__init__()
        self._raw = raw
        self._left = end - start
        raw.seek(start)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        if wanted <= 0:
            return b""
        data = self._raw.read(wanted)
        self._left -= len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
