"""Run a mock handler behind uvicorn: in the foreground for the CLI, in a thread for tests.

Both entry points build the same :class:`~mockserver._asgi.ASGIAdapter` and the same
uvicorn configuration, so what a test fixture talks to is what ``beatpass-contract serve``
serves. Two uvicorn behaviours are adjusted on purpose:

* uvicorn re-raises SIGINT/SIGTERM after a graceful shutdown, which turns a clean Ctrl-C
  into a traceback and a SIGTERM into exit status -15. A sandbox that stopped because it
  was asked to has succeeded, so :func:`serve` returns 0 instead.
* uvicorn's access log would print query strings verbatim (tokens included). It is turned
  off, and the request log is written by :func:`request_logger`, which redacts.

The HTTP protocol is the sandbox's own (:mod:`mockserver._http`: httptools straight to the
adapter's shared steps, without an ASGI cycle per request; chosen by
``benchmarks/bench_serve.py``), plugged into uvicorn's server, which keeps binding, signals
and the graceful stop. Without httptools, or with ``BEATPASS_HTTP=h11``, uvicorn's h11
protocol serves the :class:`~mockserver._asgi.ASGIAdapter` as an ASGI app, extended
(``_Extensions``) to give the same answers in three places: a request it cannot parse is
answered 400 in the API's error format instead of plain text; a stop while a request body is
half sent closes that connection at once instead of waiting out the graceful timeout and
cancelling the app (a ``CancelledError`` traceback); and open connections are registered so
an injected dropped connection can abort one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
from collections.abc import Callable, Generator, Iterable
from types import FrameType, TracebackType
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from ._asgi import (
    CONNECTIONS,
    DEFAULT_MAX_BODY,
    ASGIAdapter,
    Handler,
    RequestRecord,
    error_answer,
)
from ._redact import redact

__all__ = ["BackgroundServer", "request_logger", "serve"]

DEFAULT_BASE_PATH = "/api/v1"
# Keep-alive clients must not be able to hold a stopping server open indefinitely.
_GRACEFUL_SHUTDOWN_S = 5


def _print_line(line: str) -> None:
    """Default log sink: stdout, flushed, so a parent process reading a pipe sees it now."""
    print(line, flush=True)


def request_logger(
    log: Callable[[str], None], secrets: Iterable[str] = ()
) -> Callable[[RequestRecord], None]:
    """Return an ``on_request`` hook writing ``METHOD /path?query STATUS 12.3ms`` lines.

    Lines are redacted with *secrets* plus the credential shapes :func:`redact` knows, so a
    token in the query never reaches the log (headers are never part of a record).
    """
    known = tuple(s for s in secrets if s)
    spellings = tuple({v for s in known for v in (s, quote(s, safe=""), quote_plus(s, safe=""))})

    def on_request(record: RequestRecord) -> None:
        line = f"{record.method} {record.target} {record.status} {record.ms:.1f}ms"
        # redact() can only change a line holding a secret, "bearer" or a "...token=" field:
        # most lines hold none, and skipping its regexes is a tenth of a fast answer.
        lowered = line.lower()
        if "token" in lowered or "bearer" in lowered or any(s in line for s in spellings):
            line = redact(line, known)
        log(line)

    return on_request


def _origin(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, reporting its bound port and not re-raising the stop signal."""

    def __init__(
        self, config: uvicorn.Config, on_started: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(config)
        self._on_started = on_started

    @property
    def bound_port(self) -> int:
        """The actual listening port (differs from the configured one when that was 0)."""
        port: int = self.servers[0].sockets[0].getsockname()[1]
        return port

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and self._on_started is not None:
            self._on_started(self.bound_port)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Stop on SIGINT/SIGTERM like uvicorn does, but do not re-raise them afterwards."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Same as uvicorn (first signal: graceful stop; second Ctrl-C: force), minus the
        # bookkeeping that would re-raise the signal once the server has stopped.
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


class _Extensions:
    """The three changes the module docstring lists, on top of uvicorn's h11 protocol."""

    transport: asyncio.Transport
    server: Any
    client: Any
    cycle: Any

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        CONNECTIONS[(self.server, self.client)] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        CONNECTIONS.pop((self.server, self.client), None)
        super().connection_lost(exc)  # type: ignore[misc]

    def send_400_response(self, msg: str) -> None:
        self.transport.write(error_answer(400, f"Bad Request: {msg}"))
        self.transport.close()

    def shutdown(self) -> None:
        cycle = self.cycle
        if cycle is not None and not cycle.response_started and cycle.more_body:
            self.transport.close()  # half a body: nobody will be answered, do not wait
            return
        super().shutdown()  # type: ignore[misc]


class _H11(_Extensions, H11Protocol):  # type: ignore[misc]
    """h11 (pure Python)."""


_Protocol: type[asyncio.Protocol] = _H11
try:  # httptools (C, uvicorn[standard]) straight to the handler: see mockserver._http
    from ._http import SandboxProtocol

    if os.environ.get("BEATPASS_HTTP", "") != "h11":
        _Protocol = SandboxProtocol
except ImportError:  # pragma: no cover - httptools is optional
    pass


def _config(adapter: ASGIAdapter, host: str, port: int, *, own_logging: bool) -> uvicorn.Config:
    """The one uvicorn configuration; ``own_logging=False`` leaves global logging alone."""
    return uvicorn.Config(
        adapter,
        http=_Protocol,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
        log_config=LOGGING_CONFIG if own_logging else None,
    )


def serve(
    handler: Handler,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    base_path: str = DEFAULT_BASE_PATH,
    log: Callable[[str], None] = _print_line,
    ready: Callable[[str], None] | None = None,
    secrets: Iterable[str] = (),
    blocking: Callable[[httpx.Request], bool] | None = None,
) -> int:
    """Serve *handler* until SIGINT/SIGTERM; return the process exit status.

    Once bound, writes exactly one line ``BeatPass mock serving at http://HOST:PORT/api/v1
    (Ctrl-C to stop)`` (with the real port when *port* is 0) and calls ``ready(base_url)``.
    Then one redacted line per request. Must run in the main thread for signals to work.
    Returns 0 after a clean stop, 1 if the server could not start (e.g. port in use;
    uvicorn logs the reason).
    """

    def announce(bound_port: int) -> None:
        base_url = _origin(host, bound_port) + base_path
        log(f"BeatPass mock serving at {base_url} (Ctrl-C to stop)")
        if ready is not None:
            ready(base_url)

    adapter = ASGIAdapter(handler, on_request=request_logger(log, secrets), blocking=blocking)
    server = _Server(_config(adapter, host, port, own_logging=True), on_started=announce)
    try:
        server.run()
    except SystemExit:  # uvicorn exits this way (status 3) when startup fails
        return 1
    return 0


class BackgroundServer:
    """Serve *handler* on ``127.0.0.1`` (free port) in a thread, for tests and fixtures.

    ``with BackgroundServer(handler) as srv: httpx.get(srv.base_url + "/tracks/1")``.
    The server is listening when ``__enter__`` returns and stopped when ``__exit__`` does;
    uvicorn's logging config is left untouched so the host process's logging is not altered.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        base_path: str = DEFAULT_BASE_PATH,
        history_size: int = 1000,
        max_body: int = DEFAULT_MAX_BODY,
        on_request: Callable[[RequestRecord], None] | None = None,
        timeout: float = 10.0,
        blocking: Callable[[httpx.Request], bool] | None = None,
    ) -> None:
        self.adapter = ASGIAdapter(
            handler,
            max_body=max_body,
            history_size=history_size,
            on_request=on_request,
            blocking=blocking,
        )
        self.base_path = base_path
        self.timeout = timeout
        self._started = threading.Event()
        self._server = _Server(
            _config(self.adapter, "127.0.0.1", 0, own_logging=False),
            on_started=lambda _port: self._started.set(),
        )
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.origin = ""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` plus the base path, e.g. ``.../api/v1``."""
        if not self.origin:
            raise RuntimeError("BackgroundServer is not running")
        return self.origin + self.base_path

    def _run(self) -> None:
        try:
            self._server.run()
        except BaseException as exc:  # reported by start() instead of dying silently
            self._error = exc
        finally:
            self._started.set()  # unblock start() if startup failed

    def start(self) -> BackgroundServer:
        """Start the server thread and wait (at most ``timeout`` s) until it is listening."""
        self._thread = threading.Thread(target=self._run, name="beatpass-mock-server", daemon=True)
        self._thread.start()
        if not self._started.wait(self.timeout) or not self._server.started:
            self.stop()
            raise RuntimeError("mock server did not start") from self._error
        self.origin = _origin("127.0.0.1", self._server.bound_port)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and join its thread (bounded by ``timeout``)."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(self.timeout)
            self._thread = None
        self.origin = ""

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
