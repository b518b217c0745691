"""The example digests of a file's ranges merged: one sorted array, and every duplicate's lines.

Each range sends its digests as a sorted array of ``digest + line`` records, lines counted
from the range's start. Merging them record by record in Python (``heapq.merge``) took 0.7 s
for a 1 GB file, after the last range was in. Here the records are taken a slice of digests
at a time (by their first byte: each range's records of one first byte are contiguous), and
each slice is checked for duplicates and sorted by C code (``set``, ``sorted``): a few times
faster, and memory stays at one slice's objects (about 1/256 of the digests) above the arrays.
Duplicates are rare; only a slice that holds one looks at lines.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

FIRST_BYTES = 256


@dataclass
class MergedDigests:
    packed: bytearray = field(default_factory=bytearray)  # sorted, distinct digests
    # (line of the first example, lines of its duplicates), for each digest seen more than once
    duplicates: list[tuple[int, list[int]]] = field(default_factory=list)


def merge_ranges(
    parts: Sequence[tuple[bytes, int]], key_width: int, line_width: int = 4
) -> MergedDigests:
    """Merge ``(records, lines before the range)`` of every range: records are ``key + line``
    (line big-endian, ``line_width`` bytes), sorted; lines are made the file's."""
    width = key_width + line_width
    sliced: list[tuple[bytes, int, list[int]]] = []
    for records, base in parts:
        if not records:
            continue
        firsts = records[0::width]  # the first byte of each record, in order
        bounds = [bisect_left(firsts, value) for value in range(FIRST_BYTES)]
        bounds.append(len(firsts))
        sliced.append((records, base, bounds))
    merged = MergedDigests()
    for value in range(FIRST_BYTES):
        keys: list[bytes] = []
        for records, _, bounds in sliced:
            start, end = bounds[value] * width, bounds[value + 1] * width
            keys += [records[at : at + key_width] for at in range(start, end, width)]
        if not keys:
            continue
        distinct = set(keys)
        if len(distinct) != len(keys):
            merged.duplicates += _duplicates(sliced, value, distinct, key_width, width)
        merged.packed += b"".join(sorted(distinct))
    return merged


def _duplicates(
    sliced: list[tuple[bytes, int, list[int]]],
    value: int,
    distinct: set[bytes],
    key_width: int,
    width: int,
) -> list[tuple[int, list[int]]]:
    """The duplicated keys of one first byte, as (first line, other lines), by key."""
    lines: dict[bytes, list[int]] = {key: [] for key in distinct}
    for records, base, bounds in sliced:
        for at in range(bounds[value] * width, bounds[value + 1] * width, width):
            key = records[at : at + key_width]
            lines[key].append(base + int.from_bytes(records[at + key_width : at + width], "big"))
    found: list[tuple[int, list[int]]] = []
    for key in sorted(lines):
        where = lines[key]
        if len(where) > 1:
            where.sort()
            found.append((where[0], where[1:]))
    return found
