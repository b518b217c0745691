"""Example digests as one sorted array of fixed-width records, not a set of Python objects.

A 1 GB dataset holds about 400,000 examples: as a ``frozenset`` of 16-byte ``bytes`` that is
about 45 MB of objects (and four times that as hex strings), as a packed sorted array 6.4 MB.
Set operations on two sorted arrays are merges (linear, nothing else allocated but the
answer). A ``DigestSet`` read from the cache is loaded from its file on first use only.
"""

from __future__ import annotations

import base64
import heapq
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from reconciler.datasets.digest import EXAMPLE_DIGEST_BYTES

WIDTH = EXAMPLE_DIGEST_BYTES


def records(packed: bytes | bytearray, width: int) -> Iterator[bytes]:
    """The ``width``-byte records of ``packed``, in order."""
    view = memoryview(packed)
    for start in range(0, len(packed), width):
        yield bytes(view[start : start + width])


def pack_sorted(items: Iterable[bytes]) -> bytes:
    """``items`` (all of one width) sorted and joined."""
    return b"".join(sorted(items))


def merged_groups(
    arrays: Iterable[bytes], key_width: int, line_width: int = 4
) -> Iterator[tuple[bytes, list[int]]]:
    """Each distinct key of several sorted arrays of ``key + line`` records (line big-endian,
    ``line_width`` bytes), with every line it is on, lowest first."""
    width = key_width + line_width
    merged = heapq.merge(*(records(array, width) for array in arrays))
    key: bytes | None = None
    lines: list[int] = []
    for record in merged:
        this = record[:key_width]
        if this != key:
            if key is not None:
                yield key, lines
            key, lines = this, []
        lines.append(int.from_bytes(record[key_width:], "big"))
    if key is not None:
        yield key, lines


def _difference(left: bytes | bytearray, right: bytes | bytearray, *, keep_common: bool) -> bytes:
    """Records of sorted, duplicate-free ``left`` that are (not) in ``right``."""
    out = bytearray()
    i = j = 0
    n, m = len(left), len(right)
    while i < n:
        a = left[i : i + WIDTH]
        while j < m and right[j : j + WIDTH] < a:
            j += WIDTH
        common = j < m and right[j : j + WIDTH] == a
        if common == keep_common:
            out += a
        i += WIDTH
    return bytes(out)


class DigestSet:
    """A set of 16-byte example digests held as one sorted, duplicate-free byte array."""

    __slots__ = ("_load", "_packed")

    def __init__(
        self, packed: bytes | bytearray = b"", *, load: Callable[[], bytes] | None = None
    ) -> None:
        if len(packed) % WIDTH:
            raise ValueError(f"packed digests must be a multiple of {WIDTH} bytes")
        self._packed: bytes | bytearray | None = packed if load is None else None
        self._load = load

    @staticmethod
    def of(digests: Iterable[bytes]) -> DigestSet:
        return DigestSet(pack_sorted(set(digests)))

    @staticmethod
    def from_file(path: Path, read: Callable[[Path], bytes]) -> DigestSet:
        """The set stored at ``path`` (``read`` it on first use, not now)."""
        return DigestSet(load=lambda: read(path))

    @property
    def packed(self) -> bytes | bytearray:
        if self._packed is None:
            assert self._load is not None
            data = self._load()
            if len(data) % WIDTH:
                raise ValueError("a stored digest array is cut short")
            self._packed, self._load = data, None
        return self._packed

    def __len__(self) -> int:
        return len(self.packed) // WIDTH

    def __iter__(self) -> Iterator[bytes]:
        return records(self.packed, WIDTH)

    def __contains__(self, digest: object) -> bool:
        if not isinstance(digest, bytes) or len(digest) != WIDTH:
            return False
        packed = self.packed
        low, high = 0, len(packed) // WIDTH
        while low < high:
            middle = (low + high) // 2
            if packed[middle * WIDTH : (middle + 1) * WIDTH] < digest:
                low = middle + 1
            else:
                high = middle
        return packed[low * WIDTH : (low + 1) * WIDTH] == digest

    def __sub__(self, other: DigestSet) -> DigestSet:
        return DigestSet(_difference(self.packed, other.packed, keep_common=False))

    def __and__(self, other: DigestSet) -> DigestSet:
        return DigestSet(_difference(self.packed, other.packed, keep_common=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DigestSet):
            return self.packed == other.packed
        if isinstance(other, frozenset | set):
            return len(other) == len(self) and all(d in other for d in self)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(bytes(self.packed))  # packed may be a bytearray (built, not copied)

    def __repr__(self) -> str:
        return f"DigestSet({len(self)} digests)"

    def to_json(self) -> str:
        """base64 of the packed array (compact and exact: a plan file's digests)."""
        return base64.b64encode(self.packed).decode("ascii")

    @staticmethod
    def from_json(value: object) -> DigestSet:
        """What ``to_json`` wrote, or a list of hex digests (plan files written before)."""
        if isinstance(value, str):
            return DigestSet(base64.b64decode(value, validate=True))
        if isinstance(value, list):
            return DigestSet.of(bytes.fromhex(str(item)) for item in value)
        raise ValueError("example digests must be base64 text or a list of hex digests")
