"""The common chat line in one step: checks, token recipe and example digest together.

Almost every line of a supervised chat file is ``{"messages": [...]}`` whose messages are each
``{"role": ..., "content": ...}`` with a known role (content a string or a list of text parts;
at most a ``weight`` of 0 or 1 on a reply or a ``name`` besides), ending with the assistant's
reply. For such a line the general path (``check_chat`` calling ``LineChecker.message`` per
message, then ``example_digest`` serialising the whole object with ``json``) does the same few
things through many calls: measured, a quarter of a range scan's work outside the tokenizer.
``FastChat.check`` does them in one loop and builds the canonical JSON from the strings.

It gives exactly what the general path gives for such a line (the same recipe, system texts
and digest; tests compare both on every shape) and ``None`` for any other line, which then
takes the general path from the start: nothing is recorded before it is sure.
"""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring_ascii
from typing import Any

from reconciler.datasets.digest import EXAMPLE_DIGEST_BYTES
from reconciler.datasets.messages import (
    MEMO_LIMIT,
    MEMO_TEXT_LIMIT,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    TOKENS_REPLY_PRIMING,
    Recipe,
)

_blake2b = hashlib.blake2b


class FastChat:
    """Recipes and digests of plain chat lines, for one file's roles and system-prompt memo."""

    def __init__(self, role_tokens: dict[str, int], memo: dict[str, int]) -> None:
        self._memo = memo
        # The system prompt repeats on every line: its JSON escaping is remembered too.
        self._escaped_systems: dict[str, str] = {}
        self._const = {role: TOKENS_PER_MESSAGE + tokens for role, tokens in role_tokens.items()}
        # How a message of each role ends in the canonical JSON (sorted keys: "content",
        # "name", "role", "weight"; roles are plain ASCII words).
        self._tail = {role: f',"role":{encode_basestring_ascii(role)}}}' for role in role_tokens}
        self._weighted = {weight: f',"role":"assistant","weight":{weight}}}' for weight in (0, 1)}

    def check(self, example: dict[str, Any], line: int) -> tuple[Recipe, bytes, list[str]] | None:
        """(token recipe, example digest, system texts) of a plain chat example without any
        problem; None when the line is anything else (the general path then checks it)."""
        if len(example) != 1:
            return None
        messages = example.get("messages")
        if type(messages) is not list or not messages:
            return None
        const_of = self._const
        memo = self._memo
        escaped_systems = self._escaped_systems
        texts: list[str] = []
        tags: list[int] = []
        memo_slots: list[int] = []
        systems: list[str] = []
        parts = ['{"messages":[']  # of the canonical JSON
        consts = 0
        training = False
        role: object = None

        def add(text: str, system: bool, trains: bool) -> int:
            """Like ``Recipe.add``: the tokens already known (a remembered system text)."""
            if not text:
                return 0
            if system:
                known = memo.get(text)
                if known is not None:
                    return known
                if len(text) <= MEMO_TEXT_LIMIT:
                    memo_slots.append(len(texts))
            texts.append(text)
            tags.append(1 if trains else 0)
            return 0

        for message in messages:
            if type(message) is not dict:
                return None
            role = message.get("role")
            content = message.get("content")
            if type(role) is not str or role not in const_of:
                return None
            consts += const_of[role]
            system = role == "system"
            trains = role == "assistant"  # without a weight, every reply trains
            name: str | None = None
            if len(message) == 2:
                tail = self._tail[role]
            elif len(message) != 3:
                return None
            elif "weight" in message:
                weight = message["weight"]
                if not trains or type(weight) is not int or weight not in (0, 1):
                    return None
                trains = weight == 1
                tail = self._weighted[weight]
            elif "name" in message:
                name = message["name"]
                if type(name) is not str or system:
                    return None
                tail = f',"name":{encode_basestring_ascii(name)}{self._tail[role]}'
                consts += TOKENS_PER_NAME
            else:
                return None
            if type(content) is str:
                if system:
                    systems.append(content)  # even empty: the general path keeps it too
                    consts += add(content, True, False)
                    escaped = escaped_systems.get(content)
                    if escaped is None:
                        escaped = encode_basestring_ascii(content)
                        if len(escaped_systems) < MEMO_LIMIT and len(content) <= MEMO_TEXT_LIMIT:
                            escaped_systems[content] = escaped
                else:
                    escaped = encode_basestring_ascii(content)
                    if content:
                        texts.append(content)
                        tags.append(1 if trains else 0)
                # pieces joined once at the end: texts are long, every concatenation copies
                parts += ('{"content":', escaped, tail)
            elif type(content) is list and content:
                parts.append('{"content":[')
                first = True
                for part in content:
                    if type(part) is not dict or len(part) != 2 or part.get("type") != "text":
                        return None
                    text = part.get("text")
                    if type(text) is not str:
                        return None
                    parts += ('{"text":' if first else ',{"text":', encode_basestring_ascii(text))
                    parts.append(',"type":"text"}')
                    first = False
                    if system:
                        systems.append(text)
                    consts += add(text, system, trains)
                parts += ("]", tail)
            else:
                return None
            if name is not None:
                add(name, False, False)
            training = training or trains
            parts.append(",")
        if role != "assistant" or not training:
            return None  # nothing to train on: the general path says which problem it is
        recipe = Recipe.of(line, consts + TOKENS_REPLY_PRIMING, texts, tags, memo_slots)
        parts[-1] = "]}"  # in place of the comma after the last message
        canonical = "".join(parts).encode("ascii")
        digest = _blake2b(canonical, digest_size=EXAMPLE_DIGEST_BYTES).digest()
        return recipe, digest, systems
