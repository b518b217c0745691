"""Simulated time: real elapsed time x speed, plus whatever ``advance()`` added.

What advance() added is persisted (with a high-water mark of the simulated time), so simulated
time never runs backwards across a restart.

A stored offset or high-water mark that is not a finite number (a NaN clock persisted by an
earlier emulator, which accepted ``{"advance": NaN}``) is dropped with a warning on load:
the simulated time restarts from real time instead of every timestamp failing afterwards.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from reconciler.emulator.store import Store

_KIND = "emulator"
_KEY = "clock"
# Persist the high-water mark at most this often (simulated seconds) to keep reads cheap.
_PERSIST_EVERY = 60.0
# The most one advance() may add (the admin API's bound too): far past any test's needs, and
# small enough that the sum of many stays a precise float.
MAX_ADVANCE_SECONDS = 10 * 365 * 86400.0
# Simulated time stays before 3000-01-01: past 9999 no timestamp can be formatted any more.
LATEST = 32503680000.0

log = logging.getLogger("reconciler.emulator")


def _stored(doc: dict[str, Any], name: str) -> float:
    value = doc.get(name, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        log.warning("the stored clock's %s is not a finite number; it is reset to 0", name)
        return 0.0
    return float(value)


class Clock:
    def __init__(self, store: Store, speed: float) -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise ValueError("speed must be a positive number")
        self._store = store
        self.speed = speed
        self._lock = threading.Lock()
        doc = store.get(_KIND, _KEY) or {}
        self._offset = _stored(doc, "offset")
        high_water = _stored(doc, "high_water")
        self._base_sim = max(time.time() + self._offset, high_water)
        self._base_real = time.monotonic()
        self._persisted = self._base_sim
        store.put(_KIND, _KEY, {"offset": self._offset, "high_water": self._base_sim})

    def now(self) -> float:
        with self._lock:
            value = self._base_sim + (time.monotonic() - self._base_real) * self.speed
            due = value - self._persisted >= _PERSIST_EVERY
            if due:
                self._persisted = value
            doc = {"offset": self._offset, "high_water": value}
        if due:
            # Outside the clock's lock: a store transaction may be asking for the time.
            self._store.put(_KIND, _KEY, doc)
        return value

    def advance(self, seconds: float) -> None:
        if not 0 <= seconds <= MAX_ADVANCE_SECONDS:  # False for NaN too
            raise ValueError("the clock only moves forward, at most 10 years at a time")
        with self._lock:
            if self._base_sim + seconds > LATEST:
                raise ValueError("the simulated clock does not go past the year 3000")
            self._offset += seconds
            self._base_sim += seconds
            value = self._base_sim + (time.monotonic() - self._base_real) * self.speed
            self._persisted = value
            doc = {"offset": self._offset, "high_water": value}
        self._store.put(_KIND, _KEY, doc)
