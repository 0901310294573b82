"""A misbehaving fake production on 127.0.0.1 that speaks raw HTTP/1.1.

The mock's served sandbox is too well-behaved to play a broken production: it cannot trickle a
body, send a gzip bomb or a latin-1 header byte. This server writes whatever bytes a test
scripts, with pauses in between, one answer per connection. It is bounded: it answers at most
``max_requests`` requests, gives up on a client after ``timeout`` seconds, and stops writing as
soon as the client hangs up.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType

#: One step of an answer: bytes to write after a pause of the given seconds.
Part = tuple[float, bytes]
Script = Callable[["Received"], Iterable[Part]]


@dataclass(frozen=True)
class Received:
    at: float
    """``time.monotonic()`` when the request head had arrived."""
    method: str
    target: str
    headers: dict[str, str]


def head(status: int, headers: dict[str, str] | list[tuple[bytes, bytes]]) -> bytes:
    """A status line and headers, ``Connection: close`` added; values may be raw bytes."""
    pairs = (
        [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        if isinstance(headers, dict)
        else list(headers)
    )
    lines = [f"HTTP/1.1 {status} X".encode()] + [k + b": " + v for k, v in pairs]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])


def json_answer(status: int, body: bytes, **extra: str) -> list[Part]:
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **extra}
    return [(0.0, head(status, headers) + body)]


@dataclass
class HostileProduction:
    script: Script
    max_requests: int = 50
    timeout: float = 15.0
    seen: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(self.timeout)
        started = time.monotonic()
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            with self.lock:
                if len(self.seen) >= self.max_requests:
                    return
                request = _parse(data)
                self.seen.append(request)
            for pause, part in self.script(request):
                if time.monotonic() - started + pause > self.timeout:
                    return
                time.sleep(pause)
                conn.sendall(part)
        except OSError:  # the client hung up (that is what a bounded client does)
            return

    def __enter__(self) -> HostileProduction:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _parse(data: bytes) -> Received:
    lines = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    method, target, *_ = [*lines[0].split(" "), "", ""]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Received(time.monotonic(), method, target, headers)


def trickle(body: bytes, every: float) -> Iterator[Part]:
    """A body one byte at a time (``Content-Length`` announced, so the client waits for it)."""
    yield 0.0, head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    for i in range(len(body)):
        yield every, body[i : i + 1]
