"""Example digests as a sorted packed array behave as the set they stand for."""

from __future__ import annotations

import hashlib
import random

import pytest

from reconciler.datasets.digest_set import DigestSet, merged_groups


def _digest(n: int) -> bytes:
    return hashlib.blake2b(str(n).encode(), digest_size=16).digest()


@pytest.mark.parametrize("seed", range(5))
def test_set_operations_match_python_sets(seed: int) -> None:
    rng = random.Random(seed)
    left = {_digest(rng.randrange(300)) for _ in range(rng.randrange(0, 200))}
    right = {_digest(rng.randrange(300)) for _ in range(rng.randrange(0, 200))}
    a, b = DigestSet.of(left), DigestSet.of(right)
    assert len(a) == len(left)
    assert set(a - b) == left - right and len(a - b) == len(left - right)
    assert set(a & b) == left & right
    assert all(d in a for d in left) and not any(d in a for d in right - left)
    assert list(a) == sorted(left)  # sorted, no duplicates
    assert a == frozenset(left)


def test_json_round_trip_and_the_old_hex_lists() -> None:
    digests = DigestSet.of(_digest(n) for n in range(10))
    assert DigestSet.from_json(digests.to_json()) == digests
    assert DigestSet.from_json([d.hex() for d in digests]) == digests


def test_a_stored_set_is_read_on_first_use_only() -> None:
    reads: list[int] = []
    packed = DigestSet.of(_digest(n) for n in range(4)).packed

    def load() -> bytes:
        reads.append(1)
        return packed

    lazy = DigestSet(load=load)
    assert reads == []
    assert len(lazy) == 4 and len(lazy - DigestSet()) == 4
    assert reads == [1]


def test_merged_groups_give_every_line_of_each_key_in_order() -> None:
    def records(*pairs: tuple[bytes, int]) -> bytes:
        return b"".join(sorted(key + line.to_bytes(4, "big") for key, line in pairs))

    first = records((b"bb", 3), (b"aa", 1), (b"bb", 2))
    second = records((b"aa", 7), (b"cc", 5))
    assert list(merged_groups([first, second], 2)) == [
        (b"aa", [1, 7]),
        (b"bb", [2, 3]),
        (b"cc", [5]),
    ]
