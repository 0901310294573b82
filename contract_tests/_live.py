"""Live verification against production: the guard every live request passes through.

:class:`LiveGuard` is an httpx transport. Before anything is sent it refuses (raises
:class:`~spec.LiveGuardError`, sends nothing) any method but GET/HEAD, any host but the base
URL's, and any path that is not a documented read operation. It keeps a request budget and a
pace shared by every pytest-xdist worker (a JSON file under a file lock), waits out 429s
(``Retry-After``, then exponential backoff, shared so no worker keeps hammering), retries 5xx
and timeouts a bounded number of times, and never puts the token in a message.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from filelock import FileLock

from mockserver._redact import redact
from mockserver._router import Router
from spec import LiveGuardError, Spec

DEFAULT_MAX_REQUESTS = 100
DEFAULT_RATE = 60  # per minute: a fifth of the documented global 300/min
MAX_429_WAITS = 5
MAX_WAIT = 120.0  # seconds: a longer Retry-After stops the run instead of hanging it
MAX_RETRIES = 2  # for 5xx and timeouts
READ_METHODS = ("GET", "HEAD")


class BudgetExhausted(LiveGuardError):
    """The run's request budget is spent; the request was not sent."""


@dataclass
class Pace:
    """The budget and pace shared by every worker of one run (a JSON file under a lock)."""

    path: Path
    max_requests: int
    rate: float
    """Requests per minute."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def _read(self) -> dict[str, float]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"sent": 0, "next_at": 0.0, "pause_until": 0.0}
        try:
            data: dict[str, float] = json.loads(text)
        except ValueError:
            # Never start the budget over: a broken file stops the run.
            raise LiveGuardError(
                f"the shared request budget file {self.path} is unreadable"
            ) from None
        return data

    def _write(self, state: dict[str, float]) -> None:
        """Atomically: a reader never sees half a file."""
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(state), encoding="utf-8")
        os.replace(partial, self.path)

    def reserve(self, what: str) -> None:
        """Take one request from the budget and wait for its slot in the shared pace."""
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            if state["sent"] >= self.max_requests:
                raise BudgetExhausted(
                    f"request budget of {self.max_requests} spent; not sent: {what}"
                )
            now = self.clock()
            slot = max(now, state["next_at"], state["pause_until"])
            state["sent"] += 1
            state["next_at"] = slot + 60.0 / self.rate
            self._write(state)
        if slot > now:
            self.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        """Every worker waits at least ``seconds`` from now before its next request."""
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            state["pause_until"] = max(state["pause_until"], self.clock() + seconds)
            self._write(state)

    @property
    def sent(self) -> int:
        return int(self._read()["sent"])


class LiveGuard(httpx.BaseTransport):
    def __init__(
        self,
        spec: Spec,
        base_url: str,
        pace: Pace,
        *,
        secrets: tuple[str, ...] = (),
        transport: httpx.BaseTransport | None = None,
        retry_wait: float = 1.0,
    ) -> None:
        self.base = httpx.URL(base_url.rstrip("/"))
        self.reads = Router(
            (op for op in spec.operations.values() if op.read_only), self.base.path.rstrip("/")
        )
        self.pace = pace
        self.secrets = secrets
        self.inner = transport or httpx.HTTPTransport(retries=0)
        self.retry_wait = retry_wait
        """The first wait before retrying a 5xx or a timeout; it doubles on each retry."""

    def _describe(self, request: httpx.Request) -> str:
        return redact(f"{request.method} {request.url.copy_with(query=None)}", self.secrets)

    def admit(self, request: httpx.Request) -> None:
        """Refuse, before anything is sent, whatever is not a documented read of this API."""
        what = self._describe(request)
        if request.method.upper() not in READ_METHODS:
            raise LiveGuardError(f"refused {what}: live runs send GET and HEAD only")
        url = request.url
        if (url.scheme, url.host, url.port) != (self.base.scheme, self.base.host, self.base.port):
            raise LiveGuardError(f"refused {what}: not the API under test ({self.base})")
        segments = [
            unquote(s) for s in url.raw_path.split(b"?")[0].decode("ascii", "replace").split("/")
        ]
        if any(
            s in (".", "..") or "/" in s or "\\" in s or not s.isprintable() for s in segments[1:]
        ):
            raise LiveGuardError(
                f"refused {what}: dot, slash or control characters in a path segment"
            )
        if self.reads.match("GET", url.path) is None:
            raise LiveGuardError(f"refused {what}: not a documented read operation")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.admit(request)
        what = self._describe(request)
        waits = retries = 0
        while True:
            self.pace.reserve(what)
            try:
                response = self.inner.handle_request(request)
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                if retries >= MAX_RETRIES:
                    raise type(exc)(
                        redact(f"{type(exc).__name__} on {what}", self.secrets), request=request
                    ) from None
                retries += 1
                self.pace.pause(self.retry_wait * 2 ** (retries - 1))
                continue
            if response.status_code == 429 and waits < MAX_429_WAITS:
                waits += 1
                response.read()
                response.close()
                wait = _retry_after(response, waits)
                if wait > MAX_WAIT:
                    raise LiveGuardError(
                        f"the server asks to wait {wait:.0f} s before {what} (limit "
                        f"{MAX_WAIT:.0f} s): stopping instead of hanging; retry later, slower"
                    )
                self.pace.pause(wait)
                continue
            if response.status_code >= 500 and retries < MAX_RETRIES:
                retries += 1
                response.read()
                response.close()
                self.pace.pause(self.retry_wait * 2 ** (retries - 1))
                continue
            return response

    def close(self) -> None:
        """Clients come and go; the guard (and its connection pool) lives for the run."""

    def shutdown(self) -> None:
        self.inner.close()


def _retry_after(response: httpx.Response, attempt: int) -> float:
    """Seconds to wait after a 429: Retry-After when given (and growing on repeats), else
    the docs' exponential backoff, 2**attempt."""
    raw: str = response.headers.get("Retry-After", "").strip()
    growth = float(2 ** (attempt - 1))
    if raw.isdigit():
        return float(raw) * growth
    return 2.0 * growth


def state_path(directory: str | os.PathLike[str]) -> Path:
    return Path(directory) / "beatpass-live-pace.json"


def env_ids() -> dict[str, list[Any]]:
    """Production ids from the documented placeholders (never from code)."""
    out: dict[str, list[Any]] = {}
    for resource, var in (
        ("Track", "TEST_TRACK_ID"),
        ("Artist", "TEST_ARTIST_ID"),
        ("Album", "TEST_ALBUM_ID"),
        ("User", "TEST_USER_ID"),
    ):
        value = os.environ.get(var, "").strip()
        if value:
            out[resource] = [int(value) if value.isdigit() else value]
    return out
