"""The mock's core: one function from ``httpx.Request`` to ``httpx.Response``.

Small layers, each doing one thing, in the order the real API applies them:
route (documented operations only) -> rate limit -> injected faults -> auth and tier ->
parameters and body -> the records the path names -> behaviour -> body from the schema.
Every answer carries the rate-limit headers; every error uses the documented body. Nothing in
here may raise to the caller except the transport errors a fault injects on purpose.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import httpx

import spec as spec_pkg
from spec import Operation, Spec

from ._auth import AuthResult, TokenStore
from ._behaviours import BEHAVIOURS, Call, check_registry
from ._clock import Clock
from ._facts import settle
from ._faults import MESSAGES, Fault, FaultInjector, fault_body
from ._headers import ascii_headers, header_value
from ._ratelimit import Decision, RateLimiter
from ._render import BodyBuilder, Context
from ._router import Router
from ._store import Record, Store
from ._validation import RequestError, read_body, read_params

log = logging.getLogger("mockserver")
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
"""An answer's body as JSON text: what ``json.dumps`` writes, with one encoder for every
answer (``dumps`` builds one per call when given separators). A body is a tree the mock built,
never circular; a bug that made one would end in the handler's 500, not in a loop."""

HISTORY = 1000
"""Requests kept in ``api.requests``..."""
HISTORY_BYTES = 4 * 1024 * 1024
"""...and at most this many bytes in it, bodies plus :data:`EXCHANGE_OVERHEAD` each."""
CALLS = 10_000
"""Calls kept in ``routes[...].calls``, all operations together..."""
CALLS_BYTES = 8 * 1024 * 1024
"""...and at most this many bytes in them, bodies plus :data:`EXCHANGE_OVERHEAD` each."""
CACHE_BYTES = 8 * 1024 * 1024
"""Bytes of rendered answers the read cache keeps (oldest dropped first)."""
EXCHANGE_OVERHEAD = 2048
"""Bytes counted per kept exchange besides its bodies: a request and a response object with
their headers, so that many tiny calls are bounded as surely as a few large ones."""
SIDE_EFFECTS = 10_000
"""Entries each side-effect list keeps (outbox, charges, uploads, events; oldest dropped)."""


class RecordedCall(NamedTuple):
    """One answered request, as respx's ``Call``: ``call.request``, ``call.response``."""

    request: httpx.Request
    response: httpx.Response


