"""A file read in ranges by worker processes gives exactly the report one pass gives.

The ranges are made tiny here (a few hundred bytes) so that every kind of problem falls on a
range's edge somewhere: blank lines ending a range, duplicates in other ranges, the line that
decides the format, CRLF endings, byte-order marks, more problems than are shown.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reconciler.confined import RootedPath
from reconciler.datasets import inspect_dataset
from reconciler.datasets import scan as scan_module
from reconciler.datasets.report import DatasetReport
from reconciler.datasets.scan import ScanOptions
from reconciler.datasets.scan_merge import ScanCore

from .helpers import chat, preference

SYSTEMS = ["Be brief.", "Be very brief.", "Réponds en français. 🤗"]


@pytest.fixture
def tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Ranges of about 300 bytes; records for each scan whether it ran in ranges."""
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scan_module, "MIN_RANGE_BYTES", 300)
    monkeypatch.setattr(scan_module, "MAX_RANGE_BYTES", 300)
    in_ranges: list[bool] = []
    real = scan_module._scan_parallel

    def spy(*args: Any) -> Any:
        core = real(*args)
        in_ranges.append(core is not None)
        return core

    monkeypatch.setattr(scan_module, "_scan_parallel", spy)
    return in_ranges


def _chat_lines(rng: random.Random, count: int) -> list[bytes]:
    lines: list[bytes] = []
    kept: list[bytes] = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.08 and kept:
            line = rng.choice(kept)  # a duplicate, maybe in another range
        elif roll < 0.12:
            line = b""  # a blank line
        elif roll < 0.15:
            line = b'{"messages": [1, 2'  # not JSON
        elif roll < 0.17:
            line = b'{"messages": "\xff\xfe"}'  # not UTF-8
        elif roll < 0.19:
            line = json.dumps(preference(index)).encode()  # another format
        elif roll < 0.21:
            line = json.dumps({"messages": [{"role": "user", "content": "no answer"}]}).encode()
        elif roll < 0.23:
            line = json.dumps({"messages": [], "extra": 1, "tool": 2}).encode()
        elif roll < 0.25:
            line = b"\xef\xbb\xbf" + json.dumps(chat(index)).encode()  # a mark mid-file
        else:
            system = rng.choice([*SYSTEMS, None])
            text = " ".join(
                rng.choice(("word", "naïve", "日本", "x")) for _ in range(rng.randint(1, 60))
            )
            example = chat(index, system=system)
            example["messages"][-1]["content"] = text
            line = json.dumps(example, ensure_ascii=rng.random() < 0.5).encode()
            kept.append(line)
        if rng.random() < 0.1:
            line += b"\r"  # a CRLF ending
        lines.append(line)
    return lines


def _write(path: Path, lines: list[bytes], *, start: bytes = b"", end: bytes = b"\n") -> Path:
    path.write_bytes(start + b"\n".join(lines) + end)
    return path


def _report(path: Path, cache: Path, workers: int, **options: Any) -> DatasetReport:
    return inspect_dataset(path, cache_dir=cache, workers=workers, **options)


def _same(path: Path, tmp_path: Path, **options: Any) -> DatasetReport:
    one = _report(path, tmp_path / "cache-one", 1, **options)
    two = _report(path, tmp_path / "cache-two", 2, **options)
    assert not one.from_cache and not two.from_cache
    assert [str(d) for d in two.diagnostics] == [str(d) for d in one.diagnostics]
    assert (two.sha256, two.bytes, two.format, two.stats, two.system_prompts) == (
        one.sha256,
        one.bytes,
        one.format,
        one.stats,
        one.system_prompts,
    )
    assert two.example_digests == one.example_digests
    return one


@pytest.mark.parametrize("seed", range(4))
def test_ranges_in_processes_give_the_one_pass_report(
    tmp_path: Path, seed: int, tiny_ranges: list[bool]
) -> None:
    rng = random.Random(seed)
    start = b"\xef\xbb\xbf" if seed % 2 else b""
    end = (b"\n", b"", b"\n\n", b"\n\n\n")[seed]
    path = _write(tmp_path / "d.jsonl", _chat_lines(rng, 400), start=start, end=end)
    report = _same(path, tmp_path, max_example_tokens=40)
    assert "more problems in" in report.diagnostics[-1].message
    assert report.stats.examples > 100
    # Below what is shown: every kept problem, count, token count and digest agree too.
    one, two = (_core(path, tmp_path, workers) for workers in (1, 2))
    assert two == one
    assert tiny_ranges == [True, True]  # inspect and scan with 2 workers: in ranges
    assert any("duplicate of the example on line" in w.message for w in one.warnings)
    assert one.error_count > 20 and one.warning_count > 20


