from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.datasets import counting, inspect_dataset
from reconciler.datasets.counting import _shares

from .helpers import chat, reference_count, write_lines


@given(st.lists(st.text(max_size=30), max_size=40), st.integers(1, 6))
def test_shares_keep_every_text_in_order(texts: list[str], parts: int) -> None:
    shares = _shares(texts, parts)
    assert len(shares) == parts
    assert [t for share in shares for t in share] == texts


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_batches_threads_and_the_system_prompt_memo_give_exact_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, o200k: Any, workers: int
) -> None:
    # Small batches: many rounds of parallel counting, and the memo filled between them.
    monkeypatch.setattr(counting, "BATCH_CHARS", 500)
    rng = random.Random(workers)
    systems = ["Be brief.", "Réponds en français.", "日本語で答えてください。", None]
    lines = []
    for i in range(300):
        example = chat(i, system=rng.choice(systems))
        example["messages"][-1]["content"] = " ".join(
            rng.choice(["word", "東京", "🤗", "x" * rng.randint(1, 40), "\n"]) for _ in range(30)
        )
        lines.append(example)
    path = write_lines(tmp_path / "d.jsonl", lines)
    report = inspect_dataset(path, cache_dir=tmp_path / "cache", workers=workers)
    expected = [reference_count(line["messages"], o200k) for line in lines]
    assert report.stats.total_tokens == sum(t for t, _ in expected)
    assert report.stats.trained_tokens == sum(t for _, t in expected)
    assert report.stats.min_tokens == min(t for t, _ in expected)
    assert report.stats.max_tokens == max(t for t, _ in expected)


@pytest.mark.parametrize("parallel_faster", [True, False])
def test_the_faster_way_is_kept_and_the_other_retried(parallel_faster: bool) -> None:
    chooser = counting._Chooser()
    picks = []
    for _ in range(3 * counting.EXPLORE_EVERY):
        parallel = chooser.parallel_next()
        picks.append(parallel)
        seconds = 1.0 if parallel == parallel_faster else 2.0
        chooser.record(parallel, 1000, seconds)
    assert picks[:2] == [True, False]  # both ways measured first
    later = picks[2:]
    slower_tries = [i + 3 for i, p in enumerate(later) if p != parallel_faster]
    assert slower_tries == [n for n in range(3, len(picks) + 1) if n % counting.EXPLORE_EVERY == 0]
