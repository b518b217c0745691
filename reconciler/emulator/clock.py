"""Simulated time: real elapsed time x speed, plus whatever ``advance()`` added.

What advance() added is persisted (with a high-water mark of the simulated time), so simulated
time never runs backwards across a restart.
"""

from __future__ import annotations

import threading
import time

from reconciler.emulator.store import Store

_KIND = "emulator"
_KEY = "clock"
# Persist the high-water mark at most this often (simulated seconds) to keep reads cheap.
_PERSIST_EVERY = 60.0


class Clock:
    def __init__(self, store: Store, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._store = store
        self.speed = speed
        self._lock = threading.Lock()
        doc = store.get(_KIND, _KEY) or {}
        self._offset = float(doc.get("offset", 0.0))
        high_water = float(doc.get("high_water", 0.0))
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
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
            self._base_sim += seconds
            value = self._base_sim + (time.monotonic() - self._base_real) * self.speed
            self._persisted = value
            doc = {"offset": self._offset, "high_water": value}
        self._store.put(_KIND, _KEY, doc)
