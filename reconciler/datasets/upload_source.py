"""A dataset's canonical bytes streamed for an upload, checked against what was validated.

The file is read once, while it is sent: the bytes handed to the HTTP client are hashed as
they go, and the last of them are handed out only once the whole is known to be the content
that was validated (the same length, the same sha256, nothing after it). A file changed since
validation therefore never completes an upload: a single ``POST /files`` stops before its
body ends (the service has no file to create), and an upload in parts fails its last part, so
``/uploads/{id}/complete`` -- what makes the parts a file a job can use -- is never called.

Memory is bounded by one read block, whatever the part size: the client reads a window of
the stream (the whole file, or one part) in small pieces.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from typing import Any, BinaryIO

from reconciler.datasets.canonical import BLOCK_BYTES, LfNormalizer, canonical_digest


class ChangedSinceValidation(Exception):
    """The file's content is not the one validated (``sha256`` is what it is now, if read)."""

    def __init__(self, sha256: str | None) -> None:
        super().__init__("the file changed since it was validated")
        self.sha256 = sha256


class VerifiedSource:
    """The canonical bytes of a file, read in order once (or again from the start), hashed."""

    def __init__(
        self,
        open_raw: Callable[[], BinaryIO],
        size: int,
        sha256: str,
        *,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        self._open_raw = open_raw
        self.size = size
        self.sha256 = sha256
        self._block_bytes = block_bytes
        self._raw: BinaryIO | None = None
        self.changed: ChangedSinceValidation | None = None  # once found, every read fails
        self.verified = False
        self._restart()

    def _restart(self) -> None:
        if self._raw is not None:
            self._raw.close()
        self._raw = self._open_raw()
        self._normalizer = LfNormalizer()
        self._hash = hashlib.sha256()
        self._buffer = bytearray()
        self._eof = False
        self.position = 0  # canonical bytes handed out
        self.verified = False

    def window(
        self, start: int, length: int, on_read: Callable[[int], None] | None = None
    ) -> Window:
        return Window(self, start, length, on_read)

    def take(self, start: int, wanted: int) -> bytes:
        """The next ``wanted`` bytes, which must start at ``start`` (reading is in order; going
        back to 0 reads the file again from its start)."""
        if self.changed is not None:
            raise self.changed
        if start != self.position:
            if start != 0:
                raise OSError("an upload's bytes are read in order; a part cannot be resent")
            self._restart()
        wanted = min(wanted, self.size - self.position)
        if wanted <= 0:
            return b""
        self._fill(wanted)
        if len(self._buffer) < wanted:
            return self._fail()  # shorter than validated
        data = bytes(self._buffer[:wanted])
        del self._buffer[:wanted]
        self._hash.update(data)
        self.position += wanted
        if self.position == self.size:
            self._verify()  # before the last bytes leave: a mismatch never completes a body
        return data

    def _fill(self, wanted: int) -> None:
        assert self._raw is not None
        while len(self._buffer) < wanted and not self._eof:
            block = self._raw.read(self._block_bytes)
            if block:
                self._buffer += self._normalizer.feed(block)
            else:
                self._buffer += self._normalizer.end()
                self._eof = True

    def _verify(self) -> None:
        self._fill(1)  # anything after the validated length?
        if self._buffer or self._hash.hexdigest() != self.sha256:
            self._fail()
        self.verified = True

    def _fail(self) -> bytes:
        # What the file holds now, for the message (read to its end: it is being refused).
        now: str | None = None
        try:
            with self._open_raw() as stream:
                now = canonical_digest(stream).hexdigest()
        except OSError:
            pass
        self.changed = ChangedSinceValidation(now)
        raise self.changed

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


class Window(io.RawIOBase):
    """``length`` bytes of a ``VerifiedSource`` from ``start``, as a file for the HTTP client:
    it learns the length by seeking to the end and back, and seeks to 0 before reading."""

    def __init__(
        self,
        source: VerifiedSource,
        start: int,
        length: int,
        on_read: Callable[[int], None] | None,
    ) -> None:
        super().__init__()
        self._source = source
        self._start = start
        self._length = length
        self._offset = 0
        self._parked_at_end = False
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._length if self._parked_at_end else self._offset

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_END and offset == 0:
            self._parked_at_end = True
            return self._length
        if whence == os.SEEK_SET and offset in (0, self._offset):
            self._parked_at_end = False
            if offset == 0:
                self._offset = 0  # sent again: read again (only the whole file can be)
            return offset
        raise io.UnsupportedOperation("an upload stream seeks only to 0 and its end")

    def readinto(self, buffer: Any) -> int:
        if self._parked_at_end:
            return 0
        wanted = min(len(buffer), self._length - self._offset)
        data = self._source.take(self._start + self._offset, wanted)
        n = len(data)
        buffer[:n] = data
        self._offset += n
        if n and self.on_read is not None:
            self.on_read(self._start + self._offset)
        return n
