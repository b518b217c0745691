"""Ranges' digest records merged by first-byte slices give what a record-by-record merge gives."""

from __future__ import annotations

import random

import pytest

from reconciler.datasets.digest_merge import merge_ranges
from reconciler.datasets.digest_set import merged_groups


def _reference(parts: list[tuple[bytes, int]], width: int) -> tuple[bytes, list[object]]:
    """Every record's line made the file's, then one heap merge of all of them."""
    shifted = []
    for records, base in parts:
        out = bytearray()
        for at in range(0, len(records), width + 4):
            line = int.from_bytes(records[at + width : at + width + 4], "big") + base
            out += records[at : at + width] + line.to_bytes(4, "big")
        shifted.append(bytes(out))
    packed = bytearray()
    duplicates: list[object] = []
    for key, lines in merged_groups(shifted, width, 4):
        packed += key
        if len(lines) > 1:
            duplicates.append((lines[0], lines[1:]))
    return bytes(packed), duplicates


@pytest.mark.parametrize("seed", range(6))
def test_the_merge_is_the_record_by_record_merge(seed: int) -> None:
    rng = random.Random(seed)
    width = rng.choice((16, 8, 2))  # 2: many keys share a first byte, and many repeat
    pool = [rng.randbytes(width) for _ in range(rng.randint(1, 400))]
    parts: list[tuple[bytes, int]] = []
    base = 0
    for _ in range(rng.randint(1, 12)):
        lines = rng.randint(0, 120)
        keys = [
            rng.choice(pool) if rng.random() < 0.3 else rng.randbytes(width) for _ in range(lines)
        ]
        records = sorted(key + (line + 1).to_bytes(4, "big") for line, key in enumerate(keys))
        parts.append((b"".join(records), base))
        base += lines + rng.randint(0, 3)  # blank or broken lines have no digest
    merged = merge_ranges(parts, width)
    packed, duplicates = _reference(parts, width)
    assert bytes(merged.packed) == packed
    assert merged.duplicates == duplicates
    if seed == 0:
        assert duplicates  # the case that matters is exercised


def test_no_parts_and_empty_parts() -> None:
    assert bytes(merge_ranges([], 16).packed) == b""
    key = bytes(range(16))
    merged = merge_ranges([(b"", 0), (key + (2).to_bytes(4, "big"), 5), (b"", 9)], 16)
    assert bytes(merged.packed) == key and merged.duplicates == []