class CallList(deque[RecordedCall]):
    """The recent calls of an operation (see :data:`CALLS`), read like respx's ``CallList``:
    ``.last``, ``.called``, ``.call_count`` (every call, also those no longer kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.call_count = 0

    def record(self, request: httpx.Request, response: httpx.Response) -> None:
        self.append(RecordedCall(request, response))
        self.call_count += 1

    @property
    def called(self) -> bool:
        return self.call_count > 0

    @property
    def last(self) -> RecordedCall:
        if not self:
            raise IndexError("no call was recorded")
        return self[-1]


@dataclass
class RouteStats:
    """Calls of one operation, for assertions such as ``routes["tracks.show"].called``."""

    operation: Operation
    calls: CallList = field(default_factory=CallList)

    @property
    def call_count(self) -> int:
        return self.calls.call_count

    @property
    def called(self) -> bool:
        return self.calls.called


class MockCore:
    def __init__(
        self,
        spec: Spec,
        store: Store,
        tokens: TokenStore,
        clock: Clock,
        *,
        seed: int = 0,
        rate_limits: bool = True,
        base_path: str = "/api/v1",
    ) -> None:
        check_registry(spec, complete=spec is spec_pkg.load())
        self.spec = spec
        self.schemas = spec.schemas
        self.store = store
        self.tokens = tokens
        self.clock = clock
        self.seed = seed
        self.router = Router(spec.operations.values(), base_path)
        self.limiter = RateLimiter(spec.policies, clock, enabled=rate_limits)
        self.faults = FaultInjector(seed)
        self.routes = {op_id: RouteStats(op) for op_id, op in spec.operations.items()}
        self.history: deque[tuple[httpx.Request, httpx.Response]] = deque()
        self.undocumented: deque[tuple[str, str]] = deque(maxlen=HISTORY)
        self.unsourced: deque[tuple[str, int, tuple[str, ...]]] = deque(maxlen=HISTORY)
        """Answers that held filler: (operation, status, the places of the invented values)."""
        self._history_bytes = 0
        self._calls: deque[tuple[CallList, int]] = deque()  # every kept call, oldest first
        self._calls_bytes = 0
        self._cache: dict[tuple[Any, ...], bytes] = {}
        self._cache_bytes = 0
        self.served_timeout = 30.0
        """Seconds an injected timeout holds a served answer (real time)."""
        self._lock = threading.Lock()

    @property
    def cache_bytes(self) -> int:
        """Bytes of rendered answers held by the read cache (at most :data:`CACHE_BYTES`)."""
        return self._cache_bytes

    # -- entry point --------------------------------------------------------------------------

    def handle(self, request: httpx.Request, *, served: bool = False) -> httpx.Response:
        """Answer one request. ``served``: behind the HTTP sandbox, where an injected transport
        fault cannot be raised to the client, so it is answered instead (see ``_transport``)."""
        if self.store.exposed:  # records handed out may have changed since the last answer
            self.store.touch()
        try:
            response, op = self._handle(request, served)
            if request.method == "HEAD":
                response = httpx.Response(
                    response.status_code, headers=response.headers, content=b""
                )
        except (httpx.TimeoutException, httpx.NetworkError):
            raise  # an injected transport fault
        except Exception:  # the last wall: a bug in the mock must still answer in the format
            log.exception("mock failed on %s %s", request.method, request.url.path)
            response, op = _error(500, "Server Error"), None
        with self._lock:
            self._remember(request, response, op)
        return response

    def _remember(
        self, request: httpx.Request, response: httpx.Response, op: Operation | None
    ) -> None:
        """Keep the exchange in ``history`` and in its operation's calls, each bounded by
        count and by body bytes, and bound the side-effect lists a write may have grown."""
        size = len(request.content) + len(response.content) + EXCHANGE_OVERHEAD
        self.history.append((request, response))
        self._history_bytes += size
        while len(self.history) > 1 and (
            len(self.history) > HISTORY or self._history_bytes > HISTORY_BYTES
        ):
            old_request, old_response = self.history.popleft()
            self._history_bytes -= (
                len(old_request.content) + len(old_response.content) + EXCHANGE_OVERHEAD
            )
        if op is not None:
            calls = self.routes[op.id].calls
            calls.record(request, response)
            self._calls.append((calls, size))
            self._calls_bytes += size
            while len(self._calls) > 1 and (
                len(self._calls) > CALLS or self._calls_bytes > CALLS_BYTES
            ):
                oldest, dropped = self._calls.popleft()
                oldest.popleft()  # the oldest call overall is the oldest of its operation
                self._calls_bytes -= dropped
        if request.method not in ("GET", "HEAD"):
            effects = self.store.side_effects
            for bucket in (effects.outbox, effects.charges, effects.uploads, effects.events):
                if len(bucket) > SIDE_EFFECTS:
                    del bucket[: len(bucket) - SIDE_EFFECTS]

    def _handle(
        self, request: httpx.Request, served: bool = False
    ) -> tuple[httpx.Response, Operation | None]:
        path = request.url.path
        # HEAD is answered as GET without a body (HTTP semantics; the live guard allows it).
        method = "GET" if request.method == "HEAD" else request.method
        match = self.router.match(method, path)
        op = match.operation if match is not None else None
        authorization = header_value(request.headers, b"authorization")
        auth = self.tokens.check(authorization)
        client = (authorization or "") if auth.user_id is not None else "anonymous"
        decision = self.limiter.hit(client, op.rate_limit if op is not None else "general")
        if not decision.allowed:
            body = {"message": "Too Many Attempts.", "retry_after": decision.retry_after}
            return _json(429, body, decision), op
        if match is None or op is None:
            with self._lock:
                self.undocumented.append((request.method, path))
            message = (
                f"Not found: {request.method} {path} is not a documented BeatPass API operation."
            )
            return _json(404, {"message": message}, decision), None
        preferred = _preferred_status(request)
        if preferred is not None and (preferred not in op.responses or preferred >= 400):
            return self._preferred(op, preferred, decision), op
        fault = self.faults.pick(op.id)
        if fault is not None:
            if fault.latency:
                self.clock.sleep(fault.latency)
            if fault.timeout or fault.connect_error:
                return _transport(self, request, fault.timeout, served, decision), op
            if fault.status is not None:
                return self._answer_with(op, fault, decision), op
        try:
            return self._serve(request, op, match.params, auth, decision), op
        except RequestError as exc:
            status = _documented(op, exc.status)
            body = (
                exc.body()
                if status == exc.status or exc.status != 403
                else {"message": "Not found."}
            )
            response = _json(status, body, decision)
            if status == 429:
                response.headers["Retry-After"] = str(exc.retry_after)
            return response, op

    def _preferred(self, op: Operation, status: int, decision: Decision) -> httpx.Response:
        """``Prefer: code=404`` (Prism's convention): the documented error answer for that
        status, so any client (not only Python tests) can exercise its error handling."""
        if status not in op.responses:
            documented = ", ".join(str(s) for s in sorted(op.responses))
            asked = f"code={status} is not documented" if status else "code must be a status"
            message = f"Prefer: {asked} for {op.id}; documented: {documented}."
            return _json(400, {"message": message}, decision)
        return self._answer_with(op, Fault(status=status), decision)

    def _answer_with(self, op: Operation, fault: Fault, decision: Decision) -> httpx.Response:
        """The documented answer of an injected or asked-for status."""
        assert fault.status is not None
        body, headers = fault_body(self.spec, op, fault)
        response = _json(fault.status, body, decision)
        response.headers.update(headers)
        return response

    # -- layers -------------------------------------------------------------------------------

    def _serve(
        self,
        request: httpx.Request,
        op: Operation,
        raw_path: Mapping[str, str],
        auth: AuthResult,
        decision: Decision,
    ) -> httpx.Response:
        if op.auth != "none":
            if auth.status in ("invalid", "expired", "revoked"):
                reason = {
                    "invalid": "Unauthenticated.",
                    "expired": "Token expired.",
                    "revoked": "Unauthenticated.",
                }
                raise RequestError(401, reason[auth.status])
            if op.auth == "required" and not auth.ok:
                raise RequestError(401, "Unauthenticated.")
        tier = "token" if auth.ok and op.auth != "none" else "public"
        # A read seen before, with the store unchanged, answers the same bytes: it passed the
        # same checks then, so none of the work below needs repeating.
        cache_key = None
        if op.read_only:
            # The second is part of the key: some answers depend on time (expiry, allowances).
            now = int(self.clock.now())
            cache_key = (op.id, tier, auth.user_id, request.url.raw_path, self.store.version, now)
            cached = self._cache.get(cache_key)
            if cached is not None:
                return _raw(op.success_status, cached, decision)
        try:
            path = read_params(op, self.schemas, raw_path, op.path_params, "path")
        except RequestError as exc:
            raise RequestError(404, "Not found.", None) if 404 in op.responses else exc from None
        query = read_params(op, self.schemas, _query(request), op.query_params, "query")
        # One lock from the first store read to the last: the served sandbox runs handlers
        # in worker threads, and a write must not change the store under a read.
        with self.store.lock:
            records: dict[str, Record] = {}
            for p in op.path_params:
                if p.resource is None or p.name not in path or p.name == "ids":
                    continue  # a list of ids: the behaviour checks each one
                if p.resource == "User" and path[p.name] == "me":
                    if auth.user_id is None:
                        raise RequestError(401, "Unauthenticated.")
                    path[p.name] = auth.user_id
                record = self.store.find(p.resource, p.name, path[p.name])
                if record is None:
                    raise RequestError(404, f"{p.resource} not found.")
                records.setdefault(p.resource, record)
            content_type = header_value(request.headers, b"content-type") or ""
            body = read_body(op, self.schemas, request.content, content_type)
            call_now = self.clock.now()
            ctx = Context(
                op,
                tier,  # type: ignore[arg-type]
                f"{self.seed}:{op.id}:{request.url.raw_path!r}",
                query=query,
                records=records,
                viewer=auth.user_id,
                now=call_now,
            )
            call = Call(op, self.store, ctx, path, query, body, auth.user_id, call_now, self.tokens)
            status = BEHAVIOURS[op.id](call)
            if not op.read_only and op.resource in ("Playlist", "Track"):
                settle(self.store)  # what moves a playlist's tracks or their durations
            response = op.responses[status]
            if response.schema is None:
                if ctx.content is None:  # a file with no behaviour to write it: a bug here
                    raise RuntimeError(f"the behaviour of {op.id} wrote no {response.content_type}")
                return _raw(status, ctx.content, decision, response.content_type)
            builder = BodyBuilder(self.store, ctx)
            payload = builder.build(response.schema)
            if builder.unsourced:
                with self._lock:
                    self.unsourced.append((op.id, status, tuple(builder.unsourced)))
        content = _encode(payload).encode()
        if cache_key is not None and status == op.success_status:
            self._cache_put(cache_key, content)
        return _raw(status, content, decision)

    def _cache_put(self, key: tuple[Any, ...], content: bytes) -> None:
        """Cache a rendered answer within :data:`CACHE_BYTES`, dropping the oldest first; an
        answer larger than an eighth of the budget is not cached at all."""
        if len(content) > CACHE_BYTES // 8:
            return
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = content
            self._cache_bytes += len(content)
            while self._cache_bytes > CACHE_BYTES:
                self._cache_bytes -= len(self._cache.pop(next(iter(self._cache))))


def _transport(
    core: MockCore, request: httpx.Request, timeout: bool, served: bool, decision: Decision
) -> httpx.Response:
    """An injected timeout or connection error: raised as the httpx error in process; over HTTP,
    a timeout holds the answer ``core.served_timeout`` seconds of real time (clients with a
    shorter timeout see a real one) then answers 504, and the connection error is raised too:
    the server drops the connection (see ``mockserver._asgi``)."""
    if not timeout:
        raise httpx.ConnectError("injected connection error", request=request)
    if not served:
        raise httpx.ReadTimeout("injected timeout", request=request)
    time.sleep(core.served_timeout)  # real time: the mock's own clock does not move
    return _json(504, {"message": MESSAGES[504]}, decision)


def _documented(op: Operation, status: int) -> int:
    """The status to answer with: the one meant, or the nearest the operation documents."""
    if status in op.responses:
        return status
    for fallback in {422: (400, 404), 400: (422, 404), 404: (422, 400), 403: (404, 422)}.get(
        status, ()
    ):
        if fallback in op.responses:
            return fallback
    return 400 if 400 in op.responses else status


def _query(request: httpx.Request) -> dict[str, str | list[str]]:
    """The query's values by name (``tags[]`` as ``tags``; a repeated name, a list, in the
    order sent), decoded as httpx's QueryParams decodes them, without building one."""
    out: dict[str, str | list[str]] = {}
    text = request.url.query.decode("ascii", "replace")
    for key, value in parse_qsl(text, keep_blank_values=True):
        key = key[:-2] if key.endswith("[]") else key
        if key in out:
            prev = out[key]
            out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = value
    return out


