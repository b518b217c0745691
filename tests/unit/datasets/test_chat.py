from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .helpers import SYSTEM, at_line, chat, found, reference_count, write_lines

GOOD = [chat(i) for i in range(120)]


def with_line(example: Any, at: int = 5) -> list[Any]:
    lines: list[Any] = list(GOOD)
    lines.insert(at - 1, example)
    return lines


def test_a_valid_file_has_no_problems(tmp_path: Path, inspect: Any) -> None:
    report = inspect(write_lines(tmp_path / "ok.jsonl", GOOD))
    assert found(report) == []
    assert report.ok
    assert report.format == "chat"
    assert report.stats.examples == 120
    assert report.system_prompts == 1
    assert len(report.example_digests) == 120


BROKEN = [
    ({"messages": "hello"}, "messages: must be a list of messages, not a string"),
    ({"messages": []}, "messages: the list is empty"),
    ({"msgs": []}, "missing 'messages'"),
    (
        {"messages": [{"role": "user", "content": "x"}, {"role": "assitant", "content": "y"}]},
        "messages[1].role: 'assitant' is not a role (did you mean 'assistant'?)",
    ),
    ({"messages": [{"content": "x"}]}, "messages[0]: missing 'role'"),
    ({"messages": ["hi"]}, "messages[0] must be an object with role and content, not a string"),
    (
        {
            "messages": [
                {"role": "user", "content": "x", "weight": 1},
                {"role": "assistant", "content": "y"},
            ]
        },
        "messages[0].weight: weight is only allowed on assistant messages",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": "y", "weight": 2},
            ]
        },
        "messages[1].weight: must be 0 or 1, not 2",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": "y", "weight": True},
            ]
        },
        "messages[1].weight: must be 0 or 1, not True",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": "y", "weight": 0},
            ]
        },
        "no assistant message trains: every one has weight 0",
    ),
    (
        {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "x"}]},
        "no assistant message",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": "y"},
                {"role": "user", "content": "z"},
            ]
        },
        "messages[2]: the last message is from user; an example must end with the "
        "assistant's reply",
    ),
    (
        {"messages": [{"role": "user"}, {"role": "assistant", "content": "y"}]},
        "messages[0]: content is missing",
    ),
    (
        {"messages": [{"role": "user", "content": None}, {"role": "assistant", "content": "y"}]},
        "messages[0]: content is null",
    ),
    (
        {"messages": [{"role": "user", "content": 7}, {"role": "assistant", "content": "y"}]},
        "messages[0].content: must be a string or a list of parts, not a number",
    ),
    (
        {"messages": [{"role": "user", "content": []}, {"role": "assistant", "content": "y"}]},
        "messages[0].content: the list of parts is empty",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": [{"type": "audio"}]},
                {"role": "assistant", "content": "y"},
            ]
        },
        "messages[0].content[0].type: 'audio' is not supported; use 'text' or 'image_url'",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": 3}]},
                {"role": "assistant", "content": "y"},
            ]
        },
        "messages[0].content[0].text: must be a string, not a number",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": "x", "name": 5},
                {"role": "assistant", "content": "y"},
            ]
        },
        "messages[0].name: must be a string, not a number",
    ),
    (
        {
            "messages": [
                {
                    "role": "user",
                    "content": "x",
                    "tool_calls": [
                        {"type": "function", "function": {"name": "f", "arguments": "{}"}}
                    ],
                },
                {"role": "assistant", "content": "y"},
            ]
        },
        "messages[0]: only assistant messages make tool or function calls",
    ),
    (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": {}}}]},
            ]
        },
        "messages[1].tool_calls[0].function.arguments: must be a string (JSON text), not dict",
    ),
    (
        {
            "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
            "tools": {},
        },
        "tools: must be a list of objects",
    ),
]


@pytest.mark.parametrize(("example", "message"), BROKEN, ids=[m for _, m in BROKEN])
def test_each_rule_reports_the_line_and_what_is_wrong(
    tmp_path: Path, inspect: Any, example: Any, message: str
) -> None:
    report = inspect(write_lines(tmp_path / "d.jsonl", with_line(example, at=5)))
    problems = at_line(report, 5)
    assert any(message in p for p in problems), problems
    assert not report.ok
    assert {where for severity, where, _ in found(report) if severity == "error"} <= {5}
    assert report.stats.examples == 120  # the broken line is not counted


def test_unknown_keys_are_warnings_with_a_suggestion(tmp_path: Path, inspect: Any) -> None:
    example = {
        "messages": [
            {"role": "user", "content": "x", "nmae": "bob"},
            {"role": "assistant", "content": "y"},
        ],
        "tool": [],
    }
    report = inspect(write_lines(tmp_path / "d.jsonl", with_line(example)))
    problems = found(report)
    assert (
        "warning",
        5,
        "unknown key 'tool' (did you mean 'tools'?); expected functions, "
        "messages, parallel_tool_calls, tools",
    ) in problems
    assert any(
        severity == "warning" and "messages[0]: unknown key 'nmae' (did you mean 'name'?)" in text
        for severity, _, text in problems
    )
    assert report.ok  # warnings only


def test_weight_zero_and_tool_calls_are_valid(tmp_path: Path, inspect: Any, o200k: Any) -> None:
    example = {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "What's the capital of France?", "name": "alice"},
            {"role": "assistant", "content": "Paris", "weight": 0},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "More"},
                    {"type": "text", "text": " sarcastic?"},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "Paris is the capital."},
            {
                "role": "assistant",
                "content": "Paris, as if everyone doesn't know that already.",
                "weight": 1,
            },
        ]
    }
    lines = [example] + [chat(i) for i in range(11)]
    report = inspect(write_lines(tmp_path / "d.jsonl", lines))
    assert [p for p in found(report) if p[0] == "error"] == []
    expected = [reference_count(line["messages"], o200k) for line in lines]
    assert report.stats.total_tokens == sum(total for total, _ in expected)
    assert report.stats.trained_tokens == sum(trained for _, trained in expected)
    assert report.stats.max_tokens == max(total for total, _ in expected)
    assert report.stats.min_tokens == min(total for total, _ in expected)
    assert report.stats.mean_tokens == pytest.approx(report.stats.total_tokens / 12)


def test_token_limit_is_an_error_at_the_line(tmp_path: Path, inspect: Any, o200k: Any) -> None:
    long = chat(99)
    long["messages"][-1]["content"] = "word " * 300
    lines = [chat(i) for i in range(20)]
    lines.insert(7, long)
    limit = 100
    report = inspect(write_lines(tmp_path / "d.jsonl", lines), max_example_tokens=limit)
    tokens, _ = reference_count(long["messages"], o200k)
    assert at_line(report, 8) == [
        f"example has {tokens:,} tokens; the base model takes at most {limit} per example"
    ]
    assert [line for severity, line, _ in found(report) if severity == "error"] == [8]


def test_a_million_unknown_keys_give_a_count(tmp_path: Path, inspect: Any) -> None:
    example = chat(0)
    example["messages"][1].update({f"k{i}": i for i in range(10_000)})
    report = inspect(write_lines(tmp_path / "d.jsonl", with_line(example)))
    problems = at_line(report, 5)
    assert len(problems) == 4
    assert problems[-1] == "messages[1]: 9,997 more unknown keys"
