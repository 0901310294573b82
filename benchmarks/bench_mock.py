"""Benchmark: the mock's per-request cost through respx, and the served sandbox's throughput.

Usage: python benchmarks/bench_mock.py [--requests N] [--rounds R] [--served N] [--profile]

1. In-process (respx): the same ``httpx.Client`` sends ``GET /tracks/{id}`` (and, as a second
   workload, a mix of many GET operations) to ``BeatPassMock`` and to a bare respx router that
   answers a static body of the same size, once with that single route and once behind 100
   regex routes (respx tries its routes one by one; the mock routes through a segment trie).
   Target: mock / bare respx at most 2. Each figure is the median over rounds of the mean
   time per request. The mock caches rendered read-only bodies; the "render" row bumps the
   store version before every request so each one is rendered from scratch.
2. Served (loopback): ``BackgroundServer`` around the mock's handler; one keep-alive client
   doing N sequential requests, then 4 threads each with its own keep-alive client.

``--profile`` adds a cProfile of one round of the mock path (top 15 by cumulative and tottime).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
import respx

import spec as spec_pkg
from mockserver import BackgroundServer, BeatPassMock
from spec import Operation

SEED = 1
CONTENT_TYPE = "application/json"
THREADS = 4
TIMEOUT = 10.0


@dataclass(frozen=True)
class Row:
    name: str
    mock_us: float
    bare_us: float
    bare100_us: float
    size: int


# -- in-process ---------------------------------------------------------------------------------


def make_client(base_url: str, headers: dict[str, str]) -> httpx.Client:
    """The one client construction used on both sides of every comparison."""
    return httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT)


def mean_seconds(
    client: httpx.Client,
    paths: Sequence[str],
    n: int,
    before: Callable[[], None] | None = None,
) -> float:
    """Mean wall time of one request over ``n`` requests cycling through ``paths``."""
    count = len(paths)
    gc.collect()
    start = time.perf_counter()
    for i in range(n):
        if before is not None:
            before()
        response = client.get(paths[i % count])
        if response.status_code >= 300:
            raise RuntimeError(f"{paths[i % count]} answered {response.status_code}")
    return (time.perf_counter() - start) / n


def regex_of(path: str, base: str) -> str:
    """A respx ``url__regex`` for a spec path: ``/tracks/{id}`` -> ``.../tracks/(?P<id>[^/]+)$``."""
    parts = re.split(r"\{([^}]+)\}", path)
    out = re.escape(base)
    for i, part in enumerate(parts):
        out += re.escape(part) if i % 2 == 0 else f"(?P<{part.replace('-', '_')}>[^/]+)"
    return out + "$"


def bare_router(host: str, body: bytes, decoys: Sequence[str]) -> respx.MockRouter:
    """A plain respx router: ``decoys`` regex routes tried first, then one static route."""
    router = respx.mock(assert_all_called=False, assert_all_mocked=True)
    for pattern in decoys:
        router.get(url__regex=pattern).respond(200, content=b"{}", headers={"Content-Type": "x"})
    router.route(method="GET", host=host).respond(
        200, content=body, headers={"Content-Type": CONTENT_TYPE}
    )
    return router


def fill(op: Operation, api: BeatPassMock) -> str | None:
    """``op.path`` with every path parameter replaced by a stored id, or None if it cannot be."""
    path = op.path
    for p in op.path_params:
        if p.resource is None:
            return None
        records = api.store.all(p.resource)  # only read: records() turns caches off
        if not records:
            return None
        path = path.replace("{" + p.name + "}", str(records[0]["id"]))
    return path


def mix_paths(api: BeatPassMock, operations: Sequence[Operation]) -> tuple[list[str], float]:
    """Paths of every GET operation that can be filled and answers 2xx; their mean body size."""
    paths: list[str] = []
    sizes: list[int] = []
    with api, make_client(str(api.base_url), api.auth_headers()) as client:
        for op in operations:
            if op.method != "GET" or (path := fill(op, api)) is None:
                continue
            response = client.get(path)
            if response.is_success:
                paths.append(path)
                sizes.append(len(response.content))
    return paths, statistics.fmean(sizes)


def compare(
    name: str,
    api: BeatPassMock,
    paths: Sequence[str],
    body: bytes,
    decoys: Sequence[str],
    args: argparse.Namespace,
    before: Callable[[], None] | None = None,
) -> Row:
    base = str(api.base_url)
    headers = api.auth_headers()
    mock_t: list[float] = []
    bare_t: list[float] = []
    bare100_t: list[float] = []
    for _ in range(args.rounds):  # interleaved, so drift in machine speed hits every side
        with api, make_client(base, headers) as client:
            mean_seconds(client, paths, args.warmup, before)
            mock_t.append(mean_seconds(client, paths, args.requests, before))
        for times, routes in ((bare_t, ()), (bare100_t, decoys)):
            with bare_router(api.base_url.host, body, routes), make_client(base, headers) as c:
                mean_seconds(c, paths, args.warmup)
                times.append(mean_seconds(c, paths, args.requests))
    us = 1e6
    return Row(
        name,
        statistics.median(mock_t) * us,
        statistics.median(bare_t) * us,
        statistics.median(bare100_t) * us,
        len(body),
    )


def profile_mock(api: BeatPassMock, paths: Sequence[str], n: int) -> str:
    out = io.StringIO()
    with api, make_client(str(api.base_url), api.auth_headers()) as client:
        mean_seconds(client, paths, min(n, 200))
        profiler = cProfile.Profile()
        profiler.enable()
        mean_seconds(client, paths, n)
        profiler.disable()
    for key in ("cumulative", "tottime"):
        out.write(f"\n-- cProfile of {n} mock requests, top 15 by {key} --\n")
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(15)
    return out.getvalue()


# -- served -------------------------------------------------------------------------------------


def served_rps(base_url: str, headers: dict[str, str], paths: Sequence[str], n: int) -> float:
    with make_client(base_url, headers) as client:
        mean_seconds(client, paths, min(n, 100))
        return 1.0 / mean_seconds(client, paths, n)


def served_rps_threads(
    base_url: str, headers: dict[str, str], paths: Sequence[str], n: int, threads: int
) -> float:
    per_thread = max(1, n // threads)
    barrier = threading.Barrier(threads + 1, timeout=TIMEOUT)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with make_client(base_url, headers) as client:
                mean_seconds(client, paths, min(per_thread, 50))
                barrier.wait()
                mean_seconds(client, paths, per_thread)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    deadline = start + max(60.0, per_thread * 0.05)
    for worker in workers:
        worker.join(max(0.0, deadline - time.perf_counter()))
    elapsed = time.perf_counter() - start
    if errors or any(worker.is_alive() for worker in workers):
        raise RuntimeError(f"threaded run failed or timed out: {errors[:1]}")
    return per_thread * threads / elapsed


# -- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join((__doc__ or "").split("\n\n")[0].split()))
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (median is reported)")
    parser.add_argument("--warmup", type=int, default=300, help="warm-up requests per round")
    parser.add_argument("--served", type=int, default=2000, help="requests to the sandbox")
    parser.add_argument("--decoys", type=int, default=100, help="regex routes for bare respx")
    parser.add_argument("--profile", action="store_true", help="cProfile one mock round")
    args = parser.parse_args()

    spec = spec_pkg.load()
    api = BeatPassMock(seed=SEED, rate_limits=False, spec=spec)
    base = str(api.base_url)
    track_paths = [f"/tracks/{r['id']}" for r in api.store.all("Track")]
    with api, make_client(base, api.auth_headers()) as client:
        track_body = client.get(track_paths[0]).content
    gets = [op for op in spec.operations.values() if op.method == "GET"]
    decoys = [regex_of(op.path, base) for op in gets if op.id != "tracks.show"][: args.decoys]
    paths, mean_size = mix_paths(api, gets)
    mix_body = json.dumps({"data": "x" * max(0, round(mean_size) - 11)}).encode()

    rows = [
        compare("GET /tracks/{id}", api, track_paths, track_body, decoys, args),
        compare(f"GET mix ({len(paths)} ops)", api, paths, mix_body, decoys, args),
        compare(
            "GET /tracks/{id} render",
            api,
            track_paths,
            track_body,
            decoys,
            args,
            before=api.store.touch,
        ),
    ]

    served = BeatPassMock(seed=SEED, rate_limits=False, spec=spec)
    with BackgroundServer(served.handler, timeout=TIMEOUT) as server:
        one = served_rps(server.base_url, served.auth_headers(), track_paths, args.served)
        many = served_rps_threads(
            server.base_url, served.auth_headers(), track_paths, args.served, THREADS
        )

    print(
        f"machine: nproc {os.cpu_count()}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), httpx {httpx.__version__}, "
        f"respx {respx.__version__}, {platform.machine()}"
    )
    print(
        f"in-process: median of {args.rounds} rounds x {args.requests} requests "
        f"(after {args.warmup} warm-up); bare respx = static body of the same size"
    )
    header = (
        f"{'workload':<26} {'bytes':>6} {'mock us':>8} {'bare us':>8} {'ratio':>6} "
        f"{'bare+' + str(len(decoys)) + 're us':>12} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.name:<26} {row.size:>6} {row.mock_us:>8.1f} {row.bare_us:>8.1f} "
            f"{row.mock_us / row.bare_us:>6.2f} {row.bare100_us:>12.1f} "
            f"{row.mock_us / row.bare100_us:>6.2f}"
        )
    print(
        f"served sandbox, loopback, GET /tracks/{{id}} x {args.served}: "
        f"1 keep-alive client {one:,.0f} req/s; {THREADS} threads x 1 client {many:,.0f} req/s"
    )
    if args.profile:
        print(profile_mock(api, track_paths, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
