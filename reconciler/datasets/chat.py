"""The supervised chat format: ``{"messages": [...]}`` per line."""

from __future__ import annotations

from typing import Any

from reconciler.datasets.jsonline import json_type
from reconciler.datasets.messages import TOKENS_REPLY_PRIMING, LineChecker, Recipe

CHAT_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})


def message_list(example: dict[str, Any], checker: LineChecker, what: str) -> list[Any] | None:
    """The example's non-empty `messages` list, or None with the error said (``what``: what
    the list holds, for the message when it is missing)."""
    messages = example.get("messages")
    if messages is None:
        checker.error(f"missing 'messages' ({what})")
        return None
    if not isinstance(messages, list):
        checker.error(f"messages: must be a list of messages, not {json_type(messages)}")
        return None
    if not messages:
        checker.error("messages: the list is empty")
        return None
    return messages


def check_chat(example: dict[str, Any], checker: LineChecker) -> Recipe | None:
    """Check one chat example; its token recipe, or None when it has errors."""
    recipe = Recipe(checker.line, 1)
    if len(example) != 1 or "messages" not in example:
        checker.unknown_keys(example, CHAT_KEYS, "")
        checker.options(example, "")
    messages = message_list(example, checker, "the list of chat messages")
    if messages is None:
        return None
    roles: list[str] = []
    training = False
    complete = True
    for index, message in enumerate(messages):
        checked = checker.message(
            message, "messages", index, recipe, 0, allow_weight=True, trains_default=True
        )
        if checked is None:
            complete = False
            continue
        role, trains = checked
        roles.append(role)
        training = training or trains
    if complete:
        if "assistant" not in roles:
            checker.error("no assistant message: an example needs one to train on")
        elif not training:
            checker.error("no assistant message trains: every one has weight 0")
        elif roles[-1] != "assistant":
            checker.error(
                f"messages[{len(roles) - 1}]: the last message is from {roles[-1]}; "
                "an example must end with the assistant's reply"
            )
    checker.end_example()
    if checker.errors:
        return None
    recipe.add_const(TOKENS_REPLY_PRIMING, 0)
    return recipe
