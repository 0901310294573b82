"""The live guard against a production that misbehaves on purpose (raw HTTP on 127.0.0.1):
a body that never ends, a body that never stops growing, odd ``Retry-After`` values, a 429
that lands while another worker waits for its slot, and tests that try to get at the token."""

from __future__ import annotations

import email.utils
import gzip
import threading
import time
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import httpx
import pytest

from contract_tests._live import LiveGuard, Pace
from contract_tests._target import LiveTarget
from mockserver import BackgroundServer
from spec import ContractError, LiveGuardError
from tests.hostile_production import (
    HostileProduction,
    Part,
    Received,
    head,
    json_answer,
    trickle,
)
from tests.live_helpers import API, SECRET, FakeProduction

OK = b'{"status": "success", "genres": []}'


def _guard(base_url: str, tmp_path: Path, **kwargs: object) -> LiveGuard:
    pace = kwargs.pop("pace", None) or Pace(tmp_path / "pace.json", 10, 6000)
    return LiveGuard(API, base_url, pace, secrets=(SECRET,), **kwargs)  # type: ignore[arg-type]


# -- 1. a body that trickles -------------------------------------------------------------------


@pytest.mark.usefixtures("isolated_coverage")  # its deliberate failure stays out of the summary
def test_a_trickling_body_fails_the_operation_at_the_deadline(tmp_path: Path) -> None:
    """Each byte arrives well within any read timeout; only a deadline on the whole request
    ends it (before, the run waited the 24 s the body takes, or forever)."""
    with HostileProduction(lambda _: trickle(OK * 4, every=0.2), timeout=60) as prod:
        guard = _guard(prod.base_url, tmp_path, deadline=1.5)
        started = time.monotonic()
        with httpx.Client(transport=guard) as client, pytest.raises(ContractError) as info:
            client.get(prod.base_url + "/genres")
        guard.shutdown()
    assert time.monotonic() - started < 10  # a bound, not a speed target: the body takes 29 s
    assert "deadline of 1.5 s" in str(info.value)
    assert len(prod.seen) == 1, "a request that ran out its deadline is not sent again"


# -- 2. a body that never stops growing --------------------------------------------------------

MiB = 1024 * 1024


def _peak_while(call: object) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    try:
        call()  # type: ignore[operator]
        error = None
    except BaseException as exc:
        error = exc
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, error


@pytest.mark.usefixtures("isolated_coverage")
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_a_huge_answer_fails_the_operation_without_growing_the_client(
    tmp_path: Path, encoding: str
) -> None:
    """64 MiB of decoded body (a 64 KiB gzip bomb, or plain bytes) against the default cap of
    8 MiB: the guard stops at the cap, holding little more than the cap in memory."""
    body = b"0" * (64 * MiB)
    wire = gzip.compress(body, compresslevel=9) if encoding == "gzip" else body
    headers = {"Content-Type": "application/json", "Content-Length": str(len(wire))}
    if encoding == "gzip":
        headers["Content-Encoding"] = "gzip"
    answer: list[Part] = [(0.0, head(200, headers)), (0.0, wire)]
    with HostileProduction(lambda _: answer) as prod:
        guard = _guard(prod.base_url, tmp_path)
        with httpx.Client(transport=guard) as client:
            peak, error = _peak_while(lambda: client.get(prod.base_url + "/genres"))
        guard.shutdown()
    del body, wire
    assert isinstance(error, ContractError), error
    assert "larger than 8388608 decoded bytes" in str(error)
    assert peak < 24 * MiB, f"the client grew by {peak / MiB:.0f} MiB"


# -- 8. Retry-After in every form --------------------------------------------------------------


class FakeTime:
    """A clock that sleeping advances (the pace's injectable clock and sleep)."""

    def __init__(self) -> None:
        self.now = time.time()
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _first_429(retry_after: bytes) -> HostileProduction:
    def script(request: Received) -> Iterable[Part]:
        if len(prod.seen) == 1:
            return [(0.0, head(429, [(b"Retry-After", retry_after), (b"Content-Length", b"0")]))]
        return json_answer(200, OK)

    prod = HostileProduction(script)
    return prod


def test_retry_after_as_an_http_date_is_waited_out(tmp_path: Path) -> None:
    fake = FakeTime()
    when = email.utils.formatdate(fake.now + 7, usegmt=True).encode()
    with _first_429(when) as prod:
        pace = Pace(tmp_path / "pace.json", 10, 6000, sleep=fake.sleep, clock=fake.clock)
        guard = _guard(prod.base_url, tmp_path, pace=pace)
        with httpx.Client(transport=guard) as client:
            assert client.get(prod.base_url + "/genres").status_code == 200
        guard.shutdown()
    assert len(prod.seen) == 2
    assert 6.0 <= max(fake.sleeps) <= 7.0, fake.sleeps  # until the date (whole seconds)


