"""``beatpass-contract serve`` as a user runs it: a real process on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

SECRET = "s3cret-sandbox-token-1234"


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    lines: list[str] = field(default_factory=list)
    pump: threading.Thread | None = None


def _start(*args: str) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "contract_tests._cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stdout = process.stdout
    assert stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=30)  # a server that never starts fails the test instead of hanging it
    if not lines:
        process.kill()
        process.wait()
        stdout.close()
        raise AssertionError("beatpass-contract serve printed nothing within 30 s")
    first = lines[0]
    assert first.startswith("BeatPass mock serving at http://127.0.0.1:"), first
    served = Served(process, first.split(" at ")[1].split(" ")[0])

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line.rstrip("\n"))

    served.pump = threading.Thread(target=pump, daemon=True)
    served.pump.start()
    return served


def _stop(served: Served) -> int:
    served.process.send_signal(signal.SIGTERM)
    try:
        return served.process.wait(timeout=15)
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()
        if served.pump is not None:
            served.pump.join(timeout=5)
        if served.process.stdout is not None:
            served.process.stdout.close()


@pytest.fixture
def sandbox() -> Iterator[Served]:
    served = _start("--seed", "2", "--token", SECRET)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            _stop(served)


def test_serves_tiers_logs_redacted_and_stops_cleanly(sandbox: Served) -> None:
    assert sandbox.base_url.endswith("/api/v1")
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        rich = client.get("/tracks/1", headers={"Authorization": f"Bearer {SECRET}"})
        public = client.get("/tracks/1")
        wrong = client.get("/tracks/1", headers={"Authorization": "Bearer mock-token"})
        leaked = client.get("/tracks/1", params={"token": SECRET})
    assert rich.status_code == 200
    assert "price" in rich.json()["track"]
    assert public.status_code == 200
    assert "price" not in public.json()["track"]
    assert wrong.status_code == 401  # --token replaces the default token
    assert leaked.status_code == 200
    assert rich.headers["X-RateLimit-Limit"] == "300"
    assert _stop(sandbox) == 0
    log = "\n".join(sandbox.lines)
    assert "GET /api/v1/tracks/1 200" in log
    assert SECRET not in log


def test_default_token_and_no_rate_limits() -> None:
    served = _start("--no-rate-limits")
    try:
        with httpx.Client(
            base_url=served.base_url, timeout=10, headers={"Authorization": "Bearer mock-token"}
        ) as client:
            statuses = {client.get("/users/2/contact-info").status_code for _ in range(35)}
        assert statuses == {200}  # 35 > the documented 30/min for contact-info
    finally:
        assert _stop(served) == 0


def test_port_in_use_fails_with_status_1() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "contract_tests._cli", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1


def _preflight(client: httpx.Client) -> httpx.Response:
    """What a browser sends before a GET from a web app on another origin."""
    origin = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}
    return client.options("/tracks/1", headers=origin)


def test_browsers_get_cors(sandbox: Served) -> None:
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        preflight = _preflight(client)
        simple = client.get("/tracks/1", headers={"Origin": "http://localhost:3000"})
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert simple.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-RateLimit-Remaining" in simple.headers["Access-Control-Expose-Headers"]


def test_any_client_can_ask_for_a_documented_error(sandbox: Served) -> None:
    # Prism's convention: `Prefer: code=N` answers the operation's documented error N, so a
    # browser or mobile client can exercise its error handling against the sandbox.
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        preflight = _preflight(client)
        gone = client.get("/tracks/1", headers={"Prefer": "code=410"})
        limited = client.get("/search", params={"query": "x"}, headers={"Prefer": "code=429"})
        undocumented = client.get("/tracks/1", headers={"Prefer": "code=418"})
    assert "Prefer" in preflight.headers["Access-Control-Allow-Headers"]
    assert (gone.status_code, gone.json()) == (410, {"message": "Track unavailable."})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == str(limited.json()["retry_after"])
    assert undocumented.status_code == 400
    assert "not documented for tracks.show" in undocumented.json()["message"]
