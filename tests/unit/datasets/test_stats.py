from __future__ import annotations

import pytest

from reconciler.datasets import DatasetStats
from reconciler.datasets.stats import StatsAccumulator


def test_accumulated_statistics() -> None:
    stats = StatsAccumulator()
    for tokens, trained in [(40, 10), (25, 5), (100, 60)]:
        stats.add(tokens, trained)
    assert stats.result() == DatasetStats(
        examples=3,
        total_tokens=165,
        trained_tokens=75,
        min_tokens=25,
        mean_tokens=55.0,
        max_tokens=100,
    )


def test_no_examples() -> None:
    assert StatsAccumulator().result() == DatasetStats(0, 0, 0, 0, 0.0, 0)


def test_billed_tokens_are_all_tokens_times_epochs() -> None:
    stats = DatasetStats(3, 165, 75, 25, 55.0, 100)
    assert stats.billed_tokens(3) == 495
    assert stats.billed_tokens(0) == 0
    with pytest.raises(ValueError):
        stats.billed_tokens(-1)
