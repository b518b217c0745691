"""Checks shared by every format: one chat message, its content parts, and what to count.

Token counting follows OpenAI's cookbook (``num_tokens_from_messages``, the one its fine-tuning
data-preparation notebook uses) and is exact for that formula:

- every message costs 3 tokens, plus the tokens of its ``role``, of its content text (a
  string, or each text part of a list counted separately), and of its ``name`` plus 1;
- an assistant's tool calls add the tokens of each function name and arguments string
  (the legacy ``function_call`` likewise);
- a conversation adds 3 tokens for priming the reply;
- ``weight``, ``tool_call_id``, ``tools`` definitions and images are not counted (image tokens
  depend on size and ``detail``, decided by the service).

"Trained tokens" of an example are the tokens of the content text and tool calls of the
assistant messages that train (``weight`` absent or 1), without the per-message 3 -- the
cookbook's ``num_assistant_tokens_from_messages``.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from reconciler.azure_limits import MAX_IMAGES_PER_EXAMPLE
from reconciler.datasets.images import ImageChecker
from reconciler.datasets.jsonline import json_type
from reconciler.datasets.problems import ProblemCollector
from reconciler.datasets.text_memo import TextMemo
from reconciler.errors import Severity
from reconciler.quoting import quote

ROLES = ("system", "user", "assistant", "tool")
MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"}
)
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_REPLY_PRIMING = 3

# Texts of these roles repeat across examples (one system prompt for the whole file), so their
# counts are remembered (``TextMemo``) instead of encoded again.
_MEMO_ROLES = frozenset({"system"})
# Unknown keys reported per object; a line with a million keys gets a count, not a million lines.
UNKNOWN_KEYS_SHOWN = 3


def show(value: object, limit: int = 40) -> str:
    """A user value for a message, shortened: lines can be megabytes long."""
    return quote(value, limit)


def suggestion(key: str, allowed: Collection[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Recipe:
    """How to add up one example's tokens once its texts are encoded.

    Texts are grouped: chat uses group 0 only; preference data uses 0 for the input
    conversation, 1 for the preferred output and 2 for the non-preferred one.
    """

    __slots__ = ("consts", "line", "tags", "texts", "trained_const")

    def __init__(self, line: int, groups: int) -> None:
        self.line = line
        self.consts = [0] * groups
        self.trained_const = 0
        self.texts: list[str] = []
        self.tags: list[int] = []  # group * 2 + (1 if trained)

    @classmethod
    def of(cls, line: int, const: int, texts: list[str], tags: list[int]) -> Recipe:
        """A chat recipe (one group, nothing trained outside its texts) built elsewhere."""
        recipe = cls.__new__(cls)
        recipe.line = line
        recipe.consts = [const]
        recipe.trained_const = 0
        recipe.texts = texts
        recipe.tags = tags
        return recipe

    def add(self, text: str, group: int, trained: bool, memo: TextMemo | None) -> None:
        if not text:
            return
        if memo is not None:
            known = memo.tokens(text)
            if known is not None:
                self.consts[group] += known
                if trained:
                    self.trained_const += known
                return
        self.texts.append(text)
        self.tags.append(group * 2 + trained)

    def add_const(self, tokens: int, group: int) -> None:
        self.consts[group] += tokens


class LineChecker:
    """Checks the parts of one line, reporting problems at that line."""

    def __init__(
        self,
        problems: ProblemCollector,
        images: ImageChecker,
        *,
        allow_images: bool,
        role_tokens: Mapping[str, int],
        memo: TextMemo,
    ) -> None:
        self.problems = problems
        self.images = images
        self.allow_images = allow_images
        self.role_tokens = role_tokens
        self.memo = memo
        self.line = 0
        self.errors = 0
        self.image_count = 0
        self.system_texts: list[str] = []

    def start(self, line: int) -> None:
        self.line = line
        self.errors = 0
        self.image_count = 0
        self.system_texts = []

    def error(self, message: str) -> None:
        self.errors += 1
        self.problems.error(message, self.line)

    def warning(self, message: str) -> None:
        self.problems.warning(message, self.line)

    def unknown_keys(self, obj: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
        unknown = [key for key in obj if key not in allowed]
        place = f"{where}: " if where else ""
        for key in unknown[:UNKNOWN_KEYS_SHOWN]:
            self.warning(
                f"{place}unknown key {show(key)}{suggestion(key, allowed)}; "
                f"expected {', '.join(sorted(allowed))}"
            )
        if len(unknown) > UNKNOWN_KEYS_SHOWN:
            self.warning(f"{place}{len(unknown) - UNKNOWN_KEYS_SHOWN:,} more unknown keys")

    def message(
        self,
        message: object,
        container: str,
        index: int,
        recipe: Recipe,
        group: int,
        *,
        allow_weight: bool,
        trains_default: bool,
    ) -> tuple[str, bool] | None:
        """Check ``container[index]`` and add its texts to ``recipe``; (role, trains) or None.

        ``trains_default`` says whether an assistant message without ``weight`` trains.
        """
        # Most messages are exactly {"role": ..., "content": "..."}: take them without the
        # general checks (measured: a tenth of the time spent outside the tokenizer).
        if type(message) is dict and len(message) == 2:
            role = message.get("role")
            content = message.get("content")
            if type(role) is str and type(content) is str and role in self.role_tokens:
                trains = trains_default and role == "assistant"
                recipe.consts[group] += TOKENS_PER_MESSAGE + self.role_tokens[role]
                if role == "system":
                    self.system_texts.append(content)
                    recipe.add(content, group, False, self.memo)
                else:
                    recipe.add(content, group, trains, None)
                return role, trains
        return self._message(
            message,
            f"{container}[{index}]",
            recipe,
            group,
            allow_weight=allow_weight,
            trains_default=trains_default,
        )

    def _message(
        self,
        message: object,
        where: str,
        recipe: Recipe,
        group: int,
        *,
        allow_weight: bool,
        trains_default: bool,
    ) -> tuple[str, bool] | None:
        if not isinstance(message, dict):
            self.error(f"{where} must be an object with role and content, not {json_type(message)}")
            return None
        errors_before = self.errors
        role = message.get("role")
        if role is None:
            self.error(f"{where}: missing 'role'; use one of {', '.join(self.role_tokens)}")
            return None
        roles = tuple(self.role_tokens)  # the roles of this file's format
        if not isinstance(role, str) or role not in self.role_tokens:
            self.error(
                f"{where}.role: {show(role)} is not a role{_role_hint(role, roles)}; "
                f"use one of {', '.join(roles)}"
            )
            return None
        if len(message) > 2 or "content" not in message:
            self.unknown_keys(message, MESSAGE_KEYS, where)
        assistant = role == "assistant"
        trains = assistant and trains_default
        if "weight" in message:
            weight = message["weight"]
            if not allow_weight:
                self.error(f"{where}.weight: weight is only for supervised chat data")
            elif not assistant:
                self.error(f"{where}.weight: weight is only allowed on assistant messages")
            elif (
                isinstance(weight, bool)
                or not isinstance(weight, int | float)
                or weight not in (0, 1)
            ):
                self.error(f"{where}.weight: must be 0 or 1, not {show(weight)}")
            else:
                trains = weight == 1
        recipe.add_const(TOKENS_PER_MESSAGE + self.role_tokens[role], group)
        memo = self.memo if role in _MEMO_ROLES else None
        calls = self._calls(message, where, recipe, group, trains, assistant)
        if "content" in message and message["content"] is not None:
            self._content(message["content"], f"{where}.content", role, recipe, group, trains, memo)
        elif not calls:
            what = "missing" if "content" not in message else "null"
            extra = " (or tool_calls)" if assistant else ""
            self.error(f"{where}: content{extra} is {what}")
        if "name" in message:
            name = message["name"]
            if not isinstance(name, str):
                self.error(f"{where}.name: must be a string, not {json_type(name)}")
            else:
                recipe.add(name, group, False, memo)
                recipe.add_const(TOKENS_PER_NAME, group)
        if "tool_call_id" in message:
            if role != "tool":
                self.error(f"{where}.tool_call_id: only tool messages answer a tool call")
            elif not isinstance(message["tool_call_id"], str):
                self.error(f"{where}.tool_call_id: must be a string")
        if self.errors != errors_before:
            return None
        return role, trains

    def _calls(
        self,
        message: Mapping[str, Any],
        where: str,
        recipe: Recipe,
        group: int,
        trains: bool,
        assistant: bool,
    ) -> bool:
        """Check ``tool_calls`` / ``function_call``; True if the message makes a call."""
        calls: list[tuple[str, object]] = []
        if "tool_calls" in message and message["tool_calls"] is not None:
            tool_calls = message["tool_calls"]
            if not isinstance(tool_calls, list) or not tool_calls:
                self.error(f"{where}.tool_calls: must be a non-empty list of tool calls")
                return False
            for index, call in enumerate(tool_calls):
                place = f"{where}.tool_calls[{index}]"
                if not isinstance(call, dict):
                    self.error(f"{place}: must be an object, not {json_type(call)}")
                    continue
                if call.get("type", "function") != "function":
                    self.error(f"{place}.type: must be 'function', not {show(call.get('type'))}")
                calls.append((f"{place}.function", call.get("function")))
        if "function_call" in message and message["function_call"] is not None:
            calls.append((f"{where}.function_call", message["function_call"]))
        if calls and not assistant:
            self.error(f"{where}: only assistant messages make tool or function calls")
            return True
        for place, function in calls:
            if not isinstance(function, dict):
                self.error(f"{place}: must be an object with name and arguments")
                continue
            name, arguments = function.get("name"), function.get("arguments")
            if not isinstance(name, str) or not name:
                self.error(f"{place}.name: must be a non-empty string")
            else:
                recipe.add(name, group, trains, None)
            if not isinstance(arguments, str):
                self.error(
                    f"{place}.arguments: must be a string (JSON text), not {json_type(arguments)}"
                )
            else:
                recipe.add(arguments, group, trains, None)
        return bool(calls)

    def _content(
        self,
        content: object,
        where: str,
        role: str,
        recipe: Recipe,
        group: int,
        trains: bool,
        memo: TextMemo | None,
    ) -> None:
        if isinstance(content, str):
            recipe.add(content, group, trains, memo)
            if role == "system":
                self.system_texts.append(content)
            return
        if not isinstance(content, list):
            self.error(f"{where}: must be a string or a list of parts, not {json_type(content)}")
            return
        if not content:
            self.error(f"{where}: the list of parts is empty")
            return
        for index, part in enumerate(content):
            place = f"{where}[{index}]"
            if not isinstance(part, dict):
                self.error(f"{place}: a part must be an object with a type, not {json_type(part)}")
                continue
            kind = part.get("type")
            if kind == "text":
                text = part.get("text")
                if not isinstance(text, str):
                    self.error(f"{place}.text: must be a string, not {json_type(text)}")
                    continue
                recipe.add(text, group, trains, memo)
                if role == "system":
                    self.system_texts.append(text)
            elif kind == "image_url":
                self._image(part, place, role)
            else:
                self.error(
                    f"{place}.type: {show(kind)} is not supported; use 'text' or 'image_url'"
                )

    def _image(self, part: Mapping[str, Any], where: str, role: str) -> None:
        self.image_count += 1
        if not self.allow_images:
            self.error(
                f"{where}: the base model does not take images; "
                "use a model with vision fine-tuning (e.g. gpt-4o-2024-08-06) or remove the image"
            )
            return
        if role == "assistant":
            self.error(f"{where}: images are not allowed in assistant messages")
            return
        if role != "user":
            self.error(f"{where}: images are only allowed in user messages, not {role}")
            return
        for severity, message in self.images.check(part.get("image_url"), f"{where}.image_url"):
            if severity is Severity.ERROR:
                self.error(message)
            else:
                self.warning(message)

    def options(self, obj: Mapping[str, Any], where: str) -> None:
        """Check ``tools`` / ``functions`` / ``parallel_tool_calls`` when present (not counted)."""
        for key in ("tools", "functions"):
            value = obj.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                self.error(f"{where}{key}: must be a list of objects")
        flag = obj.get("parallel_tool_calls")
        if flag is not None and not isinstance(flag, bool):
            self.error(f"{where}parallel_tool_calls: must be true or false, not {json_type(flag)}")

    def end_example(self) -> None:
        if self.image_count > MAX_IMAGES_PER_EXAMPLE:
            self.error(
                f"{self.image_count} images in one example; "
                f"at most {MAX_IMAGES_PER_EXAMPLE} allowed"
            )


def _role_hint(role: object, roles: Collection[str] = ROLES) -> str:
    if isinstance(role, str) and role:
        return suggestion(role, roles)
    return ""
