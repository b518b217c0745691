from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from reconciler.datasets import cache_root, inspect_dataset, sha256_file

from .helpers import chat, found, write_lines


def same_size_garbage(path: Path) -> None:
    """Replace the content, keeping size and mtime: what the cache key cannot see."""
    before = path.stat()
    path.write_bytes(b"\xff" * before.st_size)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_second_inspection_does_not_read_the_file(tmp_path: Path, inspect: Any) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    first = inspect(path)
    assert not first.from_cache
    same_size_garbage(path)
    # Had it read the file, it would find 30 lines of invalid UTF-8 and another hash.
    second = inspect(path)
    assert second.from_cache
    assert (second.sha256, second.stats, found(second)) == (first.sha256, first.stats, found(first))
    assert second.example_digests == first.example_digests
    assert second.system_prompts == first.system_prompts

    os.utime(path)  # a new mtime: the file is read again
    third = inspect(path)
    assert not third.from_cache
    assert third.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert third.errors[0].message.startswith("invalid UTF-8")


def test_the_cached_result_depends_on_the_options(tmp_path: Path, inspect: Any) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    inspect(path)
    other_format = inspect(path, format="chat")
    assert not other_format.from_cache  # the messages name how the format was decided
    default = inspect(path)
    assert default.from_cache and default.ok


def test_another_token_limit_uses_the_stored_counts(tmp_path: Path, inspect: Any) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    first = inspect(path)
    # Another base model of the same tokenizer: its limit is checked against the stored token
    # counts; the file is not read again (garbage of the same size and mtime goes unseen).
    same_size_garbage(path)
    limited = inspect(path, max_example_tokens=5)
    assert limited.from_cache
    # 30 over the limit: 19 shown (a file-level warning takes a place), 11 counted
    assert len(limited.errors) == 20
    assert limited.errors[-1].message.startswith("… and 11 more problems in ")
    assert limited.errors[0].message.startswith("example has ")
    assert limited.errors[0].message.endswith("the base model takes at most 5 per example")
    assert (limited.stats, limited.example_digests) == (first.stats, first.example_digests)
    assert inspect(path, max_example_tokens=5).from_cache
    assert inspect(path, max_example_tokens=10_000).ok


def test_corrupt_cache_entries_are_ignored(tmp_path: Path, inspect: Any, cache: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    first = inspect(path)
    entries = [p for p in cache.rglob("*.json") if "tiktoken" not in p.parts]
    assert {p.parent.name for p in entries} == {"sha256", "reports", "scans"}
    for garbage in (b"", b"{not json", b"[]", b'{"sha256": 5}', b"\x00\xff" * 10):
        for entry in entries:
            entry.write_bytes(garbage)
        again = inspect(path)
        assert not again.from_cache
        assert (again.sha256, again.stats, found(again)) == (
            first.sha256,
            first.stats,
            found(first),
        )


def test_a_cut_digest_file_is_ignored(tmp_path: Path, inspect: Any, cache: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    first = inspect(path)
    [digests] = (cache / "digests").glob("*.bin")
    assert len(digests.read_bytes()) == 30 * 16  # sorted 16-byte digests, one per example
    digests.write_bytes(digests.read_bytes()[:-3])
    again = inspect(path)
    assert not again.from_cache and again.example_digests == first.example_digests


def test_no_temporary_files_are_left(tmp_path: Path, inspect: Any, cache: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    inspect(path)
    inspect(path, format="chat")
    assert [p for p in cache.rglob("*") if p.name.startswith(".tmp-")] == []


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "d.jsonl", [chat(i) for i in range(30)])
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    report = inspect_dataset(path, cache_dir=blocker / "cache")
    assert report.stats.examples == 30 and report.ok
    assert not inspect_dataset(path, cache_dir=blocker / "cache").from_cache


def test_cache_root_is_in_the_project_root_unless_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "repo"
    project.mkdir()
    monkeypatch.chdir(tmp_path)  # the working directory plays no part
    monkeypatch.delenv("RECONCILER_CACHE_DIR", raising=False)
    assert cache_root(project) == project / ".reconciler" / "cache"
    assert (project / ".reconciler" / "cache").is_dir()
    assert not (tmp_path / ".reconciler").exists()
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_root(project) == tmp_path / "elsewhere"


def canonical_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def test_sha256_file_is_cached_by_path_size_and_mtime(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    expected = canonical_sha256(path)
    assert sha256_file(path, cache) == expected
    same_size_garbage(path)
    assert sha256_file(path, cache) == expected  # not read again
    os.utime(path)
    assert sha256_file(path, cache) == canonical_sha256(path) != expected
