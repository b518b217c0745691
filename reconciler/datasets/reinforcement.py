"""The reinforcement (RFT) format: ``{"messages": [...], <fields a grader reads>}`` per line.

From the reinforcement fine-tuning how-to (MicrosoftDocs/azure-ai-docs
``articles/ai-foundry/openai/how-to/reinforcement-fine-tuning.md``): the data is chat-format
``messages`` whose final message is the prompt the model answers (a ``user`` turn; SPEC.md §5.4
also takes ``developer``), system messages are not supported (``developer`` takes their place on
reasoning models), and "the data can contain extra fields and values for use by a grader": the
grader reads them as ``{{item.FIELD}}``.

A grader belongs to a job, not to the data, so the scan records which fields each line has
(``FieldTracker``: top-level fields and nested ones to three levels, each with how many lines
lack it and the first of those lines); the job's check compares its grader's references with it.

Tokens: the prompt's messages, counted like chat; nothing is "trained" token-wise (the service
bills reinforcement training by time, not tokens).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.datasets.chat import message_list
from reconciler.datasets.messages import TOKENS_REPLY_PRIMING, LineChecker, Recipe

REINFORCEMENT_ROLES = ("developer", "user", "assistant", "tool")
FINAL_ROLES = ("user", "developer")
#: fields that are the conversation itself, not data for the grader
CONVERSATION_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
MAX_TRACKED_FIELDS = 256
MAX_FIELD_DEPTH = 3
MISSING_LINES_KEPT = 5


def check_reinforcement(example: dict[str, Any], checker: LineChecker) -> Recipe | None:
    """Check one reinforcement example; its token recipe, or None when it has errors."""
    recipe = Recipe(checker.line, 1)
    checker.options(example, "")
    messages = message_list(example, checker, "the prompt: chat messages ending with a user turn")
    if messages is None:
        return None
    roles: list[str] = []
    for index, message in enumerate(messages):
        if isinstance(message, dict) and message.get("role") == "system":
            checker.error(
                f"messages[{index}].role: reinforcement data takes no system message; "
                "use a developer message for instructions"
            )
            continue
        checked = checker.message(
            message, "messages", index, recipe, 0, allow_weight=False, trains_default=False
        )
        if checked is not None:
            roles.append(checked[0])
    if not checker.errors and roles[-1] not in FINAL_ROLES:
        checker.error(
            f"messages[{len(roles) - 1}]: the last message is from {roles[-1]}; reinforcement "
            "data ends with the prompt (a user or developer message), and the grader scores "
            "the model's answer to it"
        )
    checker.end_example()
    if checker.errors:
        return None
    recipe.add_const(TOKENS_REPLY_PRIMING, 0)
    return recipe


@dataclass(frozen=True)
class FieldPresence:
    """How many lines lack a field, and the first of them (at most ``MISSING_LINES_KEPT``)."""

    missing: int
    lines: tuple[int, ...]


class FieldTracker:
    """Which grader-readable fields every line has, in one pass with bounded memory."""

    def __init__(self) -> None:
        self.examples = 0
        self.first_lines: list[int] = []
        self.fields: dict[str, list[Any]] = {}  # path -> [missing count, first missing lines]
        self.overflow = False

    def add(self, example: Mapping[str, Any], line: int) -> None:
        present = set(field_paths(example))
        for path in present:
            if path in self.fields:
                continue
            if len(self.fields) >= MAX_TRACKED_FIELDS:
                self.overflow = True
                continue
            # every earlier line lacks a field first seen now
            self.fields[path] = [self.examples, list(self.first_lines)]
        for path, entry in self.fields.items():
            if path not in present:
                entry[0] += 1
                if len(entry[1]) < MISSING_LINES_KEPT:
                    entry[1].append(line)
        self.examples += 1
        if len(self.first_lines) < MISSING_LINES_KEPT:
            self.first_lines.append(line)

    def result(self) -> ItemFields:
        return ItemFields(
            examples=self.examples,
            first_lines=tuple(self.first_lines),
            fields={k: FieldPresence(v[0], tuple(v[1])) for k, v in sorted(self.fields.items())},
            complete=not self.overflow,
        )


@dataclass(frozen=True)
class ItemFields:
    """The fields of a reinforcement file's lines (``complete``: every field was tracked)."""

    examples: int
    first_lines: tuple[int, ...]
    fields: Mapping[str, FieldPresence]
    complete: bool = True

    def lacking(self, path: str) -> FieldPresence | None:
        """The lines without ``path`` (None: every line has it, or it was not tracked)."""
        found = self.fields.get(path)
        if found is not None:
            return found if found.missing else None
        if not self.complete:
            return None
        return FieldPresence(self.examples, self.first_lines) if self.examples else None

    def shifted(self, base: int) -> ItemFields:
        """The same with ``base`` added to every line number (a range's lines in its file)."""
        return ItemFields(
            examples=self.examples,
            first_lines=tuple(n + base for n in self.first_lines),
            fields={
                k: FieldPresence(v.missing, tuple(n + base for n in v.lines))
                for k, v in self.fields.items()
            },
            complete=self.complete,
        )

    def then(self, later: ItemFields) -> ItemFields:
        """These lines followed by ``later``'s, as one pass over both would have found them: a
        field one side never saw is lacking in every line of that side."""
        fields: dict[str, FieldPresence] = {}
        for path in sorted({*self.fields, *later.fields}):
            here = self.fields.get(path, FieldPresence(self.examples, self.first_lines))
            there = later.fields.get(path, FieldPresence(later.examples, later.first_lines))
            fields[path] = FieldPresence(
                here.missing + there.missing, (here.lines + there.lines)[:MISSING_LINES_KEPT]
            )
        complete = self.complete and later.complete and len(fields) <= MAX_TRACKED_FIELDS
        if len(fields) > MAX_TRACKED_FIELDS:
            fields = dict(list(fields.items())[:MAX_TRACKED_FIELDS])
        return ItemFields(
            examples=self.examples + later.examples,
            first_lines=(self.first_lines + later.first_lines)[:MISSING_LINES_KEPT],
            fields=fields,
            complete=complete,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "first_lines": list(self.first_lines),
            "fields": {k: [v.missing, list(v.lines)] for k, v in self.fields.items()},
            "complete": self.complete,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ItemFields:
        return ItemFields(
            examples=int(data["examples"]),
            first_lines=tuple(int(n) for n in data["first_lines"]),
            fields={
                str(k): FieldPresence(int(v[0]), tuple(int(n) for n in v[1]))
                for k, v in dict(data["fields"]).items()
            },
            complete=bool(data["complete"]),
        )


def field_paths(example: Mapping[str, Any], prefix: str = "", depth: int = 1) -> Iterator[str]:
    """``a``, ``a.b``, … for the grader-readable fields of a line (nested objects to 3 levels)."""
    for key, value in example.items():
        if not isinstance(key, str) or "." in key or (not prefix and key in CONVERSATION_KEYS):
            continue
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict) and depth < MAX_FIELD_DEPTH:
            yield from field_paths(value, f"{path}.", depth + 1)
