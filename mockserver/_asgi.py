"""Serve any ``httpx.Request -> httpx.Response`` handler as an ASGI 3 application.

The mock's core is a pure function that respx calls in-process. Non-Python clients need the
same behaviour over a socket, so this adapter translates ASGI messages to an
``httpx.Request``, calls the handler, and translates the ``httpx.Response`` back. It knows
nothing about the mock's internals: anything with the handler's shape can be served, which
keeps the HTTP layer testable on its own and stops it drifting from the in-process mock.
Its steps (``prepare``, ``may_block``, ``call``, ``record``, ``encode``) are public so that the
sandbox's own HTTP protocol (:mod:`mockserver._http`) serves through the same code without
the ASGI messages in between: the guarantees below hold for both.

Guarantees the core can rely on (so it never has to defend against them itself):

* bodies are capped (``max_body``, 10 MiB by default); a larger body is answered with 413
  and the handler is not called;
* the URL is rebuilt from the raw request target, so the query string reaches the handler
  byte-exact (bytes that are illegal in a URL, such as raw ``\\xff``, are percent-encoded,
  which leaves their decoded value unchanged) and non-UTF-8 input cannot crash the adapter;
* the handler runs in a worker thread, so a slow handler (injected latency) does not stall
  other clients; a core with shared state must therefore be thread-safe. The hop to a
  thread costs more than a fast handler itself (about 340 us against 90 us), so a handler
  may say which requests can be slow (``blocking``) and every other one runs on the loop;
* a handler that raises ``httpx.NetworkError`` asks for the connection to be dropped: it
  is aborted without an answer where the server registered it in :data:`CONNECTIONS`
  (``mockserver._serve`` does), else answered 503 in the error format;
* an exception from the handler becomes a 500 in the API's error format plus one logged
  traceback: the handler should never raise, this is the last wall.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import anyio.to_thread
import httpx

from ._headers import lower_items, received_headers

__all__ = [
    "CONNECTIONS",
    "DEFAULT_MAX_BODY",
    "DROP",
    "ASGIAdapter",
    "Handler",
    "RequestRecord",
    "error_answer",
    "escape",
]

Handler = Callable[[httpx.Request], httpx.Response]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Largest request body the adapter buffers before answering 413.
DEFAULT_MAX_BODY = 10 * 1024 * 1024
# An oversized body is still read (and discarded) up to this much, so the client gets to
# read the 413 instead of a connection reset; past it the connection is simply dropped.
_DRAIN_LIMIT = 64 * 1024 * 1024
# Framing headers describe the body as the handler built it; the server recomputes them.
_FRAMING_HEADERS = frozenset({b"content-length", b"transfer-encoding", b"content-encoding"})
# A Host header we trust to rebuild the URL: a host name or [IPv6] literal and a port. Any
# "/", "?", "@" or "#" would let a client smuggle a different path into the handler's URL.
_HOST_HEADER = re.compile(rb"[A-Za-z0-9.\-_]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?")

logger = logging.getLogger("mockserver.asgi")

CONNECTIONS: dict[tuple[Any, Any], asyncio.Transport] = {}
"""Open connections by ``(server, client)`` address, as the ASGI scope names them, so an
injected dropped connection can abort the right one (filled by the server's protocol)."""
# Bytes escape() keeps as they are: printable ASCII except '#', '"', '<' and '>'.
_LITERAL = re.compile(rb"[!\x24-\x3b=\x3f-\x7e]*")
_URL_MEMO = 4096  # parsed request URLs kept (see ASGIAdapter._url)
DROP = httpx.Response(599)
"""What :meth:`ASGIAdapter.call` returns for "drop this connection" (never sent)."""


@dataclass(frozen=True)
class RequestRecord:
    """One served request, as kept in :attr:`ASGIAdapter.history` and given to ``on_request``.

    ``path`` and ``query`` are the raw, percent-encoded request target (never decoded), so a
    record is printable as-is without letting ``%0A`` forge extra log lines. No header is
    recorded, so the Authorization header cannot leak through the request log.
    """

    method: str
    path: str
    query: str
    status: int
    """0 for a connection dropped on purpose (nothing was answered)."""
    ms: float

    @property
    def target(self) -> str:
        """The request target as the client sent it: ``/path`` or ``/path?query``."""
        return f"{self.path}?{self.query}" if self.query else self.path


def escape(raw: bytes) -> str:
    """Percent-encode bytes that cannot appear literally in a URL; keep the rest verbatim.

    Existing ``%XX`` escapes are left alone, so the decoded value never changes. ``#`` is
    escaped too: inside a received path or query it is data, not a fragment marker.
    """
    if _LITERAL.fullmatch(raw):  # the usual case: nothing to escape
        return raw.decode("ascii")
    out = bytearray()
    for byte in raw:
        if 0x21 <= byte <= 0x7E and byte not in b'#"<>':
            out.append(byte)
        else:
            out += b"%%%02X" % byte
    return out.decode("ascii")


def error_answer(status: int, message: str) -> bytes:
    """A whole HTTP/1.1 answer in the API's error format that closes the connection, for
    input the handler never sees (the server's parser refused it)."""
    body = json.dumps({"message": message}).encode()
    reason = HTTPStatus(status).phrase.encode("ascii")
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (status, reason, len(body), body)
    )


