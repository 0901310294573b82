"""Rate limiting with the spec's categories and figures.

Each operation belongs to one category (policies.yaml); each (client, category) pair gets a
fixed window of ``window_seconds`` starting at its first request, like Laravel's throttle.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from spec import Policies

from ._clock import Clock


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int
    """Unix time (seconds) when the window ends."""
    retry_after: int

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after)
        return out


class RateLimiter:
    def __init__(self, policies: Policies, clock: Clock, *, enabled: bool = True) -> None:
        self.policies = policies
        self.clock = clock
        self.enabled = enabled
        self.limits = {name: cat.limit for name, cat in policies.categories.items()}
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str, category: str) -> Decision:
        """Count one request; say whether it may proceed and what the headers should say."""
        limit = self.limits[category]
        window = self.policies.window_seconds
        now = self.clock.now()
        with self._lock:
            start, count = self._windows.get((client, category), (now, 0))
            if now - start >= window:
                start, count = now, 0
            allowed = not self.enabled or count < limit
            if allowed:
                count += 1
            self._windows[(client, category)] = (start, count)
        end = start + window
        remaining = max(limit - count, 0)
        return Decision(allowed, limit, remaining, math.ceil(end), max(math.ceil(end - now), 1))

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
