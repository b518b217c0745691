"""What the service checks when it processes an uploaded fine-tuning file, done by streaming.

A file is stored as one or more segments on disk (an upload's parts are kept as they came, not
concatenated), so everything here reads a chain of files line by line and never holds more than
one line in memory.

Checks (the first failure becomes the file's ``status_details``):
UTF-8 (a leading byte-order mark is accepted); each non-blank line a JSON object; chat lines with a
non-empty ``messages`` list of ``{role, content}`` objects, ``weight`` (0 or 1) only on assistant
messages; preference (DPO) lines with ``input.messages``, ``preferred_output`` and
``non_preferred_output`` (assistant messages only); one format per file; at least 10 examples.

Token counts are an estimate (the emulator does not load a tokenizer, files may be gigabytes):
``ceil(utf-8 bytes / 4)`` per text content, plus 4 per message and 3 per example.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reconciler.azure_limits import MIN_TRAINING_EXAMPLES
from reconciler.emulator import json_input
from reconciler.emulator.dataplane.screening import harm_types_in

MAX_LINE_BYTES = 64 * 1024 * 1024
CHAT_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_BOM = b"\xef\xbb\xbf"

Format = Literal["chat", "prompts", "preference"]


@dataclass
class FileCheck:
    """The outcome of processing a fine-tuning file."""

    error: str | None = None
    # "chat": every example has an assistant reply (supervised); "prompts": some have none
    # (usable for reinforcement only); "preference": DPO lines.
    format: Format | None = None
    examples: int = 0
    tokens: int = 0
    max_example_tokens: int = 0
    harm_types: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "format": self.format,
            "examples": self.examples,
            "tokens": self.tokens,
            "max_example_tokens": self.max_example_tokens,
            "harm_types": sorted(self.harm_types),
        }


class ChainedReader(io.RawIOBase):
    """The concatenation of several files, read in order, as one raw stream."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__()
        self._paths = list(paths)
        self._index = 0
        self._current: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while self._index < len(self._paths):
            if self._current is None:
                self._current = open(self._paths[self._index], "rb")  # noqa: SIM115
            n = self._current.readinto(view)
            if n:
                return n
            self._current.close()
            self._current = None
            self._index += 1
        return 0

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


class LineTooLong(Exception):
    def __init__(self, line_number: int) -> None:
        super().__init__(f"Line {line_number} is longer than {MAX_LINE_BYTES} bytes")
        self.line_number = line_number


def iter_lines(paths: Sequence[Path]) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw line without the newline) over the chained files."""
    with io.BufferedReader(ChainedReader(paths), buffer_size=1024 * 1024) as reader:
        number = 0
        while True:
            line = reader.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                raise LineTooLong(number)
            if number == 1 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            yield number, line.rstrip(b"\r\n")


def _text_of(content: Any) -> str | None:
    """The text of a message's content (a string or a list of parts); None when malformed."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts: list[str] = []
        for part in content:
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                return None
            text = part.get("text")
            if isinstance(text, str):
                texts.append(text)
        return "\n".join(texts)
    return None


def _estimate(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 4)


def _check_messages(messages: Any, where: str, *, assistant_only: bool = False) -> tuple[int, bool]:
    """(estimated tokens, has an assistant message); raises ValueError with the problem."""
    if not isinstance(messages, list) or not messages:
        raise ValueError(f"{where} must be a non-empty list of messages")
    tokens = 0
    has_assistant = False
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValueError(f"{where}[{i}] is not an object")
        role = message.get("role")
        if role not in CHAT_ROLES:
            raise ValueError(f"{where}[{i}].role {role!r} is not one of {sorted(CHAT_ROLES)}")
        if assistant_only and role != "assistant":
            raise ValueError(f"{where}[{i}].role must be 'assistant'")
        text = _text_of(message.get("content"))
        if text is None:
            raise ValueError(f"{where}[{i}].content must be a string or a list of content parts")
        if "content" not in message and not message.get("tool_calls"):
            raise ValueError(f"{where}[{i}] has no content")
        if "weight" in message:
            if role != "assistant":
                raise ValueError(f"{where}[{i}].weight is only allowed on assistant messages")
            if message["weight"] not in (0, 1) or isinstance(message["weight"], bool):
                raise ValueError(f"{where}[{i}].weight must be 0 or 1")
        has_assistant = has_assistant or role == "assistant"
        tokens += _estimate(text) + 4
    return tokens, has_assistant


def _check_example(example: dict[str, Any]) -> tuple[Format, int]:
    if "messages" in example:
        tokens, has_assistant = _check_messages(example["messages"], "messages")
        return ("chat" if has_assistant else "prompts"), tokens + 3
    if "input" in example or "preferred_output" in example:
        source = example.get("input")
        if not isinstance(source, dict):
            raise ValueError("input must be an object with 'messages'")
        tokens, _ = _check_messages(source.get("messages"), "input.messages")
        for key in ("preferred_output", "non_preferred_output"):
            more, _ = _check_messages(example.get(key), key, assistant_only=True)
            tokens += more
        return "preference", tokens + 3
    raise ValueError("missing 'messages' (chat format) or 'input' (preference format)")


def _merge(current: Format | None, new: Format) -> Format:
    if current is None or current == new:
        return new
    if {current, new} == {"chat", "prompts"}:
        return "prompts"
    raise ValueError(f"mixes the {current} and {new} formats in one file")


def check_lines(lines: Iterable[tuple[int, bytes]]) -> FileCheck:
    result = FileCheck()
    try:
        for number, raw in lines:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                result.error = (
                    f"Invalid file format. Line {number}: the file is not UTF-8 encoded "
                    f"(invalid byte at position {exc.start})."
                )
                return result
            if not text.strip():
                continue
            try:
                # The emulator's strict reader: a deep, huge or NaN line is invalid, not a crash.
                example = json_input.parse(text)
            except json_input.JsonInputError as exc:
                result.error = f"Invalid file format. Line {number}: invalid JSON ({exc})."
                return result
            if not isinstance(example, dict):
                result.error = f"Invalid file format. Line {number}: expected a JSON object."
                return result
            try:
                kind, tokens = _check_example(example)
                result.format = _merge(result.format, kind)
            except ValueError as exc:
                result.error = f"Invalid file format. Line {number}: {exc}."
                return result
            result.examples += 1
            result.tokens += tokens
            result.max_example_tokens = max(result.max_example_tokens, tokens)
            result.harm_types |= harm_types_in(text)
    except LineTooLong as exc:
        result.error = f"Invalid file format. {exc}."
        return result
    if result.examples < MIN_TRAINING_EXAMPLES:
        result.error = (
            f"Invalid file format. The file has {result.examples} example(s); "
            f"at least {MIN_TRAINING_EXAMPLES} are required."
        )
    return result


def check_file(paths: Sequence[Path]) -> FileCheck:
    return check_lines(iter_lines(paths))


def iter_examples(paths: Sequence[Path], limit: int) -> Iterator[dict[str, Any]]:
    """The first ``limit`` JSON-object lines of a (processed) file; anything else is skipped."""
    count = 0
    try:
        for _, raw in iter_lines(paths):
            if count >= limit:
                return
            try:
                example = json_input.parse(raw)
            except json_input.JsonInputError:
                continue
            if isinstance(example, dict):
                count += 1
                yield example
    except (LineTooLong, OSError):
        return
