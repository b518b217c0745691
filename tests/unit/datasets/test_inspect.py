from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.datasets import scan_merge as scan_module
from reconciler.datasets import shared_examples
from reconciler.errors import SpecError

from .helpers import at_line, chat, found, write_lines


def good(n: int = 120) -> list[Any]:
    return [chat(i) for i in range(n)]


def test_utf8_with_and_without_bom_are_the_same_data(tmp_path: Path, inspect: Any) -> None:
    plain = write_lines(tmp_path / "plain.jsonl", good())
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    with_bom, without = inspect(bom), inspect(plain)
    assert found(with_bom) == found(without) == []
    assert with_bom.stats == without.stats
    assert with_bom.sha256 != without.sha256  # the hash is of the bytes as uploaded


def test_utf16_file_is_one_clear_error(tmp_path: Path, inspect: Any) -> None:
    path = tmp_path / "utf16.jsonl"
    path.write_bytes("\n".join(json.dumps(x) for x in good()).encode("utf-16"))
    report = inspect(path)
    assert found(report) == [
        (
            "error",
            1,
            "the file is UTF-16 (little-endian) (byte-order mark found); save it as UTF-8",
        )
    ]


def test_invalid_utf8_names_line_and_column(tmp_path: Path, inspect: Any) -> None:
    lines: list[Any] = good(12)
    lines[2] = b'{"messages": "caf\xe9"}'  # latin-1 é
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    [diagnostic] = report.errors
    assert str(diagnostic).endswith(
        "d.jsonl:3:18: error: invalid UTF-8 (byte 0xe9); save the file as UTF-8"
    )


def test_json_errors_with_column(tmp_path: Path, inspect: Any) -> None:
    lines: list[Any] = good(12)
    lines[1] = '{"messages": [}'
    lines[4] = '{"messages": [{"role": "user", "content": NaN}]}'
    lines[5] = "[1, 2]"
    lines[6] = '{"a": 1} {"b": 2}'
    lines[7] = "[" * 100_000 + "]" * 100_000
    lines[8] = '{"messages": ' + "1" * 5000 + "}"
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    assert [
        (line, d.location.col) for line, d in ((d.location.line, d) for d in report.errors)
    ] == [
        (2, 15),
        (5, 0),
        (6, 0),
        (7, 10),
        (8, 0),
        (9, 0),
    ]
    assert at_line(report, 2) == ["not valid JSON: Expecting value"]
    assert at_line(report, 5) == ["not valid JSON: NaN is not valid JSON (numbers must be finite)"]
    assert at_line(report, 6) == ["each line must be a JSON object, not an array"]
    assert at_line(report, 7) == ["not valid JSON: Extra data"]
    assert at_line(report, 8) == ["not valid JSON: nested too deeply"]
    assert at_line(report, 9)[0].startswith("not valid JSON: Exceeds the limit")


def test_blank_lines(tmp_path: Path, inspect: Any) -> None:
    body = "\n".join(json.dumps(x) for x in good(12))
    last_blank = tmp_path / "last.jsonl"
    last_blank.write_text(body + "\n\n")
    assert found(inspect(last_blank)) == found(inspect(write_lines(tmp_path / "x.jsonl", good(12))))

    inner = tmp_path / "inner.jsonl"
    lines = body.split("\n")
    inner.write_text("\n".join([*lines[:3], "", "   ", *lines[3:]]) + "\n\n\n")
    errors = [(d.location.line, d.message) for d in inspect(inner).errors]
    assert errors == [
        (4, "blank line; one JSON object per line"),
        (5, "blank line; one JSON object per line"),
        (15, "blank line; one JSON object per line"),  # 16 is the last line: allowed
    ]


def test_crlf_line_endings_are_fine(tmp_path: Path, inspect: Any) -> None:
    report = inspect(write_lines(tmp_path / "crlf.jsonl", good(), newline="\r\n", end="\r\n"))
    assert found(report) == []


def test_example_counts(tmp_path: Path, inspect: Any) -> None:
    assert found(inspect(write_lines(tmp_path / "a.jsonl", good(9)))) == [
        ("error", 0, "9 examples; fine-tuning needs at least 10")
    ]
    assert found(inspect(write_lines(tmp_path / "b.jsonl", good(49))))[0][:2] == ("warning", 0)
    assert "only 49 examples" in found(inspect(tmp_path / "b.jsonl"))[0][2]
    assert found(inspect(write_lines(tmp_path / "c.jsonl", good(99)))) == [
        (
            "warning",
            0,
            "99 examples; the docs recommend at least 100 (hundreds to thousands to teach "
            "a new skill)",
        )
    ]
    assert found(inspect(write_lines(tmp_path / "d.jsonl", good(100)))) == []
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert found(inspect(empty)) == [("error", 0, "0 examples; fine-tuning needs at least 10")]


