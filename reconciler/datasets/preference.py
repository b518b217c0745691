"""The preference (DPO) format: ``{"input": {"messages": [...]}, "preferred_output": [...],
"non_preferred_output": [...]}`` per line.

Tokens: the model sees two conversations, the input followed by each output. An example's
tokens are the sum of both (each counted like a chat conversation); the per-example limit
applies to the longer one. Trained tokens are those of the assistant messages of both outputs.
"""

from __future__ import annotations

from typing import Any

from reconciler.datasets.jsonline import json_type
from reconciler.datasets.messages import TOKENS_REPLY_PRIMING, LineChecker, Recipe

PREFERENCE_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
OUTPUTS = (("preferred_output", 1), ("non_preferred_output", 2))


def check_preference(example: dict[str, Any], checker: LineChecker) -> Recipe | None:
    """Check one preference example; its token recipe, or None when it has errors."""
    recipe = Recipe(checker.line, 3)
    if len(example) != 3:
        checker.unknown_keys(example, PREFERENCE_KEYS, "")
    _check_input(example.get("input"), checker, recipe)
    for key, group in OUTPUTS:
        output = example.get(key)
        if output is None:
            checker.error(f"missing {key!r} (a list of assistant messages)")
            continue
        if not isinstance(output, list) or not output:
            checker.error(f"{key}: must be a non-empty list of assistant messages")
            continue
        for index, message in enumerate(output):
            checked = checker.message(
                message, key, index, recipe, group, allow_weight=False, trains_default=True
            )
            if checked is not None and checked[0] != "assistant":
                checker.error(
                    f"{key}[{index}].role: outputs hold assistant messages only, not {checked[0]}"
                )
    if not checker.errors and example.get("preferred_output") == example.get(
        "non_preferred_output"
    ):
        checker.warning("preferred_output and non_preferred_output are identical")
    checker.end_example()
    if checker.errors:
        return None
    recipe.add_const(TOKENS_REPLY_PRIMING, 0)  # group 0 is part of both conversations
    return recipe


def _check_input(value: object, checker: LineChecker, recipe: Recipe) -> None:
    if value is None:
        checker.error("missing 'input' (an object with the conversation's messages)")
        return
    if not isinstance(value, dict):
        checker.error(f"input: must be an object with messages, not {json_type(value)}")
        return
    checker.unknown_keys(value, INPUT_KEYS, "input")
    checker.options(value, "input.")
    messages = value.get("messages")
    if not isinstance(messages, list) or not messages:
        checker.error("input.messages: must be a non-empty list of messages")
        return
    for index, message in enumerate(messages):
        checker.message(
            message,
            "input.messages",
            index,
            recipe,
            0,
            allow_weight=False,
            trains_default=False,
        )
