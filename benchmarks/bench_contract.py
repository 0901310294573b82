"""Benchmark: contract test cases per second, offline, over every GET operation, beside
Schemathesis on the same operations of our exported OpenAPI, in the same run.

Usage: python benchmarks/bench_contract.py [--examples N] [--no-schemathesis] [--both-tiers]
       python benchmarks/bench_contract.py --split [--examples N]

The two run side by side, one operation at a time, each in turn, so that a shared machine's
drifting speed weighs on both alike. Each side runs in a process of its own, as it would in a
run of that tool: its world and client are built before timing, and its garbage collector walks
its own heap only (in one shared process, each side's full collections also walked the other's).

Ours: for each GET operation the suite's ``test_contract`` property (``keeps_contract``), run as
the suite runs it (``run_property``): draw a valid request, send it in each tier the operation
has (anonymously and with the token, where it has both) to the in-process mock, apply every
default check to each answer, acceptance and the checks of meaning included, with the reads those
make; at most N drawn requests per operation (Hypothesis stops early once it has drawn every
distinct one). In both processes, as in the suite, the heap alive once the spec is loaded is
frozen out of the collector's full passes (the plugin does so after collection); what either
side builds after that (its mock, its strategies, Schemathesis's schema) is not.
Schemathesis (``pip install -e ".[dev]"`` installs it): ``schemathesis.openapi.from_dict`` on
``spec._openapi.to_openapi`` (our OpenAPI export), the same GET operations, at most N examples
each of ``operation.as_strategy(headers=...)`` with the token's headers given (its own runner
stops drawing the headers configured auth writes once it has seen them overwritten: drawn and
then overwritten, they only repeat a request), each case sent through the same in-process mock
transport and checked with ``case.validate_response`` and its five response checks
(not_a_server_error, status code, content type, headers, schema; the checks that send requests
of their own are left out, since they would reach the real API). Schemathesis sends each case
with the token only; ``--both-tiers`` also sends it without the token where the operation has
both tiers, checking both answers: the same work per drawn request as ours.

``--split`` runs ours alone, in this process, and says where a drawn request's time goes: in
the mock, in the checks, in the rest of sending the request and reading its answer, and in
Hypothesis (its engine and the draws: all the rest); beside it, what Hypothesis costs per
example for a property that draws one integer and does nothing, which both sides pay.

A case is a request sent and its answer checked. Printed for each side: cases and drawn
requests per second of wall time, generation included, and CPU seconds (where the wall-time
and CPU-time ratios differ, the machine was busy with something else); then the ratios, ours
over Schemathesis's, per case and per drawn request.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any, ClassVar

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spec
from contract_tests import CHECKS, MockTarget, Session
from contract_tests._coverage import current
from contract_tests._heap import freeze
from contract_tests.suite.test_operations import keeps_contract
from mockserver import BeatPassMock
from spec._openapi import to_openapi

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
}


class Ours:
    """The suite's property for one operation at a time, on one session (built beforehand)."""

    def __init__(self, api: spec.Spec, examples: int) -> None:
        self.api, self.examples = api, examples
        self.session = Session(MockTarget(BeatPassMock(seed=1, rate_limits=False)))
        self.recorder = current()

    def run(self, op_id: str) -> tuple[int, int]:
        """(answers checked, requests drawn) of one operation's property."""
        op, before = self.api.operations[op_id], self.recorder.requests
        # As the suite runs it: one property per parametrized item, keyed by the item's id.
        os.environ["PYTEST_CURRENT_TEST"] = f"test_operations.py::test_contract[{op_id}] (call)"
        drawn = keeps_contract(self.session, op, settings(max_examples=self.examples, **SETTINGS))
        return self.recorder.requests - before, drawn

    def close(self) -> None:
        self.session.close()


