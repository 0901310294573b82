"""The sandbox does not degrade: no non-finite number is stored, caches and histories are
bounded by bytes, HTTP-level errors use the error format, and a stop never waits on a client
that is half way through a body."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from mockserver import BackgroundServer, BeatPassMock, _core
from mockserver._serve import _GRACEFUL_SHUTDOWN_S

TIMEOUT = 10.0


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=1, rate_limits=False)


@pytest.fixture
def served(api: BeatPassMock) -> Iterator[tuple[BackgroundServer, httpx.Client]]:
    with (
        BackgroundServer(api.served_handler, timeout=TIMEOUT) as server,
        httpx.Client(base_url=server.base_url, headers=api.auth_headers(), timeout=TIMEOUT) as c,
    ):
        yield server, c


NOT_NUMBERS = [(n, f"{n} is not a JSON number") for n in ("NaN", "Infinity", "-Infinity")]
TOO_LARGE = [(n, f"{n} is out of range for a number") for n in ("1e400", "-1e999")]
NOT_TEXT = [  # unpaired surrogates: stored, echoed to clients whose parsers refuse them
    (f'"{s}"', "an unpaired UTF-16 surrogate is not text")
    for s in ("\\ud800x", "x\\udfff", "\\udc00\\ud800")
]


@pytest.mark.parametrize(("value", "why"), NOT_NUMBERS + TOO_LARGE + NOT_TEXT)
def test_what_strict_json_refuses_is_refused_and_nothing_is_stored(
    api: BeatPassMock, served: tuple[BackgroundServer, httpx.Client], value: str, why: str
) -> None:
    _, client = served
    before = len(api.records("Playlist"))
    raw = f'{{"name": "n", "description": {value}}}'.encode()
    r = client.post("/playlists", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"message": f"Malformed JSON in the request body: {why}."}
    assert len(api.records("Playlist")) == before
    listing = client.get("/users/me/playlists", params={"perPage": 50})
    json.loads(listing.text, parse_constant=pytest.fail)  # strict: no NaN/Infinity anywhere


def test_an_escaped_surrogate_pair_is_one_character(
    served: tuple[BackgroundServer, httpx.Client],
) -> None:
    _, client = served
    paired = b'{"name": "\\ud83c\\udfb5 beats"}'
    made = client.post("/playlists", content=paired, headers={"Content-Type": "application/json"})
    assert made.status_code == 200  # the documented success of playlists.create
    assert made.json()["playlist"]["name"] == "\U0001f3b5 beats"


def test_the_answer_cache_is_bounded_by_bytes(
    api: BeatPassMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_core, "CACHE_BYTES", 32 * 1024)
    with api.client() as client:
        sizes = [len(client.get(f"/tracks/{track}").content) for track in range(1, 151)]
    assert sum(sizes) > 4 * 32 * 1024  # far more was rendered than the cache may keep
    assert 0 < api.core.cache_bytes <= 32 * 1024
    assert api.core.cache_bytes == sum(len(v) for v in api.core._cache.values())


def test_the_request_history_is_bounded_by_body_bytes(
    api: BeatPassMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_core, "HISTORY_BYTES", 100_000)
    with api.client() as client:
        for n in range(60):
            client.post("/playlists", json={"name": f"p{n}", "description": "x" * 9_000})
    kept = api.requests
    assert sum(len(q.content) + len(r.content) for q, r in kept) <= 100_000
    assert 0 < len(kept) < 60
    assert json.loads(kept[-1][0].content)["name"] == "p59"


def test_route_calls_are_bounded_by_body_bytes_across_operations(
    api: BeatPassMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_core, "CALLS_BYTES", 200_000)
    with api.client() as client:
        for _ in range(10):
            client.get("/tracks", params={"per_page": 100})  # about 110 KB each
        client.get("/tracks/1")
    listed = api.routes["tracks.list"].calls
    assert 0 < len(listed) < 10
    assert listed.call_count == 10
    assert sum(len(c.response.content) for c in listed) <= 200_000
    assert api.routes["tracks.show"].calls.last.response.status_code == 200


def test_side_effects_keep_the_latest_entries_only(
    api: BeatPassMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_core, "SIDE_EFFECTS", 50)
    with api.client() as client:
        for track in [1, 2, 3] * 20:
            assert client.post(f"/tracks/{track}/plays", json={}).status_code == 200
    assert len(api.events) == 50
    assert api.events[-1]["track_id"] == 3


def _port(server: BackgroundServer) -> int:
    return int(server.origin.rsplit(":", 1)[1])


MALFORMED = [b"GARBAGE\r\n\r\n", b"GET /api/v1/tracks/1 HTTP/1.1\r\nno colon here\r\n\r\n"]


@pytest.mark.parametrize("line", MALFORMED)
def test_a_malformed_request_is_answered_in_the_error_format(
    served: tuple[BackgroundServer, httpx.Client], line: bytes
) -> None:
    server, _ = served
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=TIMEOUT) as sock:
        sock.sendall(line)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["message"].startswith("Bad Request")


def test_a_stop_during_a_half_sent_body_is_prompt_and_quiet(
    api: BeatPassMock, caplog: pytest.LogCaptureFixture
) -> None:
    server = BackgroundServer(api.served_handler, timeout=TIMEOUT).start()
    sock = socket.create_connection(("127.0.0.1", _port(server)), timeout=TIMEOUT)
    try:
        sock.sendall(
            b"POST /api/v1/playlists HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name": '
        )
        time.sleep(0.3)  # the server has the head and waits for the rest of the body
        with caplog.at_level(logging.ERROR):
            started = time.monotonic()
            server.stop()
            stopped_in = time.monotonic() - started
        assert stopped_in < _GRACEFUL_SHUTDOWN_S  # it did not wait out the graceful timeout
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
        assert "CancelledError" not in caplog.text
    finally:
        sock.close()
