"""The sandbox's own HTTP/1.1 protocol: httptools (llhttp) straight to the handler.

uvicorn's protocols speak ASGI: per request they build a scope, an event, a task and a
response cycle, and the adapter then turns ASGI messages into an ``httpx.Request`` and back.
For a handler that answers in about 50 us that machinery cost more than the handler (the
served sandbox reached 0.5-0.7x the requests/s of a canned uvicorn app; measured by
``benchmarks/bench_serve.py``). This protocol parses with httptools and calls the
:class:`~mockserver._asgi.ASGIAdapter`'s shared steps directly (``prepare``, ``call``,
``record``, ``encode``), so every guarantee of the adapter holds here by the same code: the
body cap (413), the byte-exact target, the 500 wall, the request record before the answer.
A request that may be slow (``blocking``) runs in a worker thread in a task; every other one
is answered inside ``data_received`` with one ``write``.

It plugs into uvicorn's server the way uvicorn's own protocols do (``Config(http=...)``): the
server keeps binding, signals, the graceful stop and its connection and task registry.
Besides what the adapter guarantees:

* a request uvicorn's protocols would refuse (malformed, or a head over
  :data:`HEAD_LIMIT`) is answered in the API's error format and the connection closed;
* pipelined requests are answered in order; reading pauses while one is in a worker thread,
  while more than a few are queued, or while the client does not read its answers;
* a dropped connection (an injected fault) is aborted at once, without an answer;
* a stop closes idle connections and one half way through a body at once, and lets a
  request being answered finish (uvicorn's graceful timeout bounds it);
* idle keep-alive connections close after uvicorn's ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from http import HTTPStatus
from typing import Any, NamedTuple, cast

import anyio.to_thread
import httptools
import httpx

from ._asgi import DROP, ASGIAdapter, error_answer, escape

__all__ = ["HEAD_LIMIT", "SandboxProtocol"]

HEAD_LIMIT = 64 * 1024
"""Bytes of request line plus headers accepted; a bigger head is refused (431)."""
_QUEUE_LIMIT = 8  # pipelined requests parsed ahead before reading pauses
# An oversized body is still read (and discarded) up to this much, so the client gets to
# read the 413 instead of a connection reset; past it the connection is simply dropped.
_DRAIN_LIMIT = 64 * 1024 * 1024
_REASONS = {status.value: status.phrase.encode("ascii") for status in HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_FIELDS: list[Any] = [None, b""]  # uvicorn's default headers and their encoded lines
logger = logging.getLogger("mockserver.asgi")  # one logger for the serving layer


class _Refused(Exception):
    """Raised from a parser callback: answer this status and close the connection."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Request(NamedTuple):
    method: str
    path: str
    query: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    keep_alive: bool
    started: float


