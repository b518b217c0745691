"""File processing checks of the emulator's data plane, on data (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.emulator.dataplane import jsonl_check
from reconciler.emulator.dataplane.jsonl_check import check_file


def chat(i: int, **extra: object) -> str:
    return json.dumps(
        {
            "messages": [
                {"role": "user", "content": f"question {i}"},
                {"role": "assistant", "content": f"answer {i}", **extra},
            ]
        }
    )


def preference(i: int) -> str:
    return json.dumps(
        {
            "input": {"messages": [{"role": "user", "content": f"q{i}"}]},
            "preferred_output": [{"role": "assistant", "content": "good"}],
            "non_preferred_output": [{"role": "assistant", "content": "bad"}],
        }
    )


def write(tmp_path: Path, data: bytes, name: str = "f.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def lines(*items: str) -> bytes:
    return ("\n".join(items) + "\n").encode()


def test_valid_chat_file(tmp_path: Path) -> None:
    result = check_file([write(tmp_path, lines(*(chat(i) for i in range(12))))])
    assert result.ok and result.format == "chat"
    assert result.examples == 12
    # "question 0" (10 bytes) -> 3 tokens, "answer 0" (8) -> 2, + 4 per message + 3 per example;
    # "question 10" (11) -> 3, "answer 10" (9) -> 3
    assert result.max_example_tokens == 3 + 3 + 8 + 3
    assert result.tokens == 10 * (3 + 2 + 8 + 3) + 2 * (3 + 3 + 8 + 3)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (lines(*(chat(i) for i in range(9))), "9 example(s); at least 10"),
        (lines(chat(0), "[1]"), "Line 2: expected a JSON object"),
        (lines(chat(0), "{bad json"), "Line 2: invalid JSON"),
        (
            lines(chat(0), chat(1)).replace(b"answer 1", b"answer \xff"),
            "Line 2: the file is not UTF-8",
        ),
        (lines(json.dumps({"prompt": "x"})), "Line 1: missing 'messages'"),
        (lines(json.dumps({"messages": []})), "messages must be a non-empty list"),
        (lines(json.dumps({"messages": [{"role": "robot", "content": "x"}]})), "role 'robot'"),
        (lines(json.dumps({"messages": [{"role": "user", "content": 5}]})), "content must be"),
        (
            lines(json.dumps({"messages": [{"role": "user", "content": "q", "weight": 0}]})),
            "weight is only allowed on assistant messages",
        ),
        (lines(chat(0, weight=2)), "weight must be 0 or 1"),
        (lines(chat(0, weight=True)), "weight must be 0 or 1"),
        (lines(chat(0), preference(1)), "Line 2: mixes the chat and preference formats"),
        (
            lines(
                json.dumps(
                    {
                        "input": {"messages": [{"role": "user", "content": "q"}]},
                        "preferred_output": [{"role": "user", "content": "no"}],
                        "non_preferred_output": [{"role": "assistant", "content": "b"}],
                    }
                )
            ),
            "preferred_output[0].role must be 'assistant'",
        ),
    ],
)
def test_malformed_files(tmp_path: Path, data: bytes, expected: str) -> None:
    result = check_file([write(tmp_path, data)])
    assert not result.ok
    assert result.error is not None and expected in result.error


def test_byte_order_mark_and_blank_lines_are_accepted(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + lines(*(chat(i) for i in range(10))) + b"\n  \n"
    result = check_file([write(tmp_path, data)])
    assert result.ok and result.examples == 10


def test_preference_and_prompt_formats(tmp_path: Path) -> None:
    pref = check_file([write(tmp_path, lines(*(preference(i) for i in range(10))), "p.jsonl")])
    assert pref.ok and pref.format == "preference"
    no_reply = json.dumps({"messages": [{"role": "user", "content": "solve"}]})
    prompts = check_file(
        [write(tmp_path, lines(*(chat(i) for i in range(9)), no_reply), "r.jsonl")]
    )
    assert prompts.ok and prompts.format == "prompts"


def test_segments_are_read_as_one_stream(tmp_path: Path) -> None:
    data = lines(*(chat(i) for i in range(10))).replace(b"answer 3", "answer é".encode())
    # cut inside a line and inside the two-byte "é"
    cut1, cut2 = 37, data.index("é".encode()) + 1
    parts = [data[:cut1], data[cut1:cut2], data[cut2:]]
    paths = [write(tmp_path, part, f"part{i}") for i, part in enumerate(parts)]
    whole = check_file([write(tmp_path, data, "whole")])
    split = check_file(paths)
    assert split.ok and split.to_json() == whole.to_json()
    assert [n for n, _ in jsonl_check.iter_lines(paths)] == list(range(1, 11))


def test_harm_markers_are_collected(tmp_path: Path) -> None:
    data = lines(
        *(chat(i) for i in range(9)),
        chat(9).replace(
            "answer 9", "RECONCILER_HARMFUL_TEST_SELF_HARM and RECONCILER_HARMFUL_TEST_SEXUAL"
        ),
    )
    result = check_file([write(tmp_path, data)])
    assert result.ok
    assert result.harm_types == {"self_harm", "sexual"}


def test_overlong_line_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_check, "MAX_LINE_BYTES", 150)
    data = lines(chat(0), json.dumps({"messages": [{"role": "user", "content": "x" * 300}]}))
    result = check_file([write(tmp_path, data)])
    assert result.error is not None and "Line 2 is longer than 150 bytes" in result.error


def test_iter_examples_skips_what_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path, lines(chat(0), "[1]", "nope", chat(1), chat(2)))
    got = list(jsonl_check.iter_examples([path], limit=2))
    assert [e["messages"][0]["content"] for e in got] == ["question 0", "question 1"]
