"""Time for the mock, injectable so tests advance it instead of sleeping."""

from __future__ import annotations

import threading
import time


class SystemClock:
    """Wall-clock time (the default, and what the served sandbox uses)."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to: ``clock.advance(61)`` ends a rate-limit window.

    ``sleep`` advances it too, so injected latency costs no real time in tests.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


Clock = SystemClock | ManualClock
