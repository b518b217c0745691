"""What a deployed model answers, so a smoke test can tell a fine-tuned deployment from a base one.

A fine-tuned model answers with the assistant reply of the training example whose prompt shares
the most words with the conversation's last user message (ties: the earlier example; only the
first examples of the training file are kept for this, see ``jobs.STYLE_EXAMPLES``). A base
model answers a neutral, generic text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)


def base_reply(model: str) -> str:
    return (
        f"Hello! I am a general-purpose assistant ({model}). "
        "I can help with questions, writing and analysis. What would you like to do?"
    )


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text")) for p in content if isinstance(p, dict) and "text" in p)
    return ""


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def example_pair(example: dict[str, Any]) -> tuple[str, str] | None:
    """(prompt text, reply) of a chat or preference example; None when it has no reply."""
    if isinstance(example.get("messages"), list):
        messages = [m for m in example["messages"] if isinstance(m, dict)]
        prompt = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "user")
        replies = [_text(m.get("content")) for m in messages if m.get("role") == "assistant"]
    elif isinstance(example.get("input"), dict):
        source = example["input"].get("messages")
        messages = [m for m in source if isinstance(m, dict)] if isinstance(source, list) else []
        prompt = " ".join(_text(m.get("content")) for m in messages if m.get("role") == "user")
        preferred = example.get("preferred_output")
        outputs = (
            [m for m in preferred if isinstance(m, dict)] if isinstance(preferred, list) else []
        )
        replies = [_text(m.get("content")) for m in outputs]
    else:
        return None
    replies = [r for r in replies if r]
    return (prompt, replies[-1]) if replies else None


def styled_reply(prompt: str, pairs: Iterable[Sequence[str]]) -> str | None:
    """The reply of the (prompt, reply) training pair most similar to ``prompt``; None without
    pairs."""
    wanted = words(prompt)
    best: tuple[int, str] | None = None
    for example_prompt, reply in pairs:
        score = len(wanted & words(example_prompt))
        if best is None or score > best[0]:
            best = (score, reply)
    return None if best is None else best[1]


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _text(message.get("content"))
    return ""
