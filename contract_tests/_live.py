"""Live verification against production: the guard every live request passes through.

:class:`LiveGuard` is an httpx transport. Before anything is sent it refuses (raises
:class:`~spec.LiveGuardError`, sends nothing) any method but GET/HEAD, any host but the base
URL's, any URL with a user name, and any path that is not a documented read operation (its own
allow-list, :mod:`._paths`). It attaches the token itself, so no client carries it. It keeps a
request budget and a pace shared by every pytest-xdist worker (a JSON file under a file lock),
waits out 429s (``Retry-After`` in seconds or as an HTTP date, else a bounded exponential
backoff, shared so no worker keeps hammering, including one already waiting for its slot),
retries 5xx and dropped connections a bounded number of times. Each answer is read whole
inside the guard, within a deadline for the whole request (each timeout is capped by what is
left of it, and a timeout is not retried) and a cap on its decoded size, and every
spelling of the token is scrubbed from its headers and body before any check sees it.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import os
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from filelock import FileLock

from spec import ContractError, LiveGuardError, Spec

from ._coverage import current
from ._liveoptions import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_RATE,
    check_id,
    check_token,
)
from ._paths import ReadPaths, unsafe_segment
from ._redaction import redact, redact_bytes

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REQUESTS",
    "DEFAULT_RATE",
    "BudgetExhausted",
    "LiveGuard",
    "LiveResponseError",
    "Pace",
]

MAX_429_WAITS = 5
MAX_WAIT = 120.0  # seconds: a longer Retry-After stops the run instead of hanging it
MAX_RETRIES = 2  # for 5xx and dropped connections (a timeout is the deadline: never)
READ_METHODS = ("GET", "HEAD")


class BudgetExhausted(LiveGuardError):
    """The run's request budget is spent; the request was not sent."""


class LiveResponseError(ContractError):
    """Production's answer broke a bound of the live run (deadline, size, encoding): the
    operation failed, and what was read of the answer is dropped. It carries what a drift
    report needs (like a check's failure), so the run's report lists it."""

    check = "response_bounds"
    title = "Answer broke a bound of the live run"

    def __init__(self, operation: str, request: str, expected: str, observed: str) -> None:
        self.operation = operation
        self.request = request
        self.expected = expected
        self.observed = observed
        super().__init__(f"{request}: {observed} ({expected})")

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str]]:  # picklable (xdist)
        return type(self), (self.operation, self.request, self.expected, self.observed)


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
        """Take one request from the budget and wait for its slot in the shared pace.

        A pause (429, retry) announced while this worker waits holds it too: on waking it
        looks again, and takes a fresh slot after the pause instead of going out."""
        interval = 60.0 / self.rate
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            if state["sent"] >= self.max_requests:
                raise BudgetExhausted(
                    f"request budget of {self.max_requests} spent; not sent: {what}"
                )
            now = self.clock()
            slot = max(now, state["next_at"], state["pause_until"])
            state["sent"] += 1
            state["next_at"] = slot + interval
            self._write(state)
        while True:
            if slot > now:
                self.sleep(slot - now)
            with FileLock(str(self.path) + ".lock"):
                state = self._read()
                now = self.clock()
                if state["pause_until"] <= now:
                    return
                slot = max(now, state["next_at"], state["pause_until"])
                state["next_at"] = slot + interval
                self._write(state)

    def pause(self, seconds: float) -> None:
        """Every worker waits at least ``seconds`` from now before its next request."""
        with FileLock(str(self.path) + ".lock"):
            state = self._read()
            state["pause_until"] = max(state["pause_until"], self.clock() + seconds)
            self._write(state)

    @property
    def sent(self) -> int:
        return int(self._read()["sent"])


