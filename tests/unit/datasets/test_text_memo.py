"""The memo of repeated texts: each counted once, when first seen, within its bounds."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.datasets.text_memo import MEMO_LIMIT, MEMO_TEXT_LIMIT, TextMemo


class Counter:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts: Sequence[str]) -> list[int]:
        self.seen += texts
        return [len(text) // 2 for text in texts]


def test_a_text_is_counted_the_first_time_and_never_again() -> None:
    count = Counter()
    memo = TextMemo(count)
    assert [memo.tokens("Be brief, please.") for _ in range(500)] == [8] * 500
    assert count.seen == ["Be brief, please."]


def test_a_long_text_is_left_to_its_example() -> None:
    count = Counter()
    memo = TextMemo(count)
    assert memo.tokens("x" * (MEMO_TEXT_LIMIT + 1)) is None
    assert memo.tokens("x" * MEMO_TEXT_LIMIT) == MEMO_TEXT_LIMIT // 2
    assert count.seen == ["x" * MEMO_TEXT_LIMIT]


def test_a_full_memo_keeps_what_it_has_and_takes_nothing_new() -> None:
    count = Counter()
    memo = TextMemo(count, {f"prompt {n}": n for n in range(MEMO_LIMIT - 1)})
    assert memo.tokens("the last one kept") == 8
    assert memo.tokens("one too many") is None
    assert memo.tokens("prompt 7") == 7 and memo.tokens("the last one kept") == 8
    assert count.seen == ["the last one kept"]
