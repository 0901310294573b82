"""Fault injection: make chosen operations fail the way production can.

A fault is a status (any 4xx or 5xx, answered in the documented error format with the message
the operation's error catalogue gives it), added latency, an ``httpx`` timeout, or a connection
error; it applies to some operations (or all) with a probability drawn from a seeded generator,
so a failing run can be replayed.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spec import Operation, Spec

MESSAGES = {
    401: "Unauthenticated.",
    403: "This action is unauthorized.",
    404: "Not found.",
    422: "The given data was invalid.",
    429: "Too Many Attempts.",
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
"""The usual message of a status, for an injected one the operation's catalogue does not name."""


@dataclass(frozen=True)
class Fault:
    """One injected failure. Give exactly one of status/timeout/connect_error, or only latency."""

    status: int | None = None
    latency: float = 0.0
    timeout: bool = False
    connect_error: bool = False
    probability: float = 1.0
    operations: frozenset[str] | None = None
    """Operation ids it applies to; None means every operation."""
    times: int | None = None
    """How many times it may fire (None: unlimited)."""
    retry_after: int | None = None
    """For an injected 429: the seconds in ``retry_after`` and ``Retry-After`` (None: the
    rate-limit window)."""
    fired: list[int] = field(default_factory=lambda: [0], compare=False, repr=False)

    def __post_init__(self) -> None:
        kinds = sum([self.status is not None, self.timeout, self.connect_error])
        if kinds > 1:
            raise ValueError("a fault is a status, a timeout or a connection error, not several")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"injected status must be 4xx or 5xx, got {self.status}")
        if self.retry_after is not None and (self.status != 429 or self.retry_after < 0):
            raise ValueError("retry_after goes with status=429 and is >= 0")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.latency < 0:
            raise ValueError("latency must be >= 0")


def fault_body(spec: Spec, op: Operation, fault: Fault) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and extra headers of an injected status, in the documented format: the
    operation's catalogue title for it ("Private track."), else the status's usual message; a
    422 carries an ``errors`` entry, a 429 ``retry_after`` and ``Retry-After``."""
    status = fault.status
    assert status is not None
    title = next((e.title for e in op.errors if e.status == status), None)
    meaning = spec.errors.statuses[status].meaning if status in spec.errors.statuses else None
    message = f"{title.rstrip('.')}." if title else MESSAGES.get(status) or meaning or "Error"
    body: dict[str, Any] = {"message": message}
    headers: dict[str, str] = {}
    if status == 422:
        body["errors"] = {"request": [message]}
    if status == 429:
        wait = fault.retry_after if fault.retry_after is not None else spec.policies.window_seconds
        body["retry_after"] = wait
        headers["Retry-After"] = str(wait)
    return body, headers


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def add(
        self,
        *,
        status: int | None = None,
        latency: float = 0.0,
        timeout: bool = False,
        connect_error: bool = False,
        probability: float = 1.0,
        operations: Iterable[str] | str | None = None,
        times: int | None = None,
        retry_after: int | None = None,
    ) -> Fault:
        ops = (
            frozenset([operations] if isinstance(operations, str) else operations)
            if operations is not None
            else None
        )
        fault = Fault(status, latency, timeout, connect_error, probability, ops, times, retry_after)
        with self._lock:
            self._faults.append(fault)
        return fault

    def __len__(self) -> int:
        return len(self._faults)

    def active(self) -> list[Fault]:
        """The faults that may still fire, in the order they are tried."""
        with self._lock:
            return [f for f in self._faults if f.times is None or f.fired[0] < f.times]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pick(self, operation_id: str) -> Fault | None:
        """The fault that fires for this request, if any (first match wins)."""
        with self._lock:
            for fault in self._faults:
                if fault.operations is not None and operation_id not in fault.operations:
                    continue
                if fault.times is not None and fault.fired[0] >= fault.times:
                    continue
                if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                    continue
                fault.fired[0] += 1
                return fault
        return None