def _core(path: Path, tmp_path: Path, workers: int) -> ScanCore:
    options = ScanOptions(
        format=None, encoding="o200k_base", max_example_tokens=None, allow_images=False
    )
    options = replace(options, workers=workers)
    return scan_module.scan(RootedPath(path, tmp_path), "d.jsonl", options, tmp_path / "tk")


def test_the_format_decided_late_holds_for_every_range(
    tmp_path: Path, tiny_ranges: list[bool]
) -> None:
    lines = [b'{"no": "format"}', b"", b"[1]"]
    lines += [json.dumps(preference(i)).encode() for i in range(60)]
    lines += [json.dumps(chat(i)).encode() for i in range(3)]
    path = _write(tmp_path / "d.jsonl", lines)
    report = _same(path, tmp_path)
    assert report.format == "preference" and tiny_ranges == [True]
    assert "this is chat data but line 4 is preference data" in str(report.diagnostics)


def test_a_given_format_and_a_blank_tail_across_ranges(
    tmp_path: Path, tiny_ranges: list[bool]
) -> None:
    lines = [json.dumps(chat(i)).encode() for i in range(40)] + [b""] * 30
    lines += [json.dumps(chat(99)).encode()]
    path = _write(tmp_path / "d.jsonl", lines, end=b"\n\n")
    report = _same(path, tmp_path, format="chat")
    assert sum("blank line" in d.message for d in report.diagnostics) > 5
    assert tiny_ranges == [True]


def test_a_utf16_file_is_reported_once(tmp_path: Path, tiny_ranges: list[bool]) -> None:
    text = "\n".join(json.dumps(chat(i)) for i in range(40)) + "\n"
    path = tmp_path / "d.jsonl"
    path.write_bytes(text.encode("utf-16"))
    report = _same(path, tmp_path)
    assert "UTF-16" in report.diagnostics[0].message
    assert tiny_ranges == [False]  # read in one range: its lines mean nothing as UTF-8


def test_a_range_ends_after_a_newline_and_covers_the_file(tmp_path: Path) -> None:
    from reconciler.datasets.ranges import line_ranges

    data = b"".join(b"x" * (i % 7) + b"\n" for i in range(500)) + b"tail"
    path = tmp_path / "f"
    path.write_bytes(data)
    with path.open("rb") as stream:
        spans = line_ranges(stream, len(data), 50, first_end=120)
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert spans[0][1] >= 120
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end == start and data[end - 1 : end] == b"\n"


def test_the_last_ranges_are_smaller(tmp_path: Path) -> None:
    from reconciler.datasets.ranges import line_ranges

    data = b"".join(b"y" * 9 + b"\n" for _ in range(2000))  # 20,000 bytes, lines of 10
    path = tmp_path / "f"
    path.write_bytes(data)
    with path.open("rb") as stream:
        spans = line_ranges(stream, len(data), 1000, tail_bytes=4000, tail_chunk=250)
    sizes = [end - start for start, end in spans]
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(end == start for (_, end), (start, _) in itertools.pairwise(spans))
    assert sizes[:16] == [1000] * 16  # the body, up to 16,000 bytes: 4,000 before the end
    assert sizes[16:] == [250] * 16


def test_with_other_threads_running_the_workers_start_from_a_fork_server(
    tmp_path: Path, tiny_ranges: list[bool]
) -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert scan_module._context().get_start_method() == "forkserver"
        lines = [json.dumps(chat(i)).encode() for i in range(40)]
        report = _same(_write(tmp_path / "d.jsonl", lines + lines[:3]), tmp_path)
    finally:
        stop.set()
        other.join()
    assert tiny_ranges == [True] and report.stats.examples == 43
    assert sum("duplicate" in d.message for d in report.diagnostics) == 3


def test_a_single_threaded_process_forks_its_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module.threading, "active_count", lambda: 1)
    assert scan_module._context().get_start_method() == "fork"
    monkeypatch.setattr(scan_module.threading, "active_count", lambda: 3)
    assert scan_module._context().get_start_method() == "forkserver"
