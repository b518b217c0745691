"""What a command does before its work: load its modules with the cycle collector paused.

A command imports its modules when it runs (``reconciler --help`` loads none of them). Loading
them allocates tens of thousands of objects that live as long as the process (modules, classes,
functions); the cycle collector has nothing to find among them, yet it runs every few hundred
allocations and walks them all at each full collection. Paused while they load, then frozen
(``gc.freeze``: moved out of the collector's sight), they cost neither then nor later: a
tenth of a no-op plan's CPU (measured with bench/bench_noop_plan.py).

Frozen once per process: a process running several commands (tests) freezes what the first
loaded, and cyclic garbage made later is collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between two young collections (the interpreter's default is 700). A command's
# work -- thousands of listed resources parsed, a spec read, a plan computed -- makes objects
# that mostly live until it ends: collected every 700 they are walked again and again, and a
# tenth of a 4,000-deployment plan went to that (bench/bench_noop_plan.py --scaling); every
# 10,000, half as much. Cycles are still collected, only later.
YOUNG_COLLECTION_EVERY = 10_000

_frozen = False


@contextmanager
def loading() -> Iterator[None]:
    """Import a command's modules inside."""
    global _frozen
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not _frozen:
            _frozen = True
            gc.freeze()
            gc.set_threshold(YOUNG_COLLECTION_EVERY)
        if was_enabled:
            gc.enable()
