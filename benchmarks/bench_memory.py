"""Benchmark: memory of the sandbox under many distinct reads and many writes, and of the
in-process mock under many requests through respx.

Usage: python benchmarks/bench_memory.py [--reads N] [--writes N] [--respx N]

1. Served: ``beatpass-contract serve --no-rate-limits --port 0`` in a subprocess; its resident
   memory (VmRSS from /proc) after start, after N distinct large reads
   (``GET /tracks?per_page=100&page=1&n=K``, 110 KB each; the extra parameter is ignored, as
   the API ignores unknown ones, but makes every answer new to the answer cache) and
   after N writes (``POST /tracks/1/plays``, each recording a play event), one keep-alive
   client. The documented bounds: answer cache 16 MiB and request history 8 MiB of bodies per
   world, 10,000 entries per side-effect list, 1,000 journal entries.
2. In-process: ``with BeatPassMock()`` (respx patched in) and N ``GET /tracks/1``; the growth
   of traced Python memory (tracemalloc) between the first 1,000 requests and the end.

Prints one line per figure; exit 1 if the served RSS grows by more than ``--bound`` MB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import httpx

from mockserver import BeatPassMock


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def served(reads: int, writes: int) -> tuple[float, float, float]:
    process = subprocess.Popen(
        [sys.executable, "-m", "contract_tests._cli", "serve", "--port", "0", "--no-rate-limits"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    base = process.stdout.readline().split(" at ")[1].split(" ")[0]
    stdout = process.stdout
    threading.Thread(target=lambda: [None for _ in stdout], daemon=True).start()  # the log
    try:
        headers = {"Authorization": "Bearer mock-token"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            client.get("/tracks/1")
            start = rss_mb(process.pid)
            for k in range(reads):
                r = client.get("/tracks", params={"per_page": 100, "page": 1, "n": k})
                assert r.status_code == 200, r.text
            after_reads = rss_mb(process.pid)
            for _ in range(writes):
                assert client.post("/tracks/1/plays", json={}).status_code == 200
            after_writes = rss_mb(process.pid)
        return start, after_reads, after_writes
    finally:
        process.terminate()
        process.wait(timeout=15)


def in_process(requests: int) -> tuple[float, float]:
    api = BeatPassMock(rate_limits=False)
    with api, httpx.Client(headers=api.auth_headers()) as client:
        tracemalloc.start()
        for _ in range(1000):
            client.get("https://open.beatpass.ca/api/v1/tracks/1")
        early = tracemalloc.get_traced_memory()[0]
        for _ in range(requests - 1000):
            client.get("https://open.beatpass.ca/api/v1/tracks/1")
        late = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    return early / 1e6, late / 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=6000)
    parser.add_argument("--writes", type=int, default=50_000)
    parser.add_argument("--respx", type=int, default=52_000)
    parser.add_argument("--bound", type=float, default=100.0, help="MB of RSS growth allowed")
    args = parser.parse_args()
    started = time.perf_counter()
    start, after_reads, after_writes = served(args.reads, args.writes)
    print(f"served RSS: {start:.0f} MB at start")
    print(f"served RSS: {after_reads:.0f} MB after {args.reads:,} distinct large reads")
    print(f"served RSS: {after_writes:.0f} MB after {args.writes:,} writes")
    early, late = in_process(args.respx)
    print(
        f"in-process through respx: {early:.1f} MB traced after 1,000 requests, "
        f"{late:.1f} MB after {args.respx:,}"
    )
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if max(after_reads, after_writes) - start <= args.bound else 1


if __name__ == "__main__":
    sys.exit(main())