#: Encodings the guard can decode within its size cap (and the only ones it asks for).
ENCODINGS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class LiveGuard(httpx.BaseTransport):
    def __init__(
        self,
        spec: Spec,
        base_url: str,
        pace: Pace,
        *,
        token: str | None = None,
        secrets: tuple[str, ...] = (),
        transport: httpx.BaseTransport | None = None,
        retry_wait: float = 1.0,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if token is not None:
            check_token(token)
        self.base = httpx.URL(base_url.rstrip("/"))
        self.reads = ReadPaths(spec.operations.values(), self.base.path)
        self.pace = pace
        self._token = token
        self.secrets = tuple(s for s in (*secrets, token) if s)
        self.inner = transport or httpx.HTTPTransport(retries=0)
        self.retry_wait = retry_wait
        """The first wait before retrying a 5xx or a timeout; it doubles on each retry."""
        self.deadline = deadline
        """Seconds for one whole request: from sending it to the last byte of its answer."""
        self.max_bytes = max_bytes
        """Decoded bytes of one answer's body; one more and the operation fails."""

    def seat(self, *, anonymous: bool = False) -> httpx.BaseTransport:
        """The transport of one client: the guard, with the token attached to each request
        (unless ``anonymous``, or the request brings its own, e.g. a token that must fail)."""
        return _Seat(self, attach=not anonymous)

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
        if url.userinfo:
            raise LiveGuardError(f"refused {what}: a user name or password in the URL")
        raw = url.raw_path.split(b"?")[0].decode("ascii", "replace").split("/")
        if any(unsafe_segment(unquote(s)) not in (None, "an empty segment") for s in raw[1:]):
            raise LiveGuardError(
                f"refused {what}: dot, slash or control characters in a path segment"
            )
        if self.reads.match(url.path) is None:
            raise LiveGuardError(f"refused {what}: not a documented read operation")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.send(request, attach=True)

    def send(self, request: httpx.Request, *, attach: bool) -> httpx.Response:
        self.admit(request)
        if attach and self._token and "authorization" not in request.headers:
            request.headers["Authorization"] = f"Bearer {self._token}"
        request.headers["Accept-Encoding"] = ", ".join(ENCODINGS)
        what = self._describe(request)
        waits = retries = 0
        while True:
            self.pace.reserve(what)
            try:
                response = self._exchange(request, what)
            except httpx.TimeoutException as exc:
                # Every timeout is capped by what is left of the deadline, so a timeout is a
                # bound running out: like the others it fails the operation, not retried.
                raise self._bounds(request, what, 0.0).late(
                    f"{type(exc).__name__} before the answer was complete (each timeout is"
                    f" capped by the {self.deadline:g} s deadline); not retried"
                ) from None
            except httpx.NetworkError as exc:
                if retries >= MAX_RETRIES:
                    raise type(exc)(
                        redact(f"{type(exc).__name__} on {what}", self.secrets), request=request
                    ) from None
                retries += 1
                self.pace.pause(self.retry_wait * 2 ** (retries - 1))
                continue
            if response.status_code == 429 and waits < MAX_429_WAITS:
                waits += 1
                wait = retry_after(response.headers.get("Retry-After"), self.pace.clock(), waits)
                if wait > MAX_WAIT:
                    raise LiveGuardError(
                        f"the server asks to wait {wait:.0f} s before {what} (limit "
                        f"{MAX_WAIT:.0f} s): stopping instead of hanging; retry later, slower"
                    )
                self.pace.pause(wait)
                continue
            if response.status_code >= 500 and retries < MAX_RETRIES:
                retries += 1
                self.pace.pause(self.retry_wait * 2 ** (retries - 1))
                continue
            return response

    def _exchange(self, request: httpx.Request, what: str) -> httpx.Response:
        """One attempt, read whole within the deadline and the size cap, token scrubbed."""
        deadline_at = time.monotonic() + self.deadline
        asked = request.extensions.get("timeout") or {}
        timeouts = {
            k: min(asked.get(k) or self.deadline, self.deadline)
            for k in ("connect", "read", "write", "pool")
        }
        request.extensions["timeout"] = timeouts
        response = self.inner.handle_request(request)
        # The head took part of the deadline: reading the body may only wait for the rest.
        # httpcore reads this same mapping when the body's first chunk is asked for.
        timeouts["read"] = min(timeouts["read"], max(deadline_at - time.monotonic(), 0.001))
        bounds = self._bounds(request, what, deadline_at)
        try:
            body = b"".join(bounds.body(response))
        finally:
            response.close()
        headers = [
            (redact(k.decode("latin-1"), self.secrets), redact(v.decode("latin-1"), self.secrets))
            for k, v in response.headers.raw
            if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
        ]
        body = redact_bytes(body, self.secrets)
        headers.append(("Content-Length", str(len(body))))
        return httpx.Response(
            response.status_code,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            content=body,
            request=request,
            extensions={
                k: v
                for k, v in response.extensions.items()
                if k in ("http_version", "reason_phrase")
            },
        )

    def _bounds(self, request: httpx.Request, what: str, deadline_at: float) -> _Bounds:
        match = self.reads.match(request.url.path)
        return _Bounds(match.id if match else "?", what, deadline_at, self)

    def close(self) -> None:
        """Clients come and go; the guard (and its connection pool) lives for the run."""

    def shutdown(self) -> None:
        self.inner.close()


@dataclass
class _Bounds:
    """One answer being read: its operation, and the deadline and size it must keep to."""

    operation: str
    what: str
    deadline_at: float
    guard: LiveGuard

    def fail(self, expected: str, observed: str) -> LiveResponseError:
        """The failure, recorded for the run's report as it is raised (a replay that then
        finds the budget spent must not make it vanish)."""
        error = LiveResponseError(self.operation, self.what, expected, observed)
        recorder = current()
        recorder.checked([error.check], [error.check])
        recorder.drift(error)
        return error

    def on_time(self) -> None:
        if time.monotonic() > self.deadline_at:
            raise self.late()

    def late(self, observed: str | None = None) -> LiveResponseError:
        return self.fail(
            f"the whole request within {self.guard.deadline:g} s (--beatpass-deadline)",
            observed
            or f"the answer took longer than the deadline of {self.guard.deadline:g} s;"
            " stopped reading it",
        )

    def body(self, response: httpx.Response) -> Iterator[bytes]:
        """The decoded body in chunks, failing the operation past the deadline or the cap."""
        cap = self.guard.max_bytes
        encodings = [
            e.strip().lower()
            for e in response.headers.get("content-encoding", "").split(",")
            if e.strip() and e.strip().lower() != "identity"
        ]
        if len(encodings) > 1 or (encodings and encodings[0] not in ENCODINGS):
            raise self.fail(
                f"Content-Encoding {' or '.join(ENCODINGS)} (what the guard asks for)",
                f"answered with Content-Encoding {', '.join(encodings)!r}, which the guard"
                " cannot decode within its size cap",
            )
        inflater = zlib.decompressobj(ENCODINGS[encodings[0]]) if encodings else None
        size = 0
        stream = response.stream
        if not isinstance(stream, httpx.SyncByteStream):
            raise TypeError("the live guard wraps synchronous transports only")
        for raw in stream:
            pending = raw
            while pending:
                self.on_time()
                if inflater is None:
                    chunk, pending = pending, b""
                else:
                    try:
                        chunk = inflater.decompress(pending, cap - size + 1)
                    except zlib.error:
                        raise self.fail(
                            f"a valid {encodings[0]} body", "the compressed body is corrupt"
                        ) from None
                    pending = inflater.unconsumed_tail
                size += len(chunk)
                if size > cap:
                    raise self.fail(
                        f"at most {cap} decoded bytes (--beatpass-max-response-bytes)",
                        f"the answer is larger than {cap} decoded bytes; stopped reading it",
                    )
                yield chunk
            self.on_time()


class _Seat(httpx.BaseTransport):
    """One client's way into the guard (closing the client leaves the guard open)."""

    def __init__(self, guard: LiveGuard, *, attach: bool) -> None:
        self._guard = guard
        self._attach = attach

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._guard.send(request, attach=self._attach)


def retry_after(value: str | None, now: float, attempt: int) -> float:
    """Seconds to wait after a 429 (the ``attempt``-th in a row).

    ``Retry-After`` as delay seconds (ASCII digits; growing on repeats) or as an HTTP date
    (RFC 9110: the wait is until then); anything else (absent, garbled, a date in a zone the
    parser does not know) falls back to the docs' exponential backoff, 2 ** attempt seconds."""
    growth = float(2 ** (attempt - 1))
    text = (value or "").strip()
    if text.isascii() and text.isdigit():
        return float(text) * growth
    if text:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=datetime.timezone.utc)
            return max(0.0, when.timestamp() - now)
    return 2.0 * growth


def state_path(directory: str | os.PathLike[str]) -> Path:
    return Path(directory) / "beatpass-live-pace.json"


def env_ids() -> dict[str, list[Any]]:
    """Production ids from the documented placeholders (never from code), each a single path
    segment as written (``..`` would be normalised away by httpx before the guard saw it)."""
    out: dict[str, list[Any]] = {}
    for resource, var in (
        ("Track", "TEST_TRACK_ID"),
        ("Artist", "TEST_ARTIST_ID"),
        ("Album", "TEST_ALBUM_ID"),
        ("User", "TEST_USER_ID"),
    ):
        value = os.environ.get(var, "").strip()
        if value:
            check_id(value, var)
            out[resource] = [int(value) if value.isascii() and value.isdigit() else value]
    return out
