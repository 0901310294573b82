"""The sandbox's own HTTP/1.1 protocol (``mockserver._http``), over real sockets on loopback.

What uvicorn's protocols gave for free and this one must keep: answers in order on a
keep-alive connection (also when one of them runs in a worker thread), ``Expect:
100-continue``, HTTP/1.0 and ``Connection: close``, a bounded request head, a malformed
request after good ones, and a slow answer that does not hold up another client.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver import BackgroundServer, Sandbox
from mockserver._http import HEAD_LIMIT
from tests.test_serve import DummyCore

TIMEOUT = 10.0


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    # Requests to /echo run on the loop, every other one in a worker thread: both paths.
    blocking = lambda request: not request.url.path.endswith("/echo")  # noqa: E731
    with BackgroundServer(DummyCore(), timeout=TIMEOUT, blocking=blocking) as srv:
        yield srv


def _connect(srv: BackgroundServer) -> socket.socket:
    port = int(srv.origin.rsplit(":", 1)[1])
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _answers(data: bytes) -> list[tuple[bytes, dict[bytes, bytes], bytes]]:
    """Split a byte stream of HTTP/1.1 answers (Content-Length framed) into (status line,
    headers, body) triples."""
    out = []
    while data:
        head, _, data = data.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        headers = dict(line.lower().split(b": ", 1) for line in lines)
        length = int(headers.get(b"content-length", b"0"))
        out.append((status, headers, data[:length]))
        data = data[length:]
    return out


def _get(target: str, extra: str = "") -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def test_pipelined_requests_are_answered_in_order(server: BackgroundServer) -> None:
    # /slow goes through a worker thread: the /echo after it must still be answered second.
    requests = [_get(f"/api/v1/{p}?i={i}") for i, p in enumerate(["slow", "echo", "slow", "echo"])]
    with _connect(server) as sock:
        sock.sendall(b"".join(requests) + _get("/api/v1/echo?i=last", "Connection: close\r\n"))
        answers = _answers(_read_all(sock))
    assert [json.loads(body)["query"] for _, _, body in answers] == [
        "i=0",
        "i=1",
        "i=2",
        "i=3",
        "i=last",
    ]
    assert all(status == b"HTTP/1.1 200 OK" for status, _, _ in answers)
    assert answers[-1][1][b"connection"] == b"close"
    assert [r.query for r in server.adapter.history][-5:] == [
        "i=0",
        "i=1",
        "i=2",
        "i=3",
        "i=last",
    ]


def test_http_1_0_is_answered_then_closed(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /api/v1/echo HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        (status, headers, body), *rest = _answers(_read_all(sock))  # ends: the server closed
    assert status == b"HTTP/1.1 200 OK"
    assert headers[b"connection"] == b"close"
    assert json.loads(body)["path"] == "/api/v1/echo"
    assert rest == []


def test_expect_100_continue_is_honoured(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"POST /api/v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
            b"Expect: 100-continue\r\nConnection: close\r\n\r\n"
        )
        interim = sock.recv(65536)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"  # before any body was sent
        sock.sendall(b"hello")
        ((status, _, body),) = _answers(_read_all(sock))
    assert status == b"HTTP/1.1 200 OK"
    assert json.loads(body)["body_length"] == 5


def test_a_head_over_the_limit_is_431_in_the_error_format(server: BackgroundServer) -> None:
    with _connect(server) as sock:
        sock.sendall(_get("/api/v1/echo", f"X-Big: {'a' * HEAD_LIMIT}\r\n"))
        ((status, headers, body),) = _answers(_read_all(sock))
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert headers[b"content-type"] == b"application/json"
    assert json.loads(body) == {"message": "Request Header Fields Too Large."}
    with httpx.Client(timeout=TIMEOUT) as client:  # the server is fine
        assert client.get(server.base_url + "/echo").status_code == 200


def test_a_malformed_request_after_good_ones_is_answered_after_them(
    server: BackgroundServer,
) -> None:
    with _connect(server) as sock:
        sock.sendall(_get("/api/v1/slow?i=1") + _get("/api/v1/echo?i=2") + b"NOT HTTP\r\n\r\n")
        answers = _answers(_read_all(sock))
    assert [status for status, _, _ in answers] == [
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 400 Bad Request",
    ]
    assert json.loads(answers[2][2])["message"].startswith("Bad Request")


def test_a_slow_answer_does_not_hold_up_another_client() -> None:
    box = Sandbox.create(rate_limits=False)
    with BackgroundServer(box, base_path="", blocking=box.may_block) as srv:
        slow_done = threading.Event()
        with httpx.Client(base_url=srv.origin, timeout=TIMEOUT) as client:
            client.post("/__beatpass/faults", json={"latency": 3, "operations": "tracks.show"})

            def slow() -> None:
                client.get("/api/v1/tracks/1", headers={"Authorization": "Bearer mock-token"})
                slow_done.set()

            thread = threading.Thread(target=slow)
            thread.start()
            with httpx.Client(base_url=srv.origin, timeout=TIMEOUT) as other:
                assert other.get("/__beatpass/health").status_code == 200
                # A world without faults answers on the event loop, while the slow one sleeps.
                other.get("/api/v1/tracks/2", headers={"X-BeatPass-Sandbox": "other"})
                assert other.get(
                    "/api/v1/tracks/2", headers={"X-BeatPass-Sandbox": "other"}
                ).is_success
            assert not slow_done.is_set()  # both answered while the 3 s latency still ran
            thread.join(TIMEOUT)
        assert slow_done.is_set()


def test_idle_connections_close_after_the_keep_alive_timeout() -> None:
    srv = BackgroundServer(DummyCore(), timeout=TIMEOUT)
    srv._server.config.timeout_keep_alive = 0.3  # uvicorn's 5 s, shortened for the test
    with srv, _connect(srv) as silent, _connect(srv) as busy:
        for i in range(8):  # a connection in use past the timeout stays open
            busy.sendall(_get(f"/api/v1/echo?i={i}"))
            ((status, _, _),) = _answers(busy.recv(65536))
            assert status == b"HTTP/1.1 200 OK"
            time.sleep(0.1)
        assert silent.recv(65536) == b""  # closed by the server (the socket would time out)
        assert busy.recv(65536) == b""  # and the other one once it is idle


def test_nothing_after_connection_close_is_answered_or_recorded(server: BackgroundServer) -> None:
    before = len(server.adapter.history)
    with _connect(server) as sock:
        sock.sendall(_get("/api/v1/echo?i=1", "Connection: close\r\n") + _get("/api/v1/echo?i=2"))
        answers = _answers(_read_all(sock))
    assert [json.loads(body)["query"] for _, _, body in answers] == ["i=1"]
    assert [r.query for r in server.adapter.history][before:] == ["i=1"]


def test_an_upgrade_request_is_answered_as_plain_http_then_closed(
    server: BackgroundServer,
) -> None:
    with _connect(server) as sock:
        sock.sendall(_get("/api/v1/echo", "Connection: Upgrade\r\nUpgrade: websocket\r\n"))
        ((status, _, body),) = _answers(_read_all(sock))
    assert status == b"HTTP/1.1 200 OK"
    assert json.loads(body)["path"] == "/api/v1/echo"