@pytest.mark.parametrize("garbled", [b"\xb2", b"soon", b"-3", b"1.5e9"])
def test_a_garbled_retry_after_falls_back_to_a_bounded_backoff(
    tmp_path: Path, garbled: bytes
) -> None:
    """``Retry-After: ²`` (latin-1) used to crash with a ValueError."""
    fake = FakeTime()
    with _first_429(garbled) as prod:
        pace = Pace(tmp_path / "pace.json", 10, 6000, sleep=fake.sleep, clock=fake.clock)
        guard = _guard(prod.base_url, tmp_path, pace=pace)
        with httpx.Client(transport=guard) as client:
            assert client.get(prod.base_url + "/genres").status_code == 200
        guard.shutdown()
    assert max(fake.sleeps) == 2.0  # the docs' backoff, first step


# -- 9. the shared pause holds a worker that already has its slot -------------------------------


def test_a_429_holds_a_worker_already_waiting_for_its_slot(tmp_path: Path) -> None:
    """Two workers (each its own pace and guard on one pace file) at 120/min: the second
    takes its slot (0.5 s out) while the first waits for its answer, ``429 Retry-After: 2``
    at 0.3 s; the second must wait those 2 s too."""

    def script(request: Received) -> Iterable[Part]:
        if len(prod.seen) == 1:
            return [(0.3, head(429, {"Retry-After": "2", "Content-Length": "0"}))]
        return json_answer(200, OK)

    prod = HostileProduction(script)
    with prod:
        guards = [
            _guard(prod.base_url, tmp_path, pace=Pace(tmp_path / "pace.json", 10, 120))
            for _ in range(2)
        ]

        def worker(guard: LiveGuard) -> None:
            with httpx.Client(transport=guard) as client:
                client.get(prod.base_url + "/genres")

        threads = [threading.Thread(target=worker, args=(g,)) for g in guards]
        threads[0].start()
        time.sleep(0.1)
        threads[1].start()
        for thread in threads:
            thread.join(20)
        for guard in guards:
            guard.shutdown()
    arrivals = sorted(r.at for r in prod.seen)
    assert len(arrivals) == 3  # the 429, its retry, the other worker's request
    assert all(t >= arrivals[0] + 0.3 + 2.0 - 0.05 for t in arrivals[1:]), [
        round(t - arrivals[0], 2) for t in arrivals
    ]


# -- review: the token lives in the guard, the allow-list is the live side's own ----------------


def test_no_client_handed_out_carries_the_token(tmp_path: Path) -> None:
    prod = FakeProduction()
    with BackgroundServer(prod.handler) as server:
        target = LiveTarget(API, server.base_url, SECRET, Pace(tmp_path / "p.json", 10, 6000))
        with target.client() as guarded, target.client(anonymous=True) as anonymous:
            assert "authorization" not in guarded.headers
            assert target.token is None
            assert SECRET not in target.secrets
            guarded.get("/genres")
            anonymous.get("/genres")
            # What a test could build from what it was handed: no credential in it.
            with httpx.Client(base_url=server.base_url, headers=guarded.headers) as bare:
                bare.get("/genres")
        target.shutdown()
    assert [auth for *_, auth in prod.seen] == [f"Bearer {SECRET}", "", ""]


def test_the_allow_list_does_not_follow_the_mock_routing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mock that routed everything (a bug, or a new behaviour) must not open production."""
    import mockserver

    everything = API.operations["genres.list"]
    monkeypatch.setattr(
        mockserver.Router, "match", lambda self, m, p: mockserver.Match(everything, {})
    )
    sent: list[httpx.Request] = []
    inner = httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    guard = LiveGuard(
        API,
        "https://open.beatpass.ca/api/v1",
        Pace(tmp_path / "pace.json", 10, 6000),
        transport=inner,
    )
    with httpx.Client(transport=guard) as client, pytest.raises(LiveGuardError):
        client.get("https://open.beatpass.ca/api/v1/admin/users")
    assert sent == []


@pytest.mark.usefixtures("isolated_coverage")
def test_a_body_that_stops_after_the_head_fails_within_one_deadline(tmp_path: Path) -> None:
    """The head arrives in time, then nothing: reading the body may wait only for what is
    left of the deadline (before, a fresh read timeout started, then two retries of it)."""
    script = [
        (0.6, head(200, {"Content-Type": "application/json", "Content-Length": "100"})),
        (30.0, b"{}"),
    ]
    with HostileProduction(lambda _: script, timeout=40) as prod:
        guard = _guard(prod.base_url, tmp_path, deadline=1.5)
        started = time.monotonic()
        with (
            httpx.Client(transport=guard, timeout=1.5) as client,
            pytest.raises(ContractError) as info,
        ):
            client.get(prod.base_url + "/genres")
        elapsed = time.monotonic() - started
        guard.shutdown()
    assert elapsed < 2 * 1.5  # a bound, not a speed target: one deadline, not two or three
    assert "ReadTimeout before the answer was complete" in str(info.value)
    assert len(prod.seen) == 1, "a request that ran out its deadline is not sent again"
