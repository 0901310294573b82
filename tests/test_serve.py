"""The HTTP-serving side of the mock: ASGI adapter, uvicorn runner, request-log redaction.

These tests use a dummy core handler, never the real mock, so they pin down what the serving
layer promises for *any* handler. All network traffic stays on 127.0.0.1 with timeouts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver._asgi import DEFAULT_MAX_BODY, ASGIAdapter
from mockserver._redact import redact
from mockserver._serve import BackgroundServer, request_logger

SECRET = "s3cr3t-token"
REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0


class DummyCore:
    """A stand-in core handler: echoes the request, 404s /missing, raises on /boom."""

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        self.barrier = barrier
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.calls += 1
        path = request.url.raw_path.partition(b"?")[0].decode("ascii")
        if path == "/api/v1/missing":
            return httpx.Response(404, json={"message": "Not found."})
        if path == "/api/v1/boom":
            raise RuntimeError("dummy core exploded")
        if path == "/api/v1/barrier" and self.barrier is not None:
            self.barrier.wait()  # only passes if `parties` handler calls run at once
        return httpx.Response(
            200,
            json={
                "method": request.method,
                "path": path,
                "query": request.url.query.decode("ascii"),
                "body_length": len(request.content),
            },
        )


@pytest.fixture
def core() -> DummyCore:
    return DummyCore()


@pytest.fixture
def server(core: DummyCore) -> Iterator[BackgroundServer]:
    with BackgroundServer(core, timeout=TIMEOUT) as srv:
        yield srv


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=TIMEOUT) as c:
        yield c


def raw_exchange(srv: BackgroundServer, request_line: bytes) -> tuple[int, bytes]:
    """Send one hand-written HTTP/1.1 request and return (status, body)."""
    port = int(srv.origin.rsplit(":", 1)[1])
    payload = request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    chunks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(payload)
        for _ in range(1000):
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body


# --- serving behaviour ---------------------------------------------------------------------


def test_echo_and_handler_statuses_pass_through(
    server: BackgroundServer, client: httpx.Client
) -> None:
    ok = client.post(server.base_url + "/tracks?page=2", content=b"abc")
    missing = client.get(server.base_url + "/missing")
    assert ok.status_code == 200
    assert ok.json() == {
        "method": "POST",
        "path": "/api/v1/tracks",
        "query": "page=2",
        "body_length": 3,
    }
    assert missing.status_code == 404
    assert missing.json() == {"message": "Not found."}


def test_concurrent_requests_are_served_in_parallel(client: httpx.Client) -> None:
    parties = 20
    core = DummyCore(barrier=threading.Barrier(parties, timeout=TIMEOUT))
    with BackgroundServer(core, timeout=TIMEOUT) as srv, ThreadPoolExecutor(parties) as pool:
        url = srv.base_url + "/barrier"
        statuses = list(pool.map(lambda _: client.get(url).status_code, range(parties)))
    assert statuses == [200] * parties


def test_percent_encoded_invalid_utf8_reaches_handler(
    server: BackgroundServer, client: httpx.Client
) -> None:
    response = client.get(server.base_url + "/echo/%FF%FE?q=%FF%FE&x=%C3%28")
    assert response.status_code == 200
    assert response.json()["path"] == "/api/v1/echo/%FF%FE"
    assert response.json()["query"] == "q=%FF%FE&x=%C3%28"


@pytest.mark.parametrize(
    "query",
    ["a=1&b=x%20y&c=+&d=%2F&e=", "a=%zz&b=%&c=%2", "x=[]:@/?&y=|^{}`~!$'()*,;=", "flag&&="],
)
def test_query_string_reaches_handler_byte_exact(server: BackgroundServer, query: str) -> None:
    status, body = raw_exchange(server, f"GET /api/v1/echo?{query} HTTP/1.1".encode("ascii"))
    assert status == 200
    assert json.loads(body)["query"] == query


def test_raw_non_ascii_byte_in_request_line_is_rejected_not_fatal(
    server: BackgroundServer, client: httpx.Client
) -> None:
    status, _ = raw_exchange(server, b"GET /api/v1/echo?q=\xff HTTP/1.1")
    assert status == 400  # h11 refuses non-ASCII targets before the adapter sees them
    assert client.get(server.base_url + "/echo").status_code == 200


def _asgi_get(adapter: ASGIAdapter, **scope: Any) -> list[dict[str, Any]]:
    """Drive the adapter directly with one GET, as a server that passes raw bytes would."""
    sent: list[dict[str, Any]] = []
    inbox = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(dict(message))

    full_scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "server": ("127.0.0.1", 8000),
        **scope,
    }
    asyncio.run(adapter(full_scope, receive, send))
    return sent


def test_raw_non_utf8_scope_bytes_are_percent_encoded_for_the_handler() -> None:
    adapter = ASGIAdapter(DummyCore())
    sent = _asgi_get(
        adapter,
        path="/api/v1/echo/\udcff",
        raw_path=b"/api/v1/echo/\xff",
        query_string=b"q=\xff&r=%FF",
        headers=[(b"host", b"evil/x?y")],  # must not be able to rewrite the path
    )
    assert sent[0]["status"] == 200
    echoed = json.loads(sent[1]["body"])
    assert echoed["path"] == "/api/v1/echo/%FF"
    assert echoed["query"] == "q=%FF&r=%FF"
    assert adapter.history[-1].target == "/api/v1/echo/%FF?q=%FF&r=%FF"


def test_path_without_raw_path_is_utf8_encoded() -> None:
    sent = _asgi_get(ASGIAdapter(DummyCore()), path="/api/v1/caf\u00e9")
    assert json.loads(sent[1]["body"])["path"] == "/api/v1/caf%C3%A9"


def test_lifespan_startup_and_shutdown_complete() -> None:
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: Any) -> None:
        sent.append(message["type"])

    asyncio.run(ASGIAdapter(DummyCore())({"type": "lifespan"}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


# --- limits and failures ---------------------------------------------------------------------


def test_body_at_the_cap_is_accepted(server: BackgroundServer, client: httpx.Client) -> None:
    response = client.post(server.base_url + "/upload", content=b"x" * DEFAULT_MAX_BODY)
    assert response.status_code == 200
    assert response.json()["body_length"] == DEFAULT_MAX_BODY


def test_oversized_body_is_413_and_never_reaches_handler(
    server: BackgroundServer, core: DummyCore, client: httpx.Client
) -> None:
    response = client.post(server.base_url + "/upload", content=b"x" * (DEFAULT_MAX_BODY + 1))
    assert response.status_code == 413
    assert response.json() == {"message": "Payload Too Large."}
    assert core.calls == 0


def test_oversized_chunked_body_is_413(core: DummyCore, client: httpx.Client) -> None:
    chunks = (b"y" * 1024 for _ in range(8))  # a generator is sent chunked, no length
    with BackgroundServer(core, max_body=4096, timeout=TIMEOUT) as srv:
        response = client.post(srv.base_url + "/upload", content=chunks)
    assert response.status_code == 413
    assert core.calls == 0


def test_handler_exception_is_500_with_one_logged_traceback(
    server: BackgroundServer, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="mockserver.asgi"):
        response = client.get(server.base_url + "/boom")
    assert response.status_code == 500
    assert response.json() == {"message": "Server Error"}
    errors = [r for r in caplog.records if r.name == "mockserver.asgi"]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert "dummy core exploded" in caplog.text
    assert client.get(server.base_url + "/echo").status_code == 200


def test_history_is_bounded(core: DummyCore, client: httpx.Client) -> None:
    with BackgroundServer(core, history_size=5, timeout=TIMEOUT) as srv:
        for i in range(12):
            client.get(f"{srv.base_url}/echo?i={i}")
        history = list(srv.adapter.history)
    assert srv.adapter.history.maxlen == 5
    assert [r.query for r in history] == [f"i={i}" for i in range(7, 12)]
    assert all(r.method == "GET" and r.status == 200 and r.ms >= 0 for r in history)


def test_background_server_stops_its_thread(core: DummyCore) -> None:
    srv = BackgroundServer(core, timeout=TIMEOUT)
    with srv:
        thread = srv._thread
        assert thread is not None
        assert thread.is_alive()
    assert not thread.is_alive()
    with pytest.raises(RuntimeError, match="not running"):
        _ = srv.base_url


# --- request log redaction ------------------------------------------------------------------


@pytest.mark.parametrize("secrets", [[], [SECRET]], ids=["patterns-only", "known-secret"])
def test_request_log_never_contains_the_token(
    core: DummyCore, client: httpx.Client, secrets: list[str]
) -> None:
    lines: list[str] = []
    auth = {"Authorization": f"Bearer {SECRET}"}
    with BackgroundServer(core, on_request=request_logger(lines.append, secrets)) as srv:
        client.get(srv.base_url + "/echo", params={"token": SECRET, "page": "2"}, headers=auth)
        client.get(f"{srv.base_url}/echo?access_token={SECRET}&x=1", headers=auth)
        client.get(srv.base_url + "/missing", headers=auth)
    assert len(lines) == 3
    assert all(SECRET not in line for line in lines)
    assert re.fullmatch(r"GET /api/v1/echo\?token=\*\*\*&page=2 200 \d+\.\dms", lines[0])
    assert re.fullmatch(r"GET /api/v1/missing 404 \d+\.\dms", lines[2])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
        ("/x?token=abc&page=2", "/x?token=***&page=2"),
        ("/x?page=2&refresh_token=abc", "/x?page=2&refresh_token=***"),
        ("/x/s3cr3t%2Ftok", "/x/***"),  # the known secret, percent-encoded
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text, ["s3cr3t/tok", ""]) == expected


# --- the foreground runner, as the CLI uses it ------------------------------------------------

SERVE_SCRIPT = """
import sys
import httpx
from mockserver._serve import serve

