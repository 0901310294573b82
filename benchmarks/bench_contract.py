"""Benchmark: contract test cases per second, offline, over every GET operation.

Usage: python benchmarks/bench_contract.py [--examples N]

For each of the 159 GET operations a Hypothesis property (the same body as the suite's
``test_contract``: draw a valid request and a tier, send it to the in-process mock, apply all
ten checks) runs N examples; the figure is cases (requests sent and checked) per second of wall
time, generation included. Anchor measured on this machine (issue 4): Schemathesis runs the
published OpenAPI's 61 GET operations at about 150 cases/s in-process.
"""

from __future__ import annotations

import argparse
import sys
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec
from contract_tests import MockTarget, Session
from contract_tests._coverage import current
from mockserver import BeatPassMock


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25, help="examples per operation")
    args = parser.parse_args()
    api = spec.load()
    gets = sorted(op_id for op_id, op in api.operations.items() if op.read_only)
    session = Session(MockTarget(BeatPassMock(seed=1, rate_limits=False)))
    recorder = current()
    before = recorder.requests
    started = time.perf_counter()
    for op_id in gets:
        op = api.operations[op_id]

        @settings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def case(data: st.DataObject) -> None:
            draft = data.draw(session.strategies.valid(op))  # noqa: B023 - run right away
            session.exercise(draft, data.draw(st.sampled_from(op.tiers)))  # noqa: B023

        case()
    elapsed = time.perf_counter() - started
    cases = recorder.requests - before
    session.close()
    print(
        f"contract cases offline over {len(gets)} GET operations: {cases} cases in {elapsed:.1f} s "
        f"= {cases / elapsed:.0f} cases/s ({args.examples} examples per operation, 10 checks each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
