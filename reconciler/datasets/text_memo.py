"""Token counts of the texts that repeat across examples (system prompts), counted once.

A system prompt usually repeats on every line of a file. Its count is taken the first time it
is seen, at once, so that every later line finds it: counted with the batch instead, every line
of the first batch of each range (about 400) would encode it again. Bounded (at most
``MEMO_LIMIT`` texts of up to ``MEMO_TEXT_LIMIT`` characters, 8 M characters in all) so that
memory stays flat; a text it does not keep is counted with the rest of its example.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

MEMO_LIMIT = 1024
MEMO_TEXT_LIMIT = 8192

CountTexts = Callable[[Sequence[str]], list[int]]


class TextMemo:
    def __init__(self, count: CountTexts, known: Mapping[str, int] | None = None) -> None:
        self._count = count
        self._counts: dict[str, int] = dict(known or {})

    def tokens(self, text: str) -> int | None:
        """The token count of ``text``, counted now if it is new; None when it is not kept
        (too long, or the memo is full): the caller counts it with its example."""
        known = self._counts.get(text)
        if known is None:
            if len(text) > MEMO_TEXT_LIMIT or len(self._counts) >= MEMO_LIMIT:
                return None
            known = self._counts[text] = self._count([text])[0]
        return known
