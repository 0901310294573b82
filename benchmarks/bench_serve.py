"""Benchmark: the served sandbox against a canned uvicorn app answering the same bytes.

Usage: python benchmarks/bench_serve.py [--requests N] [--rounds R] [--path /tracks/1]

Two servers run side by side, each in its own process on loopback:

* the sandbox, exactly as users start it: ``beatpass-contract serve --no-rate-limits``;
* a canned app: plain ``uvicorn`` (its defaults) serving a three-line ASGI app that answers
  every request with the status, headers and body the sandbox gave for ``--path``.

One keep-alive client sends N sequential ``GET --path`` requests to one server, then to the
other, alternating for R rounds, so both see the same machine load (the machine is shared:
only the ratio, measured side by side, is meaningful). Two clients are measured: ``httpx``
(what a Python integration uses) and a minimal raw-socket HTTP/1.1 client (almost no client
cost, so the servers' own cost dominates: the stricter ratio). Reported: the median
requests/s of each server, the ratio sandbox / canned (target: >= 0.8 for one client), and
each server's CPU time per request (from /proc, so independent of the machine's load).
The sandbox serves with its own HTTP/1.1 protocol on httptools (``mockserver._http``) inside
uvicorn's server; ``BEATPASS_HTTP=h11`` in the environment serves it through uvicorn's h11
protocol and the ASGI adapter instead, for comparison. Both servers use the same event loop
uvicorn picks (uvloop if it is installed). The load average is printed before and after: on
a shared machine a ratio measured under load says less than one measured idle.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

CANNED_APP = """
import json, sys
spec = json.load(open(sys.argv[1]))
STATUS = spec["status"]
HEADERS = [(k.encode(), v.encode()) for k, v in spec["headers"]]
BODY = spec["body"].encode("latin-1")

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": STATUS, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def start(
    argv: list[str], ready: Callable[[str], str | None], log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server process logging to a file (as a user redirecting it would: a pipe read
    by this process would cost the client's own time) and wait for its origin line."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            origin = ready(line)
            if origin:
                return process, origin
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{argv[:4]} did not start: {log.read_text(errors='replace')[-500:]}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc): unlike req/s on a shared
    machine, what one server spends per request does not depend on the others' load."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def httpx_rate(url: str, n: int, headers: dict[str, str]) -> float:
    with httpx.Client(headers=headers) as client:
        client.get(url)
        started = time.perf_counter()
        for _ in range(n):
            client.get(url)
        return n / (time.perf_counter() - started)


def raw_rate(url: str, n: int, headers: dict[str, str]) -> float:
    """Sequential keep-alive GETs over one socket, parsing only Content-Length."""
    parsed = httpx.URL(url)
    head = f"GET {parsed.raw_path.decode()} HTTP/1.1\r\nHost: {parsed.netloc.decode()}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    request = head.encode()
    with socket.create_connection((parsed.host, parsed.port or 80)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def once() -> None:
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            header, _, body = data.partition(b"\r\n\r\n")
            length = int(header.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(body) < length:
                body += sock.recv(65536)

        once()
        started = time.perf_counter()
        for _ in range(n):
            once()
        return n / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--path", default="/tracks/1")
    args = parser.parse_args()
    headers = {"Authorization": "Bearer mock-token", "Accept": "application/json"}

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    sandbox, sandbox_base = start(
        [sys.executable, "-m", "contract_tests._cli", "serve", "--port", "0", "--no-rate-limits"],
        lambda line: line.split(" at ")[1].split(" ")[0] if " serving at " in line else None,
        tmp / "sandbox.log",
    )
    canned: subprocess.Popen[bytes] | None = None
    try:
        answer = httpx.get(sandbox_base + args.path, headers=headers)
        (tmp / "answer.json").write_text(
            json.dumps(
                {
                    "status": answer.status_code,
                    "headers": [
                        (k, v) for k, v in answer.headers.items() if k not in ("date", "server")
                    ],
                    "body": answer.content.decode("latin-1"),
                }
            )
        )
        (tmp / "canned.py").write_text(CANNED_APP)
        port = free_port()
        canned, canned_origin = start(
            [
                sys.executable,
                "-c",
                "import sys, uvicorn; sys.path.insert(0, sys.argv[2]); "
                "uvicorn.run('canned:app', port=int(sys.argv[3]), log_level='info', "
                "access_log=False)",
                str(tmp / "answer.json"),
                str(tmp),
                str(port),
            ],
            lambda line: f"http://127.0.0.1:{port}" if "Uvicorn running" in line else None,
            tmp / "canned.log",
        )
        canned_url = canned_origin + "/api/v1" + args.path
        sandbox_url = sandbox_base + args.path
        assert httpx.get(canned_url).content == answer.content
        print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
        for name, rate in (("httpx.Client", httpx_rate), ("raw socket", raw_rate)):
            ours: list[float] = []
            theirs: list[float] = []
            cpu = {sandbox.pid: 0.0, canned.pid: 0.0}
            for _ in range(args.rounds):
                for process, url, rates in (
                    (canned, canned_url, theirs),
                    (sandbox, sandbox_url, ours),
                ):
                    before = cpu_seconds(process.pid)
                    rates.append(rate(url, args.requests, headers))
                    cpu[process.pid] += cpu_seconds(process.pid) - before
            a, b = statistics.median(ours), statistics.median(theirs)
            n = args.rounds * (args.requests + 1)
            print(
                f"one keep-alive {name} client, GET {args.path} ({len(answer.content)} B), "
                f"{args.rounds} alternating rounds of {args.requests}: sandbox {a:,.0f} req/s, "
                f"canned uvicorn app {b:,.0f} req/s: {a / b:.2f}x; server CPU per request "
                f"{cpu[sandbox.pid] / n * 1e6:.0f} us vs {cpu[canned.pid] / n * 1e6:.0f} us"
            )
        print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    finally:
        for server in (sandbox, canned):
            if server is not None:
                server.terminate()
                server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
