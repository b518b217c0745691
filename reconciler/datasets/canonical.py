"""A dataset's canonical bytes: its bytes with every CRLF line ending written as LF.

Line endings are not content: a Windows checkout (``core.autocrlf``) turns a JSONL file's LFs
into CRLFs, and that must not change the dataset's identity, retrain its job and replace the
deployments. So the sha256, the size, the split and the upload are all of the canonical bytes;
an LF file's canonical bytes are its bytes, so its identity is what it always was. (Inside a
JSON line a CR can only be whitespace between tokens, so nothing a line means changes.)
"""

from __future__ import annotations

import hashlib
from typing import BinaryIO

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
        # A search for CR is a tenth of what a replace with nothing to replace costs.
        return block.replace(b"\r\n", b"\n") if b"\r" in block else block

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
