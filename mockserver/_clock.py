"""Time for the mock, injectable so tests advance it instead of sleeping."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

LATEST = datetime(9998, 12, 31, tzinfo=timezone.utc).timestamp()
"""The furthest a clock moves: a year short of the last date an answer can show (9999-12-31),
so what the mock dates ahead of now (an expiry, a renewal, a payout) still has a date."""


def check_advance(now: float, seconds: float) -> None:
    """A clock at ``now`` may move ``seconds`` forward (else ValueError, in one line)."""
    if not seconds >= 0:  # NaN too
        raise ValueError("a clock cannot go backwards")
    if now + seconds > LATEST:
        raise ValueError(
            f"the clock would pass 9998-12-31T00:00:00Z (it can move at most "
            f"{max(0.0, LATEST - now):.0f} "
            "more seconds)"
        )


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
        with self._lock:
            check_advance(self._now, seconds)
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


Clock = SystemClock | ManualClock
