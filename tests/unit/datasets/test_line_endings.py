"""Line endings are not content: a CRLF copy of a dataset has the LF file's identity."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from reconciler.datasets import inspect_dataset, sha256_file, split_dataset
from reconciler.datasets.upload_source import VerifiedSource

from .helpers import chat, write_lines


def pair(tmp_path: Path, n: int = 40) -> tuple[Path, Path]:
    lines = [chat(i) for i in range(n)]
    (tmp_path / "lf").mkdir()
    (tmp_path / "crlf").mkdir()
    lf = write_lines(tmp_path / "lf" / "data.jsonl", lines)
    crlf = write_lines(tmp_path / "crlf" / "data.jsonl", lines, newline="\r\n")
    assert b"\r\n" in crlf.read_bytes() and b"\r" not in lf.read_bytes()
    return lf, crlf


def test_an_lf_file_keeps_its_identity_and_a_crlf_copy_shares_it(tmp_path: Path) -> None:
    lf, crlf = pair(tmp_path)
    identity = hashlib.sha256(lf.read_bytes()).hexdigest()  # what it always was
    assert sha256_file(lf, tmp_path / "c1") == identity
    assert sha256_file(crlf, tmp_path / "c2") == identity


def test_validation_reports_the_canonical_sha256_and_size(tmp_path: Path) -> None:
    lf, crlf = pair(tmp_path)
    first = inspect_dataset(lf, cache_dir=tmp_path / "c1")
    second = inspect_dataset(crlf, cache_dir=tmp_path / "c2")
    assert (second.sha256, second.bytes) == (first.sha256, first.bytes)
    assert first.bytes == lf.stat().st_size < crlf.stat().st_size
    assert second.stats == first.stats and not second.errors


def test_a_crlf_copy_splits_into_the_same_files(tmp_path: Path) -> None:
    lf, crlf = pair(tmp_path, 200)
    from_lf = split_dataset(lf, 0.2, 7, tmp_path / "a", cache_dir=tmp_path / "c1")
    from_crlf = split_dataset(crlf, 0.2, 7, tmp_path / "b", cache_dir=tmp_path / "c2")
    assert [p.name for p in from_crlf] == [p.name for p in from_lf]
    assert [p.read_bytes() for p in from_crlf] == [p.read_bytes() for p in from_lf]


def test_a_cache_entry_of_the_file_bytes_is_not_taken_for_the_canonical_one(
    tmp_path: Path,
) -> None:
    _, crlf = pair(tmp_path)
    cache = tmp_path / "cache"
    sha256_file(crlf, cache)
    entry = next((cache / "sha256").iterdir())
    raw = hashlib.sha256(crlf.read_bytes()).hexdigest()
    entry.write_text(
        entry.read_text().replace(',"of":"lf"', "").replace(sha256_file(crlf, cache), raw)
    )
    assert (
        sha256_file(crlf, cache)
        == hashlib.sha256(crlf.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
    )


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
def test_the_upload_source_streams_the_canonical_bytes_and_rewinds(
    tmp_path: Path, block: int
) -> None:
    data = b"a\r\nb\r\r\n\r\nc\rd\r"
    path = tmp_path / "x.jsonl"
    path.write_bytes(data)
    canonical = b"a\nb\r\n\nc\rd\r"
    sha = hashlib.sha256(canonical).hexdigest()
    seen: list[int] = []
    source = VerifiedSource(lambda: path.open("rb"), len(canonical), sha, block_bytes=block)
    with source.window(0, len(canonical), seen.append) as r:
        assert r.seek(0, os.SEEK_END) == len(canonical)  # how httpx learns the length
        assert r.seek(0) == 0
        assert r.read() == canonical
        assert seen[-1] == len(canonical) and source.verified
        r.seek(0)  # a request sent again reads (and hashes) the file again
        assert io.BufferedReader(r).read() == canonical
    source.close()