class Theirs:
    """Schemathesis on one operation of our exported OpenAPI at a time. ``failed`` counts
    cases that failed one of its checks (reported, not counted as a speed-up: a failed case
    is still a case). ``both_tiers``: each case drawn for an operation with both tiers is also
    sent without the token (first, as ours is) and both answers checked: the same work per
    drawn request as ours."""

    def __init__(
        self, api: spec.Spec, gets: list[str], examples: int, both_tiers: bool = False
    ) -> None:
        import schemathesis
        from schemathesis import checks as sc

        # Its response checks only: the ones that send requests of their own (ignored_auth,
        # ...) would go to the spec's server, the real API.
        self.checks = [
            sc.not_a_server_error,
            sc.status_code_conformance,
            sc.content_type_conformance,
            sc.response_headers_conformance,
            sc.response_schema_conformance,
        ]
        self.examples = examples
        self.mock = BeatPassMock(seed=1, rate_limits=False)
        self.client = httpx.Client(base_url=str(self.mock.base_url), transport=self.mock.transport)
        schema = schemathesis.openapi.from_dict(to_openapi(api))
        by_route = {(api.operations[i].method, api.operations[i].path): i for i in gets}
        self.operations: dict[str, Any] = {}
        for result in schema.get_all_operations():
            operation = result.ok()
            op_id = by_route.get((operation.method.upper(), operation.path))
            if op_id is not None:
                self.operations[op_id] = operation
        self.failed = 0
        two_tiers = {i for i in gets if len(api.operations[i].tiers) > 1}
        self.anonymous_too = two_tiers if both_tiers else set()

    def run(self, op_id: str) -> tuple[int, int]:
        """(answers checked, cases drawn) of one operation."""
        operation, mock, client = self.operations[op_id], self.mock, self.client
        counts = [0, 0]
        anonymous_too = op_id in self.anonymous_too

        def send(case: Any, kwargs: dict[str, Any]) -> None:
            at = time.perf_counter()
            response = client.request(case.method, case.formatted_path, **_httpx(kwargs))
            response.elapsed = timedelta(seconds=time.perf_counter() - at)  # a mock transport
            counts[0] += 1
            try:
                case.validate_response(response, checks=self.checks)
            except Exception:  # a schemathesis check failed: counted, the run goes on
                self.failed += 1

        @settings(max_examples=self.examples, **SETTINGS)
        @given(case=operation.as_strategy(headers=mock.auth_headers()))
        def run(case: Any) -> None:
            counts[1] += 1
            kwargs = case.as_transport_kwargs(base_url=str(mock.base_url))
            kwargs.pop("url", None)
            if anonymous_too:
                headers = {k: v for k, v in kwargs["headers"].items() if k != "Authorization"}
                send(case, {**kwargs, "headers": headers})
            send(case, kwargs)

        run()
        return counts[0], counts[1]

    def close(self) -> None:
        self.client.close()


@dataclass
class Tally:
    cases: int = 0
    drawn: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    def add(self, cases: int, drawn: int, wall: float, cpu: float) -> None:
        self.cases += cases
        self.drawn += drawn
        self.wall += wall
        self.cpu += cpu

    @property
    def rate(self) -> float:
        return self.cases / self.wall

    @property
    def drawn_rate(self) -> float:
        return self.drawn / self.wall


def _loaded() -> tuple[spec.Spec, list[str]]:
    """The spec, its heap frozen as the suite's plugin freezes it once collected
    (``contract_tests._heap``), and its GET operations in the order both sides run them."""
    api = spec.load()
    freeze()
    return api, sorted(op_id for op_id, op in api.operations.items() if op.read_only)


def _side(conn: Connection, name: str, examples: int, both_tiers: bool) -> None:
    """One side in a process of its own: it builds its world, then times the operations the
    driver names, one at a time, and sends back (cases, drawn, wall, cpu) for each. Alone,
    its collector walks its own heap only, as it would in a run of that tool: in one shared
    process each side's full collections also walked the other's (Schemathesis's schema and
    caches made ours' 2.8 times longer)."""
    # The driver handles Ctrl-C (the terminal sends it to the whole process group) and ends
    # this process; a driver gone in any other way ends it at its next message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        api, gets = _loaded()
        side: Ours | Theirs = (
            Ours(api, examples) if name == "ours" else Theirs(api, gets, examples, both_tiers)
        )
        _warm_up()
        conn.send(gets)
        while (op_id := conn.recv()) is not None:
            started, cpu = time.perf_counter(), time.process_time()
            cases, drawn = side.run(op_id)
            conn.send((cases, drawn, time.perf_counter() - started, time.process_time() - cpu))
        side.close()
        conn.send(getattr(side, "failed", 0))
    except (EOFError, BrokenPipeError):  # the driver is gone: nothing to report to
        return
    except Exception as exc:  # reported by the driver in one line
        label = "ours" if name == "ours" else "schemathesis (--no-schemathesis runs ours alone)"
        conn.send(f"{label} failed: {type(exc).__name__}: {exc}")


