from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from reconciler.datasets import split_dataset
from reconciler.errors import SpecError

from .helpers import chat, write_lines


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines()


def source(tmp_path: Path, n: int = 1000) -> Path:
    return write_lines(tmp_path / "gozaru.jsonl", [chat(i) for i in range(n)])


def test_split_is_a_partition_with_about_the_asked_fraction(tmp_path: Path, cache: Path) -> None:
    path = source(tmp_path)
    train, validation = split_dataset(path, 0.2, 7, tmp_path / "out", cache_dir=cache)
    together = Counter(lines_of(train)) + Counter(lines_of(validation))
    assert together == Counter(lines_of(path))
    assert 140 <= len(lines_of(validation)) <= 260  # 200 expected; binomial spread
    for produced in (train, validation):
        sha = hashlib.sha256(produced.read_bytes()).hexdigest()
        assert produced.name.endswith(f".{sha[:16]}.jsonl")  # content-addressed
    assert train.name.startswith("gozaru.train.") and validation.name.startswith(
        "gozaru.validation."
    )


def test_same_content_and_seed_give_the_same_split(tmp_path: Path) -> None:
    path = source(tmp_path)
    first = split_dataset(path, 0.2, 7, tmp_path / "a", cache_dir=tmp_path / "c1")
    copy = tmp_path / "elsewhere" / "gozaru.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    second = split_dataset(copy, 0.2, 7, tmp_path / "b", cache_dir=tmp_path / "c2")
    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    other_seed = split_dataset(path, 0.2, 8, tmp_path / "c", cache_dir=tmp_path / "c1")
    assert other_seed[1].read_bytes() != first[1].read_bytes()


def test_line_order_does_not_matter_and_duplicates_stay_together(tmp_path: Path) -> None:
    examples: list[Any] = [chat(i) for i in range(300)] + [chat(5)] * 20
    path = write_lines(tmp_path / "d.jsonl", examples)
    shuffled = write_lines(tmp_path / "e.jsonl", list(reversed(examples)))
    _, validation = split_dataset(path, 0.3, 1, tmp_path / "o1", cache_dir=tmp_path / "c")
    train2, validation2 = split_dataset(shuffled, 0.3, 1, tmp_path / "o2", cache_dir=tmp_path / "c")
    assert sorted(lines_of(validation)) == sorted(lines_of(validation2))
    duplicate = json.dumps(chat(5), ensure_ascii=False).encode()
    sides = [lines_of(p).count(duplicate) for p in (train2, validation2)]
    assert sorted(sides) == [0, 21]


@pytest.mark.parametrize("fraction", [0.01, 0.99])
def test_both_sides_get_lines_when_possible(tmp_path: Path, fraction: float) -> None:
    path = source(tmp_path, 3)
    train, validation = split_dataset(path, fraction, 3, tmp_path / "o", cache_dir=tmp_path / "c")
    assert len(lines_of(train)) >= 1 and len(lines_of(validation)) >= 1
    assert len(lines_of(train)) + len(lines_of(validation)) == 3


def test_bom_is_kept_and_blank_lines_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    body = b"\n".join(json.dumps(chat(i)).encode() for i in range(50))
    path.write_bytes(b"\xef\xbb\xbf" + body + b"\n\n")
    train, validation = split_dataset(path, 0.5, 0, tmp_path / "o", cache_dir=tmp_path / "c")
    for produced in (train, validation):
        data = produced.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf{") and data.endswith(b"}\n") and b"\n\n" not in data
    assert len(lines_of(train)) + len(lines_of(validation)) == 50


def test_a_repeated_split_reuses_the_files(tmp_path: Path) -> None:
    path = source(tmp_path)
    first = split_dataset(path, 0.2, 7, tmp_path / "o", cache_dir=tmp_path / "c")
    stamps = [p.stat().st_mtime_ns for p in first]
    again = split_dataset(path, 0.2, 7, tmp_path / "o", cache_dir=tmp_path / "c")
    assert again == first and [p.stat().st_mtime_ns for p in again] == stamps
    first[0].unlink()  # a missing output is made again
    third = split_dataset(path, 0.2, 7, tmp_path / "o", cache_dir=tmp_path / "c")
    assert third == first and third[0].exists()
    assert [p.name for p in (tmp_path / "o").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("validation", "seed", "message"),
    [
        (0, 1, "between 0 and 1"),
        (1.5, 1, "between 0 and 1"),
        ("0.2", 1, "must be a number"),
        (0.2, "7", "seed must be an integer"),
    ],
)
def test_bad_arguments(tmp_path: Path, validation: Any, seed: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        split_dataset(source(tmp_path, 12), validation, seed, tmp_path / "o")


def test_utf16_file_cannot_be_split(tmp_path: Path) -> None:
    path = tmp_path / "u.jsonl"
    path.write_bytes('{"messages": []}\n'.encode("utf-16") * 3)
    with pytest.raises(SpecError, match="UTF-16"):
        split_dataset(path, 0.2, 1, tmp_path / "o", cache_dir=tmp_path / "c")
    assert list((tmp_path / "o").iterdir()) == []


def test_an_unwritable_output_directory_is_a_spec_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    with pytest.raises(SpecError, match="cannot write the split into"):
        split_dataset(source(tmp_path, 12), 0.2, 1, blocker / "out", cache_dir=tmp_path / "c")
