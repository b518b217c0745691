"""The common chat line in one step: parsing, checks, token recipe and example digest together.

Almost every line of a supervised chat file is ``{"messages": [...]}`` whose messages are each
``{"role": ..., "content": ...}`` with a known role (content a string or a list of text parts;
at most a ``weight`` of 0 or 1 on a reply or a ``name`` besides), ending with the assistant's
reply. For such a line the general path (the stdlib's ``json`` into dicts, ``check_chat``
calling ``LineChecker.message`` per message, then the digest) does the same few things through
many calls: measured, a quarter of a range scan's work outside the tokenizer.

``FastChat.check`` parses the line with msgspec straight into the typed shape below, which
checks the shape in C (an unknown key, a ``null``, a float or boolean weight: refused), then
does the rest in one loop. It gives exactly what the general path gives for such a line (the
same recipe, system texts and digest; tests compare both on every shape) and ``None`` for any
other line, which then takes the general path from the start: nothing is recorded before it
is sure.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from reconciler.datasets.digest import canonical_json_of_plain, digest_of, example_digest
from reconciler.datasets.jsonline import decode_line
from reconciler.datasets.messages import (
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    TOKENS_REPLY_PRIMING,
    Recipe,
)
from reconciler.datasets.problems import ProblemCollector
from reconciler.datasets.text_memo import TextMemo


# The typed shape of a plain chat line. gc=False: strings and lists only, no cycle to find.
class _Part(Struct, forbid_unknown_fields=True, gc=False):
    text: str
    type: Literal["text"]


class _Message(Struct, forbid_unknown_fields=True, omit_defaults=True, kw_only=True, gc=False):
    content: str | list[_Part]
    name: str | UnsetType = UNSET
    role: str
    weight: int | UnsetType = UNSET


class _Example(Struct, forbid_unknown_fields=True, gc=False):
    messages: list[_Message]


_decode = msgspec.json.Decoder(_Example).decode
_NOT_PLAIN = (msgspec.DecodeError, msgspec.ValidationError)


def line_digest(raw: bytes, problems: ProblemCollector) -> bytes | None:
    """The example digest of a line holding a JSON object, None for any other line (said in
    ``problems``): a plain chat line by the typed parse (its value is the stdlib's, so its
    canonical JSON is too), any other by the stdlib's. For data read back to compare with
    (an earlier version of a dataset), not checked: every object counts."""
    try:
        plain = _decode(raw)
    except _NOT_PLAIN:
        example = decode_line(raw, 0, problems)
        return example_digest(example) if example is not None else None
    return digest_of(canonical_json_of_plain(plain))


class FastChat:
    """Recipes and digests of plain chat lines, for one file's roles and system-prompt memo."""

    def __init__(self, role_tokens: dict[str, int], memo: TextMemo) -> None:
        self._memo = memo
        self._const = {role: TOKENS_PER_MESSAGE + tokens for role, tokens in role_tokens.items()}

    def check(self, raw: bytes, line: int) -> tuple[Recipe, bytes, list[str]] | None:
        """(token recipe, example digest, system texts) of a line holding a plain chat example
        without any problem; None when the line is anything else (the general path then
        parses and checks it)."""
        try:
            example = _decode(raw)
        except _NOT_PLAIN:  # not this shape, or not JSON (lone surrogates, NaN, ...)
            return None
        messages = example.messages
        if not messages:
            return None
        const_of = self._const
        memo = self._memo
        texts: list[str] = []
        tags: list[int] = []
        systems: list[str] = []
        consts = 0
        training = False
        role = ""

        def add(text: str, system: bool, trains: bool) -> int:
            """Like ``Recipe.add``: the tokens already known (a remembered system text)."""
            if not text:
                return 0
            if system:
                known = memo.tokens(text)
                if known is not None:
                    return known
            texts.append(text)
            tags.append(1 if trains else 0)
            return 0

        for message in messages:
            role = message.role
            const = const_of.get(role)
            if const is None:
                return None
            consts += const
            system = role == "system"
            trains = role == "assistant"  # without a weight, every reply trains
            name = message.name
            weight = message.weight
            if weight is not UNSET:
                if name is not UNSET or not trains or weight not in (0, 1):
                    return None
                trains = weight == 1
            elif name is not UNSET:
                if system:
                    return None
                consts += TOKENS_PER_NAME
            content = message.content
            if isinstance(content, str):
                if system:
                    systems.append(content)  # even empty: the general path keeps it too
                    consts += add(content, True, False)
                elif content:
                    texts.append(content)
                    tags.append(1 if trains else 0)
            elif content:
                for part in content:
                    text = part.text
                    if system:
                        systems.append(text)
                    consts += add(text, system, trains)
            else:
                return None
            if name is not UNSET:
                add(name, False, False)
            training = training or trains
        if role != "assistant" or not training:
            return None  # nothing to train on: the general path says which problem it is
        recipe = Recipe.of(line, consts + TOKENS_REPLY_PRIMING, texts, tags)
        return recipe, digest_of(canonical_json_of_plain(example)), systems