class Worker:
    """The driver's end of one side's process."""

    started: ClassVar[list[Worker]] = []

    def __init__(self, name: str, examples: int, both_tiers: bool) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, as a run has
        self.conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_side, args=(theirs, name, examples, both_tiers), daemon=True
        )
        self.process.start()
        Worker.started.append(self)

    @classmethod
    def stop_all(cls) -> None:
        """End every side's process still running (an interrupted run)."""
        for worker in cls.started:
            if worker.process.is_alive():
                worker.process.terminate()
            worker.process.join(timeout=10)

    def answer(self) -> Any:
        try:
            reply = self.conn.recv()
        except EOFError:
            raise SystemExit("bench_contract: a side's process ended early") from None
        if isinstance(reply, str):
            raise SystemExit(f"bench_contract: {reply}")
        return reply

    def run(self, op_id: str) -> tuple[int, int, float, float]:
        self.conn.send(op_id)
        result: tuple[int, int, float, float] = self.answer()
        return result

    def close(self) -> int:
        """Ends the process; returns its last word (Schemathesis's failed cases)."""
        self.conn.send(None)
        last: int = self.answer()
        self.process.join(timeout=60)
        return last


def _httpx(kwargs: dict[str, Any]) -> dict[str, Any]:
    keep = ("params", "headers", "json", "content", "data")
    return {k: v for k, v in kwargs.items() if k in keep and v is not None}


def _warm_up() -> None:
    """Hypothesis's once-per-process work (scanning the loaded modules' source for constants to
    draw, registering its PRNG, a full garbage collection), done before timing: otherwise it
    is charged to whichever side runs first."""

    # Enough examples that Hypothesis surely draws one of the constants it collects from the
    # modules' source (it does so for a few percent of draws), which sets off the scan.
    @settings(max_examples=200, **SETTINGS)
    @given(st.integers(), st.text())
    def warm(_: int, __: str) -> None:
        pass

    warm()