def test_duplicates_point_at_the_first(tmp_path: Path, inspect: Any) -> None:
    lines: list[Any] = good()
    same_other_order = {"messages": [dict(reversed(m.items())) for m in chat(3)["messages"]]}
    lines.insert(50, same_other_order)
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    assert found(report) == [("warning", 51, "duplicate of the example on line 4")]
    assert len(report.example_digests) == 120


def test_system_messages_that_differ(tmp_path: Path, inspect: Any) -> None:
    lines = good()
    lines[10] = chat(10, system="You are Marv.")
    lines[20] = chat(20, system=None)
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    assert report.system_prompts == 2
    assert found(report) == [
        (
            "warning",
            0,
            "2 different system messages (lines 1 and 11 differ); the docs advise one system "
            "message, the same in training and at inference",
        ),
        (
            "warning",
            0,
            "1 examples have no system message (the first on line 21) while others have one; "
            "use the same system message everywhere, as at inference",
        ),
    ]


def test_many_bad_lines_give_20_and_a_count(tmp_path: Path, inspect: Any) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"{nope\n" * 100_000)
    report = inspect(path)
    assert len(report.diagnostics) == 21
    assert [d.location.line for d in report.diagnostics[:20]] == list(range(1, 21))
    last = report.diagnostics[-1]
    assert str(last) == f"{path}: error: … and 99,980 more problems in {path}"


def test_file_level_problems_take_room_in_the_20(tmp_path: Path, inspect: Any) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"{nope\n" * 30)
    shown = found(inspect(path))
    assert [line for _, line, _ in shown[:19]] == list(range(1, 20))
    assert shown[19][:2] == ("warning", 0) and shown[19][2].startswith("only 30 examples")
    assert shown[20] == ("error", 0, f"… and 11 more problems in {path}")


def test_errors_are_shown_before_warnings(tmp_path: Path, inspect: Any) -> None:
    lines: list[Any] = [chat(0)] * 60 + ["{bad"] + good(60)
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    assert report.diagnostics[0].location.line == 2  # a duplicate warning
    assert any(d.location.line == 61 and d.severity.value == "error" for d in report.diagnostics)
    assert report.diagnostics[-1].message.startswith("… and ")


def test_file_size_limits(tmp_path: Path, inspect: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_lines(tmp_path / "d.jsonl", good())
    size = path.stat().st_size
    monkeypatch.setattr(scan_module, "FILES_API_MAX_BYTES", size - 1)
    [warning] = found(inspect(path))
    assert warning[0] == "warning" and "uploaded in parts through the uploads API" in warning[2]
    monkeypatch.setattr(scan_module, "UPLOADS_API_MAX_BYTES", size - 1)
    [error] = found(inspect(path, format="chat"))  # other options: not cached
    # the message names the limit in force (8 GB unpatched: test_azure_limits)
    assert error[0] == "error" and f"uploads take at most {size - 1} bytes" in error[2]


def test_line_longer_than_the_limit(
    tmp_path: Path, inspect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.datasets import reader

    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 1000)
    lines: list[Any] = good(12)
    lines[3] = {"messages": [{"role": "user", "content": "x" * 5000}]}
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    assert at_line(report, 4) == ["line is longer than 1,000 bytes; not checked"]


def test_shared_examples_between_two_files(tmp_path: Path, inspect: Any) -> None:
    train = inspect(write_lines(tmp_path / "t.jsonl", good(100)))
    validation = inspect(write_lines(tmp_path / "v.jsonl", [chat(i) for i in range(95, 115)]))
    assert shared_examples(train, validation) == 5
    assert shared_examples(validation, train) == 5


def test_bad_options_and_missing_files_are_spec_errors(tmp_path: Path, inspect: Any) -> None:
    path = write_lines(tmp_path / "d.jsonl", good(12))
    with pytest.raises(SpecError, match="unknown dataset format 'dpo'"):
        inspect(path, format="dpo")
    with pytest.raises(SpecError, match="max_example_tokens must be a positive integer"):
        inspect(path, max_example_tokens=0)
    with pytest.raises(SpecError, match="dataset file not found"):
        inspect(tmp_path / "missing.jsonl")
    with pytest.raises(SpecError, match="is a directory"):
        inspect(tmp_path)
    with pytest.raises(SpecError, match="invalid dataset file path"):
        inspect(Path("bad\0name.jsonl"))
