"""Counting the tokens of checked examples, in batches, on every core that helps.

The main thread parses and checks lines until a batch of texts is ready, then every worker,
the main thread included, encodes a share of the batch; parsing resumes when all are done.
Parsing and encoding take turns rather than overlap on purpose: parsing holds the GIL, and a
worker that must win the GIL back from a busy thread after each text (tiktoken releases it
while encoding) costs more in thread switches than it gains -- measured on 2 cores, the
overlapping design used 50% more CPU for the same wall time as one thread.

Whether the threads help depends on the machine: on 2 vCPUs that are hyperthreads of one
core, or on a CI runner busy with other jobs, two threads each run much slower and one thread
is faster. So the pipeline measures both ways on the first batches, keeps the faster (by
characters per second of wall time; threads must win by 10%, as they cost more CPU) and tries
the other way again every few batches.
Memory is bounded by one batch, whatever the file size.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import compress

from reconciler.datasets.messages import Recipe
from reconciler.datasets.text_memo import CountTexts

BATCH_CHARS = 1 << 20
EXPLORE_EVERY = 8  # batches between two tries of the way that was slower
PARALLEL_MARGIN = 1.1

OnExample = Callable[[Recipe, int, int, int], None]
"""Called per example with (recipe, tokens, trained tokens, tokens of its longest conversation)."""


def default_workers() -> int:
    """The CPUs this process may run on (more threads than CPUs fight over the GIL), up to 8."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        usable = os.cpu_count() or 1
    return max(1, min(8, usable))


def recipe_tokens(recipe: Recipe, counts: Sequence[int], offset: int) -> tuple[int, int, int]:
    """(tokens, trained tokens, longest conversation) of one example from its text counts."""
    if len(recipe.consts) == 1:  # chat: one conversation, summed in C
        mine = counts[offset : offset + len(recipe.tags)]
        tokens = recipe.consts[0] + sum(mine)
        return tokens, recipe.trained_const + sum(compress(mine, recipe.tags)), tokens
    sums = list(recipe.consts)
    trained = recipe.trained_const
    for index, tag in enumerate(recipe.tags):
        count = counts[offset + index]
        sums[tag >> 1] += count
        if tag & 1:
            trained += count
    if len(sums) == 1:
        return sums[0], trained, sums[0]
    # Preference data: the input (group 0) followed by each of the two outputs.
    preferred = sums[0] + sums[1]
    non_preferred = sums[0] + sums[2]
    return preferred + non_preferred, trained, max(preferred, non_preferred)


def _shares(texts: list[str], parts: int) -> list[list[str]]:
    """Split texts into ``parts`` consecutive runs of about equal length (in characters)."""
    total = sum(map(len, texts))
    shares: list[list[str]] = []
    start = 0
    done = 0
    for part in range(1, parts):
        goal = total * part // parts
        end = start
        while end < len(texts) and done < goal:
            done += len(texts[end])
            end += 1
        shares.append(texts[start:end])
        start = end
    shares.append(texts[start:])
    return shares


class _Chooser:
    """Serial or parallel counting, whichever has counted faster lately."""

    def __init__(self) -> None:
        self._rate = {True: 0.0, False: 0.0}  # characters per second, by "parallel"
        self._runs = 0

    def parallel_next(self) -> bool:
        self._runs += 1
        if self._runs <= 2:
            return self._runs == 1
        # Threads burn more CPU for the same work: they must be clearly faster to be kept.
        parallel = self._rate[True] > PARALLEL_MARGIN * self._rate[False]
        return (not parallel) if self._runs % EXPLORE_EVERY == 0 else parallel

    def record(self, parallel: bool, chars: int, seconds: float) -> None:
        rate = chars / max(seconds, 1e-9)
        old = self._rate[parallel]
        self._rate[parallel] = rate if old == 0.0 else (old + rate) / 2


class TokenPipeline:
    def __init__(
        self,
        count: CountTexts,
        on_example: OnExample,
        *,
        workers: int | None = None,
        batch_chars: int | None = None,
    ) -> None:
        self._count = count
        self._on_example = on_example
        self._workers = max(1, workers if workers is not None else default_workers())
        self._batch_chars = BATCH_CHARS if batch_chars is None else batch_chars
        self._recipes: list[Recipe] = []
        self._texts: list[str] = []
        self._chars = 0
        self._pool: ThreadPoolExecutor | None = None
        self._chooser = _Chooser()

    def add(self, recipe: Recipe) -> None:
        self._recipes.append(recipe)
        texts = recipe.texts
        self._texts.extend(texts)
        self._chars += sum(map(len, texts))
        if self._chars >= self._batch_chars:
            self._run()

    def _run(self) -> None:
        recipes, texts, chars = self._recipes, self._texts, self._chars
        self._recipes, self._texts, self._chars = [], [], 0
        self._fold(recipes, self._count_all(texts, chars))

    def _count_all(self, texts: list[str], chars: int) -> list[int]:
        if self._workers == 1 or len(texts) < 2 * self._workers:
            return self._count(texts)
        parallel = self._chooser.parallel_next()
        started = time.perf_counter()
        counts = self._count_parallel(texts) if parallel else self._count(texts)
        self._chooser.record(parallel, chars, time.perf_counter() - started)
        return counts

    def _count_parallel(self, texts: list[str]) -> list[int]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers - 1, thread_name_prefix="token-count")
        first, *others = _shares(texts, self._workers)
        futures = [self._pool.submit(self._count, share) for share in others]
        counts = self._count(first)  # this thread takes a share too
        for future in futures:
            counts.extend(future.result())
        return counts

    def _fold(self, recipes: list[Recipe], counts: list[int]) -> None:
        offset = 0
        for recipe in recipes:
            tokens, trained, longest = recipe_tokens(recipe, counts, offset)
            offset += len(recipe.texts)
            self._on_example(recipe, tokens, trained, longest)

    def finish(self) -> None:
        """Count what is left; every example has been reported after this."""
        if self._recipes:
            self._run()
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