def split(examples: int) -> None:
    """Ours alone, timed by part (``--split``)."""
    import contract_tests._session as session_module
    from contract_tests._profiles import run_property

    api, gets = _loaded()
    ours = Ours(api, examples)
    _warm_up()
    parts = {"mock": 0.0, "checks": 0.0, "answers": 0.0}
    in_checks = False

    def timed(part: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            nonlocal in_checks
            if part == "mock" and in_checks:  # a read a check sends: the check's time
                return call(*args, **kwargs)
            outer, in_checks = in_checks, in_checks or part == "checks"
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                parts[part] += time.perf_counter() - started
                in_checks = outer

        return run

    target = ours.session.target
    assert isinstance(target, MockTarget)
    core = target.mock.core
    core.handle = timed("mock", core.handle)  # type: ignore[method-assign]
    session_module.run_checks = timed("checks", session_module.run_checks)  # type: ignore[attr-defined]
    ours.session.exercise = timed("answers", ours.session.exercise)  # type: ignore[method-assign]
    started, drawn = time.perf_counter(), 0
    for op_id in gets:
        drawn += ours.run(op_id)[1]
    wall = time.perf_counter() - started
    ours.close()

    def nothing(value: int) -> None:
        pass

    started = time.perf_counter()
    for n in range(len(gets)):
        os.environ["PYTEST_CURRENT_TEST"] = f"bench_contract.py::nothing[{n}] (call)"
        run_property(nothing, settings(max_examples=examples, **SETTINGS), value=st.integers())
    # Each property draws max_examples distinct integers: no early stop.
    trivial = (time.perf_counter() - started) / (len(gets) * examples)

    def ms(seconds: float) -> str:
        return f"{seconds / drawn * 1000:.2f} ms"

    rest = parts["answers"] - parts["mock"] - parts["checks"]
    print(
        f"ours, per drawn request over {len(gets)} GET operations ({drawn} drawn): "
        f"{ms(wall)} in all; its answers {ms(parts['answers'])} (the mock {ms(parts['mock'])}, "
        f"the checks {ms(parts['checks'])} with the reads they send, the rest of sending and "
        f"reading {ms(rest)}); "
        f"Hypothesis's engine and the draws {ms(wall - parts['answers'])}"
    )
    print(
        f"a property drawing one integer and doing nothing: {trivial * 1000:.2f} ms per example "
        f"({len(gets)} properties of {examples} examples)"
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument(
        "--examples",
        type=_positive,
        default=25,
        metavar="N",
        help="at most N drawn requests per operation (default 25)",
    )
    parser.add_argument("--no-schemathesis", action="store_true", help="ours only")
    parser.add_argument(
        "--both-tiers",
        action="store_true",
        help="Schemathesis also sends each case without the token where the operation has both "
        "tiers, as ours does: the same work per drawn request",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="ours alone, in this process: where a drawn request's time goes, beside what "
        "Hypothesis costs per example for a property that does nothing",
    )
    args = parser.parse_args()
    if args.split and (args.both_tiers or args.no_schemathesis):
        parser.error("--split runs ours alone: --both-tiers and --no-schemathesis do not apply")
    if args.both_tiers and args.no_schemathesis:
        parser.error("--both-tiers is how Schemathesis sends its cases: not with --no-schemathesis")
    try:
        if args.split:
            split(args.examples)
        else:
            compare(args.examples, args.no_schemathesis, args.both_tiers)
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # one report, however many are sent
        Worker.stop_all()
        print("bench_contract: interrupted", file=sys.stderr)
        return 130
    return 0


def compare(examples: int, no_schemathesis: bool, both_tiers: bool) -> None:
    """Ours beside Schemathesis (or alone), each side in its own process."""
    ours, mine = Worker("ours", examples, both_tiers), Tally()
    theirs = None if no_schemathesis else Worker("theirs", examples, both_tiers)
    other = Tally()
    gets: list[str] = ours.answer()
    if theirs is not None and theirs.answer() != gets:
        raise SystemExit("bench_contract: the two sides read different operations")
    # One operation at a time, each side in turn (its process waits meanwhile): a shared
    # machine's speed drifts over a run, and side by side both sides see the same drift.
    # Which side goes first alternates: the first to reach an operation may find the machine
    # warmer (caches, frequency) than the second.
    turns: list[tuple[Tally, Worker]] = [(mine, ours)]
    if theirs is not None:
        turns.append((other, theirs))
    for n, op_id in enumerate(gets):
        for tally, worker in turns[:: 1 if n % 2 == 0 else -1]:
            tally.add(*worker.run(op_id))
    ours.close()
    print(
        f"ours: {mine.cases} cases (answers checked) from {mine.drawn} drawn requests over "
        f"{len(gets)} GET operations in {mine.wall:.1f} s = {mine.rate:.0f} cases/s, "
        f"{mine.drawn_rate:.0f} drawn requests/s (at most {examples} drawn per operation, "
        f"each sent in every tier it has; {len(CHECKS)} checks each; cpu {mine.cpu:.1f} s)"
    )
    if theirs is None:
        return
    failed = theirs.close()
    tiers = "without and with the token" if both_tiers else "with the token"
    print(
        f"schemathesis: {other.cases} cases from {other.drawn} drawn over the same operations "
        f"of our exported OpenAPI, sent {tiers}, in {other.wall:.1f} s = {other.rate:.0f} "
        f"cases/s, {other.drawn_rate:.0f} drawn/s ({failed} cases failed its checks; "
        f"cpu {other.cpu:.1f} s)"
    )
    cpu_ratio = (mine.cases / mine.cpu) / (other.cases / other.cpu)
    print(
        f"ratio: {mine.rate / other.rate:.1f}x Schemathesis per case (cpu time: "
        f"{cpu_ratio:.1f}x), {mine.drawn_rate / other.drawn_rate:.1f}x per drawn request"
    )


if __name__ == "__main__":
    sys.exit(main())