def _headers(decision: Decision | None, content_type: str = "application/json") -> dict[str, str]:
    headers = {"Content-Type": content_type}
    if decision is not None:
        headers.update(decision.headers())
    return headers


def _raw(
    status: int,
    content: bytes,
    decision: Decision | None,
    content_type: str = "application/json",
) -> httpx.Response:
    """An answer with its body already in memory. ``Response(content=...)`` would run the
    body through httpx's decoders to read it back (about 60% of building the answer, a tenth
    of a served request); the body is the bytes given, so they are set as read."""
    headers = _headers(decision, content_type)
    headers["Content-Length"] = str(len(content))
    response = httpx.Response(
        status, headers=ascii_headers(headers.items()), stream=httpx.ByteStream(content)
    )
    response._content = content  # what Response.read() sets; httpx is pinned below 0.29
    return response


def _preferred_status(request: httpx.Request) -> int | None:
    """The ``code`` preference of a ``Prefer`` header (RFC 7240: comma-separated preferences,
    ``;`` parameters, names case-insensitive, values optionally quoted). A value that is not a
    three-digit status is 0, which no operation documents (so it is refused, not ignored)."""
    prefer = header_value(request.headers, b"prefer")
    if not prefer:  # the usual case: no preference, nothing to parse
        return None
    for preference in _split_outside_quotes(prefer, ","):
        name, _, value = _split_outside_quotes(preference, ";")[0].partition("=")
        if name.strip().lower() == "code":
            text = value.strip().strip('"').strip()
            return int(text) if text.isdigit() and len(text) == 3 else 0
    return None


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _json(status: int, body: Any, decision: Decision | None) -> httpx.Response:
    return _raw(status, _encode(body).encode(), decision)


def _error(status: int, message: str) -> httpx.Response:
    return _json(status, {"message": message}, None)
