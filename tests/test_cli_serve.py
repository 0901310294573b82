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
# The command line in an interpreter where `import pytest` fails, as on the base install.
NO_PYTEST = (
    "import sys; sys.modules['pytest'] = sys.modules['_pytest'] = None; "
    "from contract_tests._cli import main; sys.exit(main(sys.argv[1:]))"
)
CLI = ("-m", "contract_tests._cli")


@dataclass
class Served:
    process: subprocess.Popen[str]
    base_url: str
    lines: list[str] = field(default_factory=list)
    pump: threading.Thread | None = None


def _start(*args: str, launcher: str | None = None) -> Served:
    command = ("-c", launcher) if launcher is not None else CLI
    process = subprocess.Popen(
        [sys.executable, *command, "serve", "--port", "0", *args],
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


def _serve_fails(*args: str) -> list[str]:
    """Run ``serve`` expecting a usage error: exit 2, nothing on stdout, one line on stderr."""
    result = subprocess.run(
        [sys.executable, *CLI, "serve", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines


def test_port_in_use_is_one_line_and_exit_2() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (line,) = _serve_fails("--port", str(port))
    assert line == (
        f"beatpass-contract serve: error: port {port} on 127.0.0.1 is already in use; "
        "choose another with --port (0 picks a free one)"
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_a_host_other_machines_reach_needs_an_explicit_opt_in(host: str) -> None:
    (line,) = _serve_fails("--host", host, "--port", "0")
    assert line.startswith(f"beatpass-contract serve: error: --host {host} is not a loopback")
    assert "--allow-non-loopback" in line


def test_the_opt_in_and_loopback_names_pass_the_host_check() -> None:
    from contract_tests._listen import check_host, is_loopback

    check_host("0.0.0.0", allow_non_loopback=True)  # the user asked for it: no error
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.1", "no-such-host.invalid"))


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--port", "abc"), "serve: error: argument --port: 'abc' is not a whole number"),
        (("--port", "70000"), "serve: error: argument --port: 70000 is out of range (0..65535)"),
        (("--seed", "1.5"), "serve: error: argument --seed: '1.5' is not a whole number"),
        (("--seed", "-1"), "serve: error: argument --seed: -1 is out of range (>= 0)"),
    ],
)
def test_bad_arguments_are_one_clear_line(args: tuple[str, ...], line: str) -> None:
    assert _serve_fails(*args) == [f"beatpass-contract {line} (see beatpass-contract serve --help)"]


def test_an_unknown_option_is_one_line_too() -> None:
    assert _serve_fails("--bogus") == [
        "beatpass-contract: error: unrecognized arguments: --bogus (see beatpass-contract --help)"
    ]


def test_a_token_for_a_user_the_world_lacks_is_refused_before_serving() -> None:
    (line,) = _serve_fails("--port", "0", "--token", "t=999", "--token", "u=2")
    assert line.startswith("beatpass-contract serve: error: --token: no user 999 in the world")
    assert "(its users are 1-" in line
