"""A dataset's canonical bytes: its bytes with every CRLF line ending written as LF.

Line endings are not content: a Windows checkout (``core.autocrlf``) turns a JSONL file's LFs
into CRLFs, and that must not change the dataset's identity, retrain its job and replace the
deployments. So the sha256, the size, the split and the upload are all of the canonical bytes;
an LF file's canonical bytes are its bytes, so its identity is what it always was. (Inside a
JSON line a CR can only be whitespace between tokens, so nothing a line means changes.)
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from typing import Any, BinaryIO

BLOCK_BYTES = 1 << 20


class LfNormalizer:
    """Turns a stream of blocks into canonical blocks; a CR ending a block waits for the next."""

    def __init__(self) -> None:
        self._held_cr = False

    def feed(self, block: bytes) -> bytes:
        if self._held_cr:
            block = b"\r" + block
        self._held_cr = block.endswith(b"\r")
        if self._held_cr:
            block = block[:-1]
        return block.replace(b"\r\n", b"\n")

    def end(self) -> bytes:
        """What is still held back once the input ended (a lone final CR stays a CR)."""
        held, self._held_cr = self._held_cr, False
        return b"\r" if held else b""


class CanonicalDigest:
    """The sha256 and size of the canonical bytes, fed the file's own bytes."""

    def __init__(self) -> None:
        self._normalizer = LfNormalizer()
        self._sha256 = hashlib.sha256()
        self.raw_bytes = 0  # of the file as it is on disk (to check it did not change)
        self.size = 0  # of its canonical bytes

    def update(self, block: bytes) -> bytes:
        """Feed a block of the file; returns its canonical part (for callers that read on)."""
        self.raw_bytes += len(block)
        out = self._normalizer.feed(block)
        self._add(out)
        return out

    def finish(self) -> bytes:
        """Ends the input; returns the canonical bytes still held back."""
        out = self._normalizer.end()
        self._add(out)
        return out

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()

    def _add(self, data: bytes) -> None:
        self._sha256.update(data)
        self.size += len(data)


def canonical_digest(stream: BinaryIO, block_bytes: int = BLOCK_BYTES) -> CanonicalDigest:
    """Read ``stream`` to its end; the digest of its canonical bytes."""
    digest = CanonicalDigest()
    while block := stream.read(block_bytes):
        digest.update(block)
    digest.finish()
    return digest


class CanonicalReader(io.RawIOBase):
    """A file read as its canonical bytes, for an upload: streamed, with a known length.

    ``size`` (the canonical length) comes from a first pass, so the HTTP client can send a
    Content-Length. The client learns it by seeking to the end and back (there is no file
    descriptor to stat: the file's own size is not the length sent); ``seek(0)`` rewinds for a
    retried request. No other seek is possible.
    """

    def __init__(
        self,
        open_raw: Callable[[], BinaryIO],
        on_read: Callable[[int], None] | None = None,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        super().__init__()
        self._open_raw = open_raw
        self.on_read = on_read
        self._block_bytes = block_bytes
        with open_raw() as first:
            self.size = canonical_digest(first, block_bytes).size
        self._raw = open_raw()
        self._normalizer = LfNormalizer()
        self._buffer = b""
        self._offset = 0  # of the next byte to hand out, in _buffer
        self._done = False
        self._position = 0  # canonical bytes handed out
        self._parked_at_end = False  # between the client's seek(0, END) and its seek back

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size if self._parked_at_end else self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END and offset == 0:
            self._parked_at_end = True
            return self.size
        if whence == os.SEEK_SET and offset == 0:
            self._rewind()
            return 0
        if whence == os.SEEK_SET and offset == self._position:
            self._parked_at_end = False
            return offset
        raise io.UnsupportedOperation("a canonical dataset stream seeks only to 0 and its end")

    def readinto(self, buffer: Any) -> int:
        if self._parked_at_end:
            return 0
        wanted = len(buffer)
        while len(self._buffer) - self._offset < wanted and not self._done:
            block = self._raw.read(self._block_bytes)
            fed = self._normalizer.feed(block) if block else self._normalizer.end()
            self._done = not block
            self._buffer = self._buffer[self._offset :] + fed
            self._offset = 0
        data = self._buffer[self._offset : self._offset + wanted]
        self._offset += len(data)
        n = len(data)
        buffer[:n] = data
        self._position += n
        if n and self.on_read is not None:
            self.on_read(self._position)
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()

    def _rewind(self) -> None:
        self._raw.close()
        self._raw = self._open_raw()
        self._normalizer = LfNormalizer()
        self._buffer = b""
        self._offset = 0
        self._done = False
        self._position = 0
        self._parked_at_end = False
