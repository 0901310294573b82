"""Benchmark: contract test cases per second, offline, over every GET operation, beside
Schemathesis on the same operations of our exported OpenAPI, in the same run.

Usage: python benchmarks/bench_contract.py [--examples N] [--no-schemathesis]

Ours: for each GET operation a Hypothesis property (the body of the suite's ``test_contract``:
draw a valid request and a tier, send it to the in-process mock, apply every default check,
acceptance and the checks of meaning included, with the reads those make) runs N examples.
Schemathesis (``pip install -e ".[dev]"`` installs it): ``schemathesis.openapi.from_dict`` on
``spec._openapi.to_openapi`` (our OpenAPI export), the same GET operations, N examples each of
``operation.as_strategy()``,
each case sent through the same in-process mock transport with the token and checked with
``case.validate_response`` and its five response checks (not_a_server_error, status code,
content type, headers, schema; the checks that send requests of their own are left out, since
they would reach the real API). The figure is cases (requests sent and checked)
per second of wall time, generation included; the ratio is ours over Schemathesis's. Each
side's CPU seconds are printed beside it: on a shared machine the load changes between the two
runs, and the CPU-time ratio says how much of a wall-time ratio is the machine's.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec
from contract_tests import CHECKS, MockTarget, Session
from contract_tests._coverage import current
from contract_tests._requests import Draft
from mockserver import BeatPassMock
from spec import Tier
from spec._openapi import to_openapi

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
}


def ours(api: spec.Spec, gets: list[str], examples: int) -> tuple[int, float, float]:
    session = Session(MockTarget(BeatPassMock(seed=1, rate_limits=False)))
    recorder = current()
    before = recorder.requests
    started, cpu = time.perf_counter(), time.process_time()
    for op_id in gets:
        op = api.operations[op_id]

        @settings(max_examples=examples, **SETTINGS)
        @given(request=session.strategies.valid(op), tier=st.sampled_from(op.tiers))
        def case(request: Draft, tier: Tier) -> None:
            session.exercise(request, tier)

        case()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    session.close()
    return recorder.requests - before, elapsed, cpu


def schemathesis_run(
    api: spec.Spec, gets: list[str], examples: int
) -> tuple[int, float, float, int]:
    """Cases Schemathesis sent and checked, the wall and CPU time, and how many cases failed a
    check (reported, not counted as a speed-up: a failed case is still a case)."""
    import schemathesis
    from schemathesis import checks as sc

    # Its response checks only: the ones that send requests of their own (ignored_auth, ...)
    # would go to the spec's server, the real API.
    offline = [
        sc.not_a_server_error,
        sc.status_code_conformance,
        sc.content_type_conformance,
        sc.response_headers_conformance,
        sc.response_schema_conformance,
    ]
    mock = BeatPassMock(seed=1, rate_limits=False)
    client = httpx.Client(base_url=str(mock.base_url), transport=mock.transport)
    schema = schemathesis.openapi.from_dict(to_openapi(api))
    wanted = {(api.operations[i].method, api.operations[i].path) for i in gets}
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if (result.ok().method.upper(), result.ok().path) in wanted
    ]
    sent, failed = [0], [0]
    started, cpu = time.perf_counter(), time.process_time()
    for operation in operations:

        @settings(max_examples=examples, **SETTINGS)
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            kwargs = case.as_transport_kwargs(base_url=str(mock.base_url))
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **mock.auth_headers()}
            kwargs.pop("url", None)
            at = time.perf_counter()
            response = client.request(case.method, case.formatted_path, **_httpx(kwargs))
            response.elapsed = timedelta(seconds=time.perf_counter() - at)  # a mock transport
            sent[0] += 1
            try:
                case.validate_response(response, checks=offline)
            except Exception:  # a schemathesis check failed: counted, the run goes on
                failed[0] += 1

        run()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    client.close()
    return sent[0], elapsed, cpu, failed[0]


def _httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    keep = ("params", "headers", "json", "content", "data")
    return {k: v for k, v in kwargs.items() if k in keep and v is not None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="examples per operation")
    parser.add_argument("--no-schemathesis", action="store_true", help="ours only")
    args = parser.parse_args()
    api = spec.load()
    gets = sorted(op_id for op_id, op in api.operations.items() if op.read_only)
    cases, elapsed, cpu = ours(api, gets, args.examples)
    rate = cases / elapsed
    print(
        f"ours: {cases} cases over {len(gets)} GET operations in {elapsed:.1f} s = "
        f"{rate:.0f} cases/s ({args.examples} examples per operation, {len(CHECKS)} checks each; "
        f"cpu {cpu:.1f} s)"
    )
    if args.no_schemathesis:
        return 0
    theirs, their_time, their_cpu, failed = schemathesis_run(api, gets, args.examples)
    their_rate = theirs / their_time
    print(
        f"schemathesis: {theirs} cases over the same operations of our exported OpenAPI in "
        f"{their_time:.1f} s = {their_rate:.0f} cases/s ({failed} cases failed its checks; "
        f"cpu {their_cpu:.1f} s)"
    )
    cpu_ratio = (cases / cpu) / (theirs / their_cpu)
    print(f"ratio: {rate / their_rate:.1f}x Schemathesis (cpu time: {cpu_ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
