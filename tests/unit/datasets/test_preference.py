from __future__ import annotations

from pathlib import Path
from typing import Any

from .helpers import at_line, chat, found, preference, reference_count, write_lines


def test_valid_preference_data_and_its_token_counts(
    tmp_path: Path, inspect: Any, o200k: Any
) -> None:
    lines = [preference(i) for i in range(12)]
    report = inspect(write_lines(tmp_path / "dpo.jsonl", lines))
    assert [p for p in found(report) if p[0] == "error"] == []
    assert report.format == "preference"
    total = trained = 0
    longest = 0
    for line in lines:
        prompt = line["input"]["messages"]
        good, good_trained = reference_count(prompt + line["preferred_output"], o200k)
        bad, bad_trained = reference_count(prompt + line["non_preferred_output"], o200k)
        total += good + bad
        trained += good_trained + bad_trained
        longest = max(longest, good, bad)
    assert report.stats.total_tokens == total
    assert report.stats.trained_tokens == trained
    # the limit applies to the longer conversation, not to the sum of both
    assert inspect(tmp_path / "dpo.jsonl", max_example_tokens=longest).ok
    over = inspect(tmp_path / "dpo.jsonl", max_example_tokens=longest - 1)
    assert any("its longer conversation has" in m for _, _, m in found(over))


def test_outputs_hold_assistant_messages_only(tmp_path: Path, inspect: Any) -> None:
    bad = preference(0)
    bad["non_preferred_output"] = [{"role": "user", "content": "no"}]
    missing = preference(1)
    del missing["preferred_output"]
    weighted = preference(2)
    weighted["preferred_output"][0]["weight"] = 1
    no_input = preference(3)
    no_input["input"] = {"messages": []}
    lines = [preference(i) for i in range(10, 22)] + [bad, missing, weighted, no_input]
    report = inspect(write_lines(tmp_path / "dpo.jsonl", lines))
    assert at_line(report, 13) == [
        "non_preferred_output[0].role: outputs hold assistant messages only, not user"
    ]
    assert at_line(report, 14) == ["missing 'preferred_output' (a list of assistant messages)"]
    assert at_line(report, 15) == [
        "preferred_output[0].weight: weight is only for supervised chat data"
    ]
    assert at_line(report, 16) == ["input.messages: must be a non-empty list of messages"]


def test_format_is_detected_and_mixing_is_an_error_on_the_odd_line(
    tmp_path: Path, inspect: Any
) -> None:
    lines: list[Any] = [preference(i) for i in range(12)]
    lines.insert(3, chat(0))
    report = inspect(write_lines(tmp_path / "mixed.jsonl", lines))
    assert report.format == "preference"
    assert at_line(report, 4) == [
        "this is chat data but line 1 is preference data; a file holds one format"
    ]
    assert [line for severity, line, _ in found(report) if severity == "error"] == [4]


def test_a_given_format_wins_over_detection(tmp_path: Path, inspect: Any) -> None:
    path = write_lines(tmp_path / "dpo.jsonl", [preference(i) for i in range(12)])
    report = inspect(path, format="chat")
    assert report.format == "chat"
    assert at_line(report, 1) == [
        "this is preference data but the dataset's format is chat; a file holds one format"
    ]


def test_identical_outputs_are_a_warning(tmp_path: Path, inspect: Any) -> None:
    same = preference(0)
    same["non_preferred_output"] = same["preferred_output"]
    report = inspect(
        write_lines(tmp_path / "dpo.jsonl", [same] + [preference(i) for i in range(1, 12)])
    )
    assert ("warning", 1, "preferred_output and non_preferred_output are identical") in found(
        report
    )