def handler(request):
    return httpx.Response(200, json={"path": request.url.path})

sys.exit(serve(handler, port=0, secrets=[sys.argv[1]]))
"""
BANNER = re.compile(r"BeatPass mock serving at (http://127\.0\.0\.1:\d+/api/v1) \(Ctrl-C to stop\)")


def _read_line(proc: subprocess.Popen[bytes], deadline: float) -> bytes:
    """Read stdout up to the first newline without ever blocking past *deadline*."""
    assert proc.stdout is not None
    data = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in data and time.monotonic() < deadline:
            if sel.select(timeout=max(0.0, deadline - time.monotonic())):
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
    return data


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_subprocess_prints_url_serves_and_stops_cleanly(
    tmp_path: Path, sig: signal.Signals
) -> None:
    script = tmp_path / "serve_dummy.py"
    script.write_text(textwrap.dedent(SERVE_SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, str(script), SECRET]
    with subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path, bufsize=0
    ) as proc:
        try:
            first = _read_line(proc, time.monotonic() + TIMEOUT).decode()
            match = BANNER.match(first)
            assert match, f"no banner in {first!r}"
            with httpx.Client(timeout=TIMEOUT) as client:
                response = client.get(
                    match.group(1) + f"/ping?token={SECRET}",
                    headers={"Authorization": f"Bearer {SECRET}"},
                )
            assert response.json() == {"path": "/api/v1/ping"}
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=TIMEOUT)
    stdout = first + out.decode()
    assert proc.returncode == 0, err.decode()
    assert stdout.count("BeatPass mock serving at") == 1
    assert re.search(r"^GET /api/v1/ping\?token=\*\*\* 200 \d+\.\dms$", stdout, re.MULTILINE)
    assert SECRET not in stdout + err.decode()
