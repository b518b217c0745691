"""Builders of dataset lines and an independent reference token count for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SYSTEM = "Clippy is a factual chatbot that is also sarcastic."


def chat(index: int, system: str | None = SYSTEM, **assistant: Any) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": f"Question number {index}?"})
    messages.append({"role": "assistant", "content": f"Answer {index}, obviously.", **assistant})
    return {"messages": messages}


def preference(index: int) -> dict[str, Any]:
    return {
        "input": {
            "messages": [
                {"role": "system", "content": "Answer with one letter."},
                {"role": "user", "content": f"Question {index}: A, B, C or D?"},
            ]
        },
        "preferred_output": [{"role": "assistant", "content": f"A{index}"}],
        "non_preferred_output": [
            {"role": "assistant", "content": f"D{index}, because I guessed badly"}
        ],
    }


def write_lines(path: Path, lines: list[Any], *, newline: str = "\n", end: str = "\n") -> Path:
    """Write objects (as JSON) or raw strings/bytes, one per line."""
    parts: list[bytes] = []
    for line in lines:
        if isinstance(line, bytes):
            parts.append(line)
        elif isinstance(line, str):
            parts.append(line.encode())
        else:
            parts.append(json.dumps(line, ensure_ascii=False).encode())
    path.write_bytes(newline.encode().join(parts) + (end.encode() if parts else b""))
    return path


def reference_count(messages: list[dict[str, Any]], encoding: Any) -> tuple[int, int]:
    """(tokens, trained tokens) by the cookbook formula, written as plainly as possible."""

    def n(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    total = 3
    trained = 0
    for message in messages:
        total += 3 + n(message["role"])
        content = message.get("content")
        texts: list[str] = []
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(part["text"] for part in content if part["type"] == "text")
        for call in message.get("tool_calls") or []:
            texts += [call["function"]["name"], call["function"]["arguments"]]
        tokens = sum(n(t) for t in texts)
        total += tokens
        if "name" in message:
            total += 1 + n(message["name"])
        if message["role"] == "assistant" and message.get("weight", 1) != 0:
            trained += tokens
    return total, trained


def found(report: Any) -> list[tuple[str, int, str]]:
    """(severity, line, message) of each diagnostic, for compact assertions."""
    return [
        (d.severity.value, d.location.line if d.location else 0, d.message)
        for d in report.diagnostics
    ]


def at_line(report: Any, line: int) -> list[str]:
    return [message for _, where, message in found(report) if where == line]
