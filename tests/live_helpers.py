"""A fake production for live runs: the seeded mock served on 127.0.0.1 behind a recorder
that can make it drift or misbehave, and a live pytest run of the shipped suite against it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

import spec
from mockserver import BeatPassMock, SystemClock

API = spec.load()
SECRET = "bp_live_SECRET_token_5a9c2e"
Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


@dataclass
class FakeProduction:
    """The mock behind a recorder, served on loopback; ``rewrite`` can make it drift."""

    rewrite: Rewrite | None = None
    first_429: int = 0
    """Answer the first N requests with 429 and ``Retry-After: 2``."""
    seen: list[tuple[float, str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.mock = BeatPassMock(seed=5, tokens=(SECRET,), clock=SystemClock(), rate_limits=False)

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.seen.append(
                (
                    time.monotonic(),
                    request.method,
                    request.url.path,
                    request.headers.get("authorization", ""),
                )
            )
            throttle = len(self.seen) <= self.first_429
        if throttle:
            return httpx.Response(
                429,
                json={"message": "Too Many Attempts.", "retry_after": 2},
                headers={"Retry-After": "2"},
            )
        response = self.mock.served_handler(request)
        return self.rewrite(request, response) if self.rewrite else response


def run_live(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    base_url: str,
    *extra: str,
    token: str | None = SECRET,
) -> pytest.RunResult:
    if token is None:
        monkeypatch.delenv("BEATPASS_TOKEN", raising=False)
    else:
        monkeypatch.setenv("BEATPASS_TOKEN", token)
    return pytester.runpytest_subprocess(
        "--pyargs",
        "contract_tests.suite",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--beatpass-live",
        f"--beatpass-base-url={base_url}",
        *extra,
    )