def _json_response(status: int, message: str) -> httpx.Response:
    """Build an error in the API's documented shape, for failures the core never sees."""
    return httpx.Response(status, json={"message": message})


class ASGIAdapter:
    """An ASGI 3 app that serves *handler*; see the module docstring for its guarantees.

    ``history`` is a bounded deque of :class:`RequestRecord` (newest last) so a long-running
    server keeps constant memory; ``on_request`` is called with each record just before the
    response is sent, typically to print a log line.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        history_size: int = 1000,
        on_request: Callable[[RequestRecord], None] | None = None,
        blocking: Callable[[httpx.Request], bool] | None = None,
    ) -> None:
        self.handler = handler
        self.blocking = blocking
        self._urls: dict[str, httpx.URL] = {}
        self.max_body = max_body
        self.history: collections.deque[RequestRecord] = collections.deque(maxlen=history_size)
        self.on_request = on_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        # Other scopes (websocket) are not part of the API: returning without accepting
        # lets the server reject them.

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Acknowledge startup and shutdown: the handler has no resources to manage."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        raw_path, query = self._raw_target(scope)
        body = await self._read_body(receive)
        if body is None:  # client went away mid-body: nobody to answer
            return
        request = self.prepare(
            method, raw_path, query, scope["headers"], body, scope.get("server"), scope["scheme"]
        )
        response: httpx.Response | None
        if isinstance(request, httpx.Response):
            response = request
        else:
            if self.may_block(request):
                response = await anyio.to_thread.run_sync(self.call, request)
            else:
                response = self.call(request)
            if response is DROP and await self._drop(scope):
                response = None
            elif response is DROP:
                response = _json_response(503, "Service Unavailable")
        self.record(method, raw_path, query, response, started)
        if response is not None:
            status, headers, content = self.encode(method, response)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content, "more_body": False})

    # -- what any server in front of the handler shares (this app, mockserver._http) ------------

    def prepare(
        self,
        method: str,
        raw_path: str,
        query: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        server: tuple[str, int | None] | None,
        scheme: str = "http",
    ) -> httpx.Request | httpx.Response:
        """The request to hand to the handler, or the answer when it must not be called:
        413 past ``max_body``, 400 for input an ``httpx.Request`` cannot represent."""
        if len(body) > self.max_body:
            return _json_response(413, "Payload Too Large.")
        try:
            url = self._url(headers, server, scheme, raw_path, query)
            # As a server builds it (``stream=``): the headers as received, none added.
            request = httpx.Request(
                method, url, headers=received_headers(headers), stream=httpx.ByteStream(body)
            )
            request._content = body  # what request.read() sets: the body is in memory
        except (httpx.InvalidURL, ValueError) as exc:  # input httpx cannot represent
            logger.warning("unrepresentable request %s %s: %s", method, raw_path, exc)
            return _json_response(400, "Bad Request.")
        return request

    def may_block(self, request: httpx.Request) -> bool:
        """Whether the handler must run in a worker thread for this request."""
        return self.blocking is None or self.blocking(request)

    def record(
        self,
        method: str,
        raw_path: str,
        query: str,
        response: httpx.Response | None,
        started: float,
    ) -> None:
        """Keep the request in ``history`` and give it to ``on_request``; ``None`` is a dropped
        connection. Called before sending, so a client that has its response can already see
        it in ``history`` and in the log (tests and a watching terminal rely on that order)."""
        record = RequestRecord(
            method=method,
            path=raw_path,
            query=query,
            status=0 if response is None else response.status_code,
            ms=(time.perf_counter() - started) * 1000.0,
        )
        self.history.append(record)
        if self.on_request is not None:
            try:
                self.on_request(record)
            except Exception:  # a broken log hook must not take the server down
                logger.exception("on_request hook failed")

    @staticmethod
    def encode(
        method: str, response: httpx.Response
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers (names lower-case) and the decoded body, framing recomputed."""
        body = response.content
        headers = [
            (name, value)
            for name, value in lower_items(response.headers)
            if name not in _FRAMING_HEADERS
        ]
        declared = response.headers.get("content-length") if method == "HEAD" else None
        if declared is not None:
            headers.append((b"content-length", declared.encode("latin-1")))
        else:
            headers.append((b"content-length", str(len(body)).encode("ascii")))
        return response.status_code, headers, body

    @staticmethod
    async def _drop(scope: Scope) -> bool:
        """Abort the request's connection; False if the server did not register it."""
        transport = CONNECTIONS.get((scope.get("server"), scope.get("client")))
        if transport is None:
            return False
        transport.abort()
        await asyncio.sleep(0)  # let the server see the loss before the app returns
        return True

    @staticmethod
    def _raw_target(scope: Scope) -> tuple[str, str]:
        """Return the escaped path (with root_path) and query exactly as received."""
        root: str = scope.get("root_path", "")
        raw: bytes | None = scope.get("raw_path")
        if raw is None:
            raw = scope["path"].encode("utf-8")
        root_bytes = root.encode("utf-8")
        if root_bytes and not raw.startswith(root_bytes):
            raw = root_bytes + raw  # servers differ on whether path includes root_path
        return escape(raw), escape(scope.get("query_string", b""))

    def _url(
        self,
        headers: list[tuple[bytes, bytes]],
        server: tuple[str, int | None] | None,
        scheme: str,
        raw_path: str,
        query: str,
    ) -> httpx.URL:
        """Rebuild the absolute URL the client asked for, falling back to the bound address.

        The Host header is preferred (it is what the client used, e.g. ``localhost``), but it
        is client input: if it does not parse, the server's own address is used instead.
        Parsing a URL costs about a tenth of a fast answer and clients repeat their URLs, so
        parsed ones are kept (a bounded memo: :class:`httpx.URL` is immutable).
        """
        target = f"{raw_path}?{query}" if query else raw_path
        for name, value in headers:
            if name.lower() == b"host" and _HOST_HEADER.fullmatch(value):
                text = f"{scheme}://{value.decode('ascii')}{target}"
                url = self._urls.get(text)
                if url is not None:
                    return url
                try:
                    url = httpx.URL(text)
                except httpx.InvalidURL:
                    break
                if len(self._urls) >= _URL_MEMO or len(text) > 2048:
                    self._urls.clear()
                self._urls[text] = url
                return url
        host, port = server or ("127.0.0.1", None)
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc = f"{netloc}:{port}"
        return httpx.URL(f"{scheme}://{netloc}{target}")

    async def _read_body(self, receive: Receive) -> bytes | None:
        """Read the whole body, keeping at most ``max_body + 1`` bytes of it.

        Returns ``None`` if the client disconnected. Oversized bodies are drained (up to a
        limit) rather than abandoned so the 413 reaches a client that is still sending.
        """
        chunks: list[bytes] = []
        kept = 0
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            seen += len(chunk)
            if kept <= self.max_body:
                chunks.append(chunk)
                kept += len(chunk)
            if not message.get("more_body", False) or seen > _DRAIN_LIMIT:
                break
        return b"".join(chunks)

    def call(self, request: httpx.Request) -> httpx.Response:
        """Run the handler and turn any failure into a 500 (:data:`DROP`: drop the connection)."""
        try:
            response = self.handler(request)
        except httpx.NetworkError:
            return DROP
        except Exception:
            logger.exception("mock handler failed for %s %s", request.method, request.url.path)
            return _json_response(500, "Server Error")
        try:
            if not isinstance(response, httpx.Response):
                raise TypeError(f"handler returned {type(response).__name__}, not httpx.Response")
            response.read()  # materialise streamed bodies here, off the event loop
        except Exception:
            logger.exception("mock handler failed for %s %s", request.method, request.url.path)
            return _json_response(500, "Server Error")
        return response
