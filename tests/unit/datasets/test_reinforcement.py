from __future__ import annotations

from pathlib import Path
from typing import Any

from .helpers import at_line, found, write_lines


def prompt(i: int, **fields: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "messages": [
            {"role": "developer", "content": "Answer with a number."},
            {"role": "user", "content": f"What is {i} + {i}?"},
        ],
        "answer": str(2 * i),
        "truth": {"value": 2 * i},
    }
    line.update(fields)
    return line


def test_valid_reinforcement_data_records_the_fields_each_line_has(
    tmp_path: Path, inspect: Any
) -> None:
    lines = [prompt(i) for i in range(12)]
    del lines[3]["answer"]
    del lines[8]["answer"]
    lines[5]["extra"] = 1
    report = inspect(write_lines(tmp_path / "rft.jsonl", lines), format="reinforcement")
    assert [p for p in found(report) if p[0] == "error"] == []
    assert report.format == "reinforcement"
    assert report.stats.trained_tokens == 0
    fields = report.item_fields
    assert fields is not None
    assert fields.lacking("truth") is None
    assert fields.lacking("truth.value") is None
    answer = fields.lacking("answer")
    assert answer is not None and (answer.missing, answer.lines) == (2, (4, 9))
    extra = fields.lacking("extra")  # first seen on line 6: every other line lacks it
    assert extra is not None and extra.missing == 11 and extra.lines == (1, 2, 3, 4, 5)
    never = fields.lacking("nowhere")
    assert never is not None and never.missing == 12
    # the same answer from the cache
    again = inspect(tmp_path / "rft.jsonl", format="reinforcement")
    assert again.from_cache and again.item_fields == fields


def test_a_prompt_ends_with_user_or_developer_and_has_no_system_message(
    tmp_path: Path, inspect: Any
) -> None:
    answered = prompt(0)
    answered["messages"].append({"role": "assistant", "content": "0"})
    system = prompt(1)
    system["messages"][0]["role"] = "system"
    developer_last = prompt(2)
    developer_last["messages"].reverse()
    lines = [answered, system, developer_last] + [prompt(i) for i in range(3, 12)]
    report = inspect(write_lines(tmp_path / "rft.jsonl", lines), format="reinforcement")
    assert any("the last message is from assistant" in m for m in at_line(report, 1))
    assert any("takes no system message" in m for m in at_line(report, 2))
    assert at_line(report, 3) == []


def test_chat_data_read_as_reinforcement_is_not_a_format_clash(
    tmp_path: Path, inspect: Any
) -> None:
    lines = [prompt(i) for i in range(12)]
    report = inspect(write_lines(tmp_path / "rft.jsonl", lines))
    assert report.format == "chat"  # never detected: its lines look like chat
    assert any("assistant" in m for _, _, m in found(report))
    declared = inspect(tmp_path / "rft.jsonl", format="reinforcement")
    assert declared.ok
