"""Token statistics of a dataset, for plan and review."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetStats:
    """Counts over the valid examples (see ``messages`` for exactly what is counted)."""

    examples: int
    total_tokens: int
    trained_tokens: int
    min_tokens: int
    mean_tokens: float
    max_tokens: int

    def billed_tokens(self, n_epochs: int) -> int:
        """Estimated billed training tokens: every token of every example, once per epoch.

        The service bills the tokens it trains on per epoch, which cover whole examples
        (prompts included), as OpenAI's cost estimate in its data-preparation cookbook does.
        """
        if n_epochs < 0:
            raise ValueError(f"n_epochs must not be negative, got {n_epochs}")
        return self.total_tokens * n_epochs


class StatsAccumulator:
    def __init__(self) -> None:
        self.examples = 0
        self.total = 0
        self.trained = 0
        self.low = 0
        self.high = 0

    def add(self, tokens: int, trained: int) -> None:
        if self.examples == 0 or tokens < self.low:
            self.low = tokens
        if tokens > self.high:
            self.high = tokens
        self.examples += 1
        self.total += tokens
        self.trained += trained

    def result(self) -> DatasetStats:
        mean = self.total / self.examples if self.examples else 0.0
        return DatasetStats(self.examples, self.total, self.trained, self.low, mean, self.high)
