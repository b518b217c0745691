"""Reading a JSONL file once, in blocks: lines out, sha256 of its canonical bytes on the side.

Lines are read from the canonical bytes (``canonical``: CRLF written as LF), so a CRLF copy
of a file yields the same lines, sha256 and size as the file.

Memory stays bounded by the block size plus the longest line, whatever the file size; a line
longer than ``MAX_LINE_BYTES`` is not kept at all (it is reported as too long).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from reconciler.datasets.canonical import CanonicalDigest, LfNormalizer

BLOCK_BYTES = 1 << 20

# The longest line we hold in memory. An example's text is bounded by the model's token limit
# (65,536 tokens is well under 1 MB); only images in data URIs make lines big (10 MB each,
# base64). Longer lines are reported instead of read into memory.
MAX_LINE_BYTES = 256 << 20

UTF8_BOM = b"\xef\xbb\xbf"

# Byte-order marks of encodings we refuse (longest first: UTF-32-LE starts like UTF-16-LE).
FOREIGN_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)

TOO_LONG: bytes | None = None
"""What ``LineReader`` yields in place of a line longer than ``MAX_LINE_BYTES``."""


class LineReader:
    """Iterate ``(line_number, content)`` over a binary file; content excludes the newline.

    A UTF-8 byte-order mark at the start is skipped (``had_bom``). A UTF-16/32 mark stops the
    line output (``foreign_encoding`` names it) while the rest of the file is still hashed.
    The text after the last newline is a line when it is not empty.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        block_bytes: int = BLOCK_BYTES,
        max_line_bytes: int | None = None,
        at_file_start: bool = True,
        hashed: bool = True,
    ) -> None:
        """``at_file_start``: False for a range that starts after a newline in the middle of a
        file (``ranges``): a byte-order mark there is content, not a mark. ``hashed``: False
        when the sha256 is not wanted (of a range, it means nothing); ``size`` still counts."""
        self._stream = stream
        self._at_file_start = at_file_start
        self._hashed = hashed
        self._block_bytes = block_bytes
        self._max_line = MAX_LINE_BYTES if max_line_bytes is None else max_line_bytes
        # of the canonical bytes: ``hexdigest()``, ``size``
        self.sha256 = CanonicalDigest()
        self.had_bom = False
        self.foreign_encoding: str | None = None

    def _blocks(self) -> Iterator[bytes]:
        read = self._stream.read
        size = self._block_bytes
        if not self._hashed:
            normalizer = LfNormalizer()
            while block := read(size):
                canonical = normalizer.feed(block)
                if canonical:
                    yield canonical
            held = normalizer.end()
            if held:
                yield held
            return
        update = self.sha256.update
        while block := read(size):
            canonical = update(block)
            if canonical:
                yield canonical
        held = self.sha256.finish()
        if held:
            yield held

    @property
    def bytes_read(self) -> int:
        """Bytes read from the file as it is on disk (not the canonical size)."""
        return self.sha256.raw_bytes

    @property
    def size(self) -> int:
        """The size of the canonical bytes read."""
        return self.sha256.size

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        blocks = self._blocks()
        first = next(blocks, b"")
        # A mark split over two reads would need a 1-byte block; reads give at least 4 bytes.
        if not self._at_file_start:
            pass
        elif first.startswith(UTF8_BOM):
            self.had_bom = True
            first = first[len(UTF8_BOM) :]
        else:
            for mark, name in FOREIGN_BOMS:
                if first.startswith(mark):
                    self.foreign_encoding = name
                    for _ in blocks:  # hash the rest; its lines mean nothing as UTF-8
                        pass
                    return
        line_no = 0
        pending: list[bytes] = []  # pieces of a line that spans blocks
        pending_len = 0
        skipping = False  # inside a line that is too long to keep
        max_line = self._max_line
        block: bytes = first
        while True:
            # Lines cut where find (memchr) puts them: bytes.split compares byte by byte,
            # several times slower on lines of a few hundred bytes or more.
            find = block.find
            newline = find(b"\n")
            if newline < 0:
                tail = block
            else:
                head = block[:newline]
                line_no += 1
                if skipping:
                    skipping = False
                    yield line_no, TOO_LONG
                elif pending:
                    if pending_len + len(head) > max_line:
                        yield line_no, TOO_LONG
                    else:
                        pending.append(head)
                        yield line_no, b"".join(pending)
                    pending = []
                    pending_len = 0
                elif len(head) > max_line:
                    yield line_no, TOO_LONG
                else:
                    yield line_no, head
                start = newline + 1
                while (newline := find(b"\n", start)) >= 0:
                    line_no += 1
                    yield (
                        line_no,
                        (TOO_LONG if newline - start > max_line else block[start:newline]),
                    )
                    start = newline + 1
                tail = block[start:]
            if tail and not skipping:
                pending.append(tail)
                pending_len += len(tail)
                if pending_len > max_line:
                    pending = []
                    pending_len = 0
                    skipping = True
            next_block = next(blocks, None)
            if next_block is None:
                break
            block = next_block
        if skipping:
            yield line_no + 1, TOO_LONG
        elif pending:
            yield line_no + 1, b"".join(pending)