class SandboxProtocol(asyncio.Protocol):
    """One client connection; see the module docstring. Built by uvicorn's server with its
    config (whose ``app`` is the :class:`ASGIAdapter`) and its shared server state."""

    def __init__(
        self,
        config: Any,
        server_state: Any,
        app_state: Any = None,
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.adapter: ASGIAdapter = config.app
        self.state = server_state
        self.keep_alive_s: float = config.timeout_keep_alive
        self.loop = _loop or asyncio.get_event_loop()
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.server: tuple[str, int | None] | None = None
        self.pending: collections.deque[_Request] = collections.deque()
        self.busy = False  # a request is being answered in a worker thread
        self.closing = False  # stop after the answers owed: no more keep-alive
        self.refused: bytes | None = None  # owed after the pending answers, then close
        self.idle: asyncio.TimerHandle | None = None
        self.active = 0.0  # loop time of the last data or answer
        self.reading = True
        self.writing = True
        self._reset_message()
        self.in_message = False

    # -- the connection ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports (uvicorn picks uvloop when it is
        # installed, as uvicorn[standard] does) are not asyncio.Transport subclasses.
        self.transport = cast(asyncio.Transport, transport)
        self.state.connections.add(self)
        sockname = transport.get_extra_info("sockname")
        if isinstance(sockname, tuple):
            self.server = (str(sockname[0]), int(sockname[1]))
        self.active = self.loop.time()  # a client that never sends is idle too
        self.idle = self.loop.call_later(self.keep_alive_s, self._close_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.connections.discard(self)
        self.closing = True
        self.pending.clear()
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None

    def pause_writing(self) -> None:  # the client does not read: stop taking requests
        self.writing = False
        self._flow()

    def resume_writing(self) -> None:
        self.writing = True
        self._flow()
        self._pump()

    def shutdown(self) -> None:
        """The server stops: close now unless an answer is owed, then close after it."""
        self.closing = True
        if self.transport is None:
            return
        if not self.busy and not self.pending:
            self.transport.close()  # idle, or half way through a body nobody will answer

    def data_received(self, data: bytes) -> None:
        self.active = self.loop.time()  # the idle timer reads it (no timer per request)
        if self.refused is not None:
            return  # the connection is being closed: ignore what follows
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.closing = True  # answered as plain HTTP, then closed: no upgrade offered
        except httptools.HttpParserError as error:
            # httptools wraps what a callback raised: a _Refused names its own answer.
            refused = error.__context__
            if isinstance(refused, _Refused):
                self._refuse(error_answer(refused.status, refused.message))
            elif refused is not None:  # a bug of ours in a callback: the last wall
                logger.error("HTTP protocol failed", exc_info=refused)
                self._refuse(error_answer(500, "Server Error"))
            else:
                self._refuse(error_answer(400, "Bad Request: Invalid HTTP request received."))
        self._pump()

    def _refuse(self, answer: bytes) -> None:
        """Owe *answer* after the answers already owed, then close; read nothing more."""
        self.refused = answer
        if self.transport is not None and self.reading:
            self.reading = False
            self.transport.pause_reading()

    # -- httptools callbacks ------------------------------------------------------------------

    def _reset_message(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_size = 0
        self.chunks: list[bytes] = []
        self.kept = 0
        self.seen = 0
        self.started = 0.0
        self.http11 = True

    def on_message_begin(self) -> None:
        self._reset_message()
        self.in_message = True

    def on_url(self, url: bytes) -> None:
        self.url += url
        self.head_size += len(url)
        if self.head_size > HEAD_LIMIT:
            raise _Refused(431, "Request Header Fields Too Large.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value) + 4
        if self.head_size > HEAD_LIMIT:
            raise _Refused(431, "Request Header Fields Too Large.")
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.started = time.perf_counter()
        self.http11 = self.parser.get_http_version() == "1.1"
        if self.transport is not None and self.http11:
            for name, value in self.headers:
                if name == b"expect" and value.lower() == b"100-continue":
                    self.transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        self.seen += len(body)
        if self.kept <= self.adapter.max_body:
            self.chunks.append(body)
            self.kept += len(body)
        if self.seen > _DRAIN_LIMIT:
            raise _Refused(413, "Payload Too Large.")

    def on_message_complete(self) -> None:
        self.in_message = False
        if self.transport is None or self.transport.is_closing():
            return  # pipelined after a "Connection: close" or a drop: never answered
        try:
            parsed = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            raise _Refused(400, "Bad Request: Invalid HTTP request received.") from None
        body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        self.pending.append(
            _Request(
                self.parser.get_method().decode("ascii"),
                escape(parsed.path),
                escape(parsed.query or b""),
                self.headers,
                body,
                self.http11 and self.parser.should_keep_alive(),
                self.started,
            )
        )
        self.state.total_requests += 1
        self._pump()
        self._flow()

    # -- answering ----------------------------------------------------------------------------

    def _flow(self) -> None:
        """Read while answers can be given: not during a worker-thread answer, not with a
        full queue, not while the client leaves our answers unread."""
        if self.transport is None or self.transport.is_closing():
            return
        want = (
            self.writing
            and not self.busy
            and len(self.pending) < _QUEUE_LIMIT
            and self.refused is None
        )
        if want != self.reading:
            self.reading = want
            if want:
                self.transport.resume_reading()
            else:
                self.transport.pause_reading()

    def _pump(self) -> None:
        """Answer the queued requests in order, until one needs a worker thread."""
        while self.pending and not self.busy and self.writing:
            request = self.pending.popleft()
            prepared = self.adapter.prepare(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.body,
                self.server,
            )
            if isinstance(prepared, httpx.Response):
                self._answer(request, prepared)
            elif self.adapter.may_block(prepared):
                self.busy = True
                self._flow()
                task = self.loop.create_task(self._in_thread(request, prepared))
                self.state.tasks.add(task)
                task.add_done_callback(self.state.tasks.discard)
                return
            else:
                self._answer(request, self.adapter.call(prepared))
        if self.pending or self.busy or self.transport is None:
            return
        if self.refused is not None:
            self.transport.write(self.refused)
            self.transport.close()
        elif self.closing and not self.in_message:
            self.transport.close()
        elif self.idle is None and not self.transport.is_closing():
            self.active = self.loop.time()
            self.idle = self.loop.call_later(self.keep_alive_s, self._close_idle)

    async def _in_thread(self, request: _Request, prepared: httpx.Request) -> None:
        try:
            response = await anyio.to_thread.run_sync(self.adapter.call, prepared)
            self._answer(request, response)
        except asyncio.CancelledError:  # the graceful stop timed out: nobody gets an answer
            if self.transport is not None:
                self.transport.abort()
            raise
        finally:
            self.busy = False
            self._flow()
        self._pump()

    def _answer(self, request: _Request, response: httpx.Response) -> None:
        transport = self.transport
        assert transport is not None
        if response is DROP:  # an injected dropped connection: no answer at all
            self.adapter.record(request.method, request.path, request.query, None, request.started)
            self.closing = True
            self.pending.clear()
            transport.abort()
            return
        self.adapter.record(request.method, request.path, request.query, response, request.started)
        if transport.is_closing():
            return  # the client went away meanwhile
        status, headers, body = self.adapter.encode(request.method, response)
        fields = b"\n".join([b"%s: %s" % pair for pair in headers])
        if b"\r" in fields or fields.count(b"\n") != len(headers) - 1:
            # A header that would split the answer (a handler echoing client input): the
            # last wall, as for any handler failure.
            logger.error("handler answered a header with a line break: %r", headers)
            transport.write(error_answer(500, "Server Error"))
            self.closing = True
            transport.close()
            return
        keep = request.keep_alive and not self.closing
        transport.write(
            b"HTTP/1.1 %d %s\r\n%s\r\n%s%s"
            % (
                status,
                _REASONS.get(status, b""),
                self._server_fields() + fields.replace(b"\n", b"\r\n"),
                b"\r\n" if keep else b"connection: close\r\n\r\n",
                b"" if request.method == "HEAD" else body,
            )
        )
        if not keep:
            self.closing = True
            self.pending.clear()
            transport.close()

    def _server_fields(self) -> bytes:
        """The server's own header lines (Date, Server), encoded once per change: uvicorn
        replaces its list of them when the second turns."""
        defaults = self.state.default_headers
        if defaults is not _FIELDS[0]:
            _FIELDS[:] = [defaults, b"".join(b"%s: %s\r\n" % pair for pair in defaults)]
        fields: bytes = _FIELDS[1]
        return fields

    def _close_idle(self) -> None:
        """Close a connection idle for ``timeout_keep_alive``; one active since the timer
        was set gets a timer for the rest of its idle time instead."""
        self.idle = None
        if self.transport is None or self.transport.is_closing():
            return
        left = self.active + self.keep_alive_s - self.loop.time()
        if self.busy or self.pending or self.in_message:  # not idle: look again later
            self.idle = self.loop.call_later(self.keep_alive_s, self._close_idle)
        elif left > 0:
            self.idle = self.loop.call_later(left, self._close_idle)
        else:
            self.transport.close()
