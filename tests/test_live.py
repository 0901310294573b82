"""Live verification against a fake production server on 127.0.0.1 that records every
request it receives: what arrives is only ever reads, within the budget and the pace, and the
token appears nowhere in what the run prints or writes."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests._live import BudgetExhausted, LiveGuard, Pace
from mockserver import BackgroundServer
from spec import ContractError, LiveGuardError
from tests.live_helpers import API, SECRET, FakeProduction, run_live


@pytest.fixture
def fake() -> Iterator[tuple[FakeProduction, str]]:
    prod = FakeProduction()
    with BackgroundServer(prod.handler) as server:
        yield prod, server.base_url


# -- the guard on its own ------------------------------------------------------------------------


class Recording(httpx.BaseTransport):
    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, json={"status": "success"})


def _guard(
    tmp_path: Path, *, max_requests: int = 10, rate: float = 6000
) -> tuple[LiveGuard, Recording]:
    inner = Recording()
    pace = Pace(tmp_path / "pace.json", max_requests, rate)
    return LiveGuard(
        API, "https://open.beatpass.ca/api/v1", pace, secrets=(SECRET,), transport=inner
    ), inner


@pytest.mark.parametrize(
    ("method", "url", "why"),
    [
        ("POST", "https://open.beatpass.ca/api/v1/tracks", "GET and HEAD only"),
        ("PUT", "https://open.beatpass.ca/api/v1/playlists/1", "GET and HEAD only"),
        ("DELETE", "https://open.beatpass.ca/api/v1/tracks/1", "GET and HEAD only"),
        ("PATCH", "https://open.beatpass.ca/api/v1/tracks/1", "GET and HEAD only"),
        ("POST", "https://open.beatpass.ca/api/v1/tracks/1/purchase/initiate", "GET and HEAD only"),
        ("GET", "https://open.beatpass.ca/api/v1/admin/users", "not a documented read operation"),
        (
            "GET",
            "https://open.beatpass.ca/api/v1/tracks/1/secret",
            "not a documented read operation",
        ),
        ("GET", "https://open.beatpass.ca/api/v2/tracks", "not a documented read operation"),
        ("GET", "https://evil.example/api/v1/tracks", "not the API under test"),
        ("GET", "http://open.beatpass.ca/api/v1/tracks", "not the API under test"),
    ],
)
def test_guard_refuses_before_sending(tmp_path: Path, method: str, url: str, why: str) -> None:
    guard, inner = _guard(tmp_path)
    client = httpx.Client(transport=guard, headers={"Authorization": f"Bearer {SECRET}"})
    with client, pytest.raises(LiveGuardError) as info:
        client.request(method, url, json={"x": 1} if method != "GET" else None)
    assert why in str(info.value)
    assert SECRET not in str(info.value)
    assert inner.sent == []


def test_guard_lets_documented_reads_through_and_spends_the_budget(tmp_path: Path) -> None:
    guard, inner = _guard(tmp_path, max_requests=3)
    with httpx.Client(transport=guard) as client:
        for path in ("/api/v1/tracks", "/api/v1/tracks/7", "/api/v1/users/me/playlists"):
            assert client.get("https://open.beatpass.ca" + path).status_code == 200
        with pytest.raises(BudgetExhausted):
            client.get("https://open.beatpass.ca/api/v1/tracks")
    assert [r.url.path for r in inner.sent] == [
        "/api/v1/tracks",
        "/api/v1/tracks/7",
        "/api/v1/users/me/playlists",
    ]


def test_guard_paces_requests(tmp_path: Path) -> None:
    guard, inner = _guard(tmp_path, rate=300)  # one every 0.2 s
    started = time.monotonic()
    with httpx.Client(transport=guard) as client:
        for _ in range(6):
            client.get("https://open.beatpass.ca/api/v1/genres")
    assert time.monotonic() - started >= 5 * 0.2 - 0.01
    assert len(inner.sent) == 6


def test_a_429_with_retry_after_2_waits_at_least_2_seconds(
    fake: tuple[FakeProduction, str], tmp_path: Path
) -> None:
    prod, base_url = fake
    prod.first_429 = 1
    pace = Pace(tmp_path / "pace.json", 10, 6000)
    guard = LiveGuard(API, base_url, pace, secrets=(SECRET,))
    with httpx.Client(transport=guard, headers={"Authorization": f"Bearer {SECRET}"}) as client:
        answer = client.get(base_url + "/genres")
    guard.shutdown()
    assert answer.status_code == 200
    assert len(prod.seen) == 2
    assert prod.seen[1][0] - prod.seen[0][0] >= 2.0
    assert pace.sent == 2  # the retry counted against the budget


# -- whole live runs against the fake ------------------------------------------------------------


def test_live_run_sends_only_reads_within_budget_and_pace_across_workers(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakeProduction, str],
    tmp_path: Path,
) -> None:
    prod, base_url = fake
    junit, report = tmp_path / "junit.xml", tmp_path / "drift.json"
    budget, rate = 30, 240  # one request every 0.25 s, whatever the number of workers
    result = run_live(
        pytester,
        monkeypatch,
        base_url,
        "-n",
        "2",
        f"--beatpass-max-requests={budget}",
        f"--beatpass-rate={rate}",
        f"--junitxml={junit}",
        f"--beatpass-report={report}",
    )
    methods = {method for _, method, _, _ in prod.seen}
    assert methods <= {"GET", "HEAD"}, methods
    assert 0 < len(prod.seen) <= budget
    times = sorted(t for t, *_ in prod.seen)
    interval = 60 / rate
    # Each request waits for its slot, so the last one cannot arrive before (n-1) intervals
    # after the first slot; a delayed first arrival only shortens the span by its delay.
    assert times[-1] - times[0] >= (len(times) - 1) * interval - 0.5, "the shared pace was broken"
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(
        [f"*target = LIVE {base_url} (read-only; at most {budget} requests, {rate}/min)*"]
    )
    result.stdout.fnmatch_lines(
        [f"drift: {len(prod.seen)} requests sent, * operations checked, 0 drifted from the spec"]
    )
    outputs = [result.stdout.str(), result.stderr.str(), junit.read_text(), report.read_text()]
    assert all(SECRET not in text for text in outputs)
    assert all(
        auth == f"Bearer {SECRET}" or auth == "" or "bp_not_a_real" in auth
        for *_, auth in prod.seen
    )


def test_failing_live_run_never_prints_the_token(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Failures are where secrets leak: tracebacks, --showlocals, JUnit XML, reports."""
    prod = FakeProduction(rewrite=_drift)
    junit, report = tmp_path / "junit.xml", tmp_path / "drift.md"
    with BackgroundServer(prod.handler) as server:
        result = run_live(
            pytester,
            monkeypatch,
            server.base_url,
            "-l",
            "--tb=long",
            "--beatpass-max-requests=40",
            "--beatpass-rate=60000",
            f"--junitxml={junit}",
            f"--beatpass-report={report}",
            "-k",
            "genres",
        )
    assert result.parseoutcomes().get("failed", 0) >= 1  # the drift made tests fail
    for text in (result.stdout.str(), result.stderr.str(), junit.read_text(), report.read_text()):
        assert SECRET not in text


def test_live_run_without_a_token_stops_before_any_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fake: tuple[FakeProduction, str]
) -> None:
    prod, base_url = fake
    result = run_live(pytester, monkeypatch, base_url, token=None)
    assert result.ret != 0
    result.stderr.fnmatch_lines(
        ["*--beatpass-live needs a token: set BEATPASS_TOKEN*Nothing was sent*"]
    )
    assert prod.seen == []


def _drift(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """A production that drifted: a rich field for anonymous callers, an undocumented status, a
    missing rate-limit header, and a different error body."""
    path = request.url.path
    if response.headers.get("content-type") != "application/json":
        return response
    body = response.json()
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    status = response.status_code
    if (
        path.startswith("/api/v1/tracks/")
        and "authorization" not in request.headers
        and "track" in body
    ):
        body["track"]["price"] = 9.99
    if path.startswith("/api/v1/genres"):
        status = 418
    if path.startswith("/api/v1/albums"):
        headers.pop("x-ratelimit-remaining", None)
    if status == 404:
        body = {"status": "error", "error": "not_found"}
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def test_drift_report_names_each_drift(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    prod = FakeProduction(rewrite=_drift)
    report = tmp_path / "drift.json"
    monkeypatch.setenv("TEST_TRACK_ID", "3")
    with BackgroundServer(prod.handler) as server:
        result = run_live(
            pytester,
            monkeypatch,
            server.base_url,
            "--beatpass-max-requests=300",
            "--beatpass-rate=60000",
            f"--beatpass-report={report}",
            "-k",
            "genres or albums or tracks or unknown_id",
        )
    assert result.ret != 0
    data = json.loads(report.read_text())
    kinds = {(op.split(" ")[0], d["kind"]) for op, drifts in data["drifts"].items() for d in drifts}
    assert ("tracks.show", "fields beyond the documented public tier") in kinds
    assert any(op.startswith("genres") and kind == "undocumented status" for op, kind in kinds)
    assert any(
        op.startswith("albums") and kind == "missing or inconsistent rate-limit headers"
        for op, kind in kinds
    )
    assert any(kind == "error body not in the documented format" for _, kind in kinds)
    assert data["operations_drifted"] >= 4
    assert data["summary"].endswith("drifted from the spec")
    assert SECRET not in report.read_text()


def test_live_run_against_the_local_sandbox_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    prod = FakeProduction()
    with BackgroundServer(prod.mock.served_handler) as server:
        result = run_live(
            pytester,
            monkeypatch,
            server.base_url,
            "-n",
            "2",
            "--beatpass-max-requests=60",
            "--beatpass-rate=6000",
        )
    out = result.stdout.str()
    assert result.ret == 0, out[-3000:]
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes
    # Two workers share one budget, so which tests finish before it is spent depends on
    # scheduling: the floor is what any order leaves, not what one order happened to reach.
    assert outcomes["passed"] >= 10, out[-3000:]
    drift = re.search(r"drift: (\d+) requests sent, (\d+) operations checked, 0 drifted", out)
    assert drift is not None, out[-3000:]
    assert int(drift[1]) == 60
    assert int(drift[2]) >= 10


def test_offline_runs_never_touch_the_network(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import socket
        import pytest

        @pytest.fixture(autouse=True)
        def no_network(monkeypatch):
            def refuse(*args, **kwargs):
                raise AssertionError(f"network access attempted: {args!r}")
            monkeypatch.setattr(socket.socket, "connect", refuse)
            monkeypatch.setattr(socket.socket, "connect_ex", refuse)
            monkeypatch.setattr(socket, "getaddrinfo", refuse)
            monkeypatch.setattr(socket, "create_connection", refuse)
        """
    )
    pytester.makepyfile(
        """
        import httpx

        def test_blocked(no_network):
            try:
                httpx.get("http://127.0.0.1:9/")
            except AssertionError as exc:
                assert "network access attempted" in str(exc)
            else:
                raise AssertionError("the socket guard did not trigger")

        def test_fixture(beatpass_client):
            assert beatpass_client.get("/tracks/1").status_code == 200
        """
    )
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--pyargs",
        "contract_tests.suite.test_operations",
        "contract_tests.suite.test_auth",
        "-k",
        "tracks or test_blocked or test_fixture",
        # A slice of the suite: some operations need state that only the whole run sets up
        # (a licence, a pin), so the success gate, a measure of whole runs, is not asked here.
        "--beatpass-min-success=0",
        ".",
    )
    assert result.ret == 0, result.stdout.str()[-2000:]
    assert result.parseoutcomes()["passed"] >= 10


class Flaky(httpx.BaseTransport):
    """Fails in a scripted way, then answers 200."""

    def __init__(self, script: list[int | type[Exception]]) -> None:
        self.script = script
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        step = self.script[self.calls] if self.calls < len(self.script) else 200
        self.calls += 1
        if isinstance(step, type):
            raise step("boom", request=request)  # type: ignore[call-arg]
        return httpx.Response(
            step, json={"message": "Server Error"} if step >= 500 else {"status": "success"}
        )


def _flaky_guard(
    tmp_path: Path, script: list[int | type[Exception]]
) -> tuple[LiveGuard, Flaky, Pace]:
    inner = Flaky(script)
    pace = Pace(tmp_path / "pace.json", 10, 60000)
    guard = LiveGuard(
        API, "https://open.beatpass.ca/api/v1", pace, transport=inner, retry_wait=0.01
    )
    return guard, inner, pace


def test_5xx_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    guard, inner, pace = _flaky_guard(tmp_path, [503, 502])
    with httpx.Client(transport=guard) as client:
        assert client.get("https://open.beatpass.ca/api/v1/genres").status_code == 200
    assert (inner.calls, pace.sent) == (3, 3)
    guard, inner, pace = _flaky_guard(tmp_path / "2", [500, 500, 500, 500])
    (tmp_path / "2").mkdir()
    with httpx.Client(transport=guard) as client:
        assert (
            client.get("https://open.beatpass.ca/api/v1/genres").status_code == 500
        )  # reported, not hidden
    assert inner.calls == 3


@pytest.mark.usefixtures("isolated_coverage")  # its deliberate failure stays out of the summary
def test_a_timeout_fails_the_operation_once_without_the_token(tmp_path: Path) -> None:
    """Timeouts are capped by the deadline, so one is the deadline running out: the operation
    fails like any other bound (listed as drift) and is not sent again."""
    guard, inner, _ = _flaky_guard(tmp_path, [httpx.ReadTimeout] * 5)
    with (
        httpx.Client(transport=guard, headers={"Authorization": f"Bearer {SECRET}"}) as client,
        pytest.raises(ContractError) as info,
    ):
        client.get("https://open.beatpass.ca/api/v1/genres", params={"token": SECRET})
    assert inner.calls == 1
    assert "ReadTimeout before the answer was complete" in str(info.value)
    assert SECRET not in str(info.value)


def test_a_dropped_connection_is_retried_then_raised_without_the_token(tmp_path: Path) -> None:
    guard, inner, _ = _flaky_guard(tmp_path, [httpx.ReadError] * 5)
    with (
        httpx.Client(transport=guard, headers={"Authorization": f"Bearer {SECRET}"}) as client,
        pytest.raises(httpx.ReadError) as info,
    ):
        client.get("https://open.beatpass.ca/api/v1/genres", params={"token": SECRET})
    assert inner.calls == 3
    assert SECRET not in str(info.value)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/%2e%2e/playlists",
        "/api/v1/tracks/%2e%2e",
        "/api/v1/tracks/..%5Cadmin",
        "/api/v1/tracks/1%2F..%2F..%2Fadmin",
        "/api/v1/search/audio/1/a%00b/c",
    ],
)
def test_guard_refuses_encoded_traversal(tmp_path: Path, path: str) -> None:
    guard, inner = _guard(tmp_path)
    with httpx.Client(transport=guard) as client, pytest.raises(LiveGuardError) as info:
        client.get("https://open.beatpass.ca" + path)
    assert "path segment" in str(info.value)
    assert inner.sent == []


def test_a_huge_retry_after_stops_instead_of_hanging(
    fake: tuple[FakeProduction, str], tmp_path: Path
) -> None:
    prod, base_url = fake

    def forever(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return httpx.Response(
            429,
            json={"message": "Too Many Attempts.", "retry_after": 3600},
            headers={"Retry-After": "3600"},
        )

    prod.rewrite = forever
    guard = LiveGuard(API, base_url, Pace(tmp_path / "pace.json", 5, 6000), secrets=(SECRET,))
    started = time.monotonic()
    with (
        httpx.Client(transport=guard) as client,
        pytest.raises(LiveGuardError, match="asks to wait 3600 s"),
    ):
        client.get(base_url + "/genres")
    guard.shutdown()
    assert time.monotonic() - started < 5


def test_a_broken_budget_file_stops_the_run(tmp_path: Path) -> None:
    guard, inner = _guard(tmp_path)
    (tmp_path / "pace.json").write_text("{not json")
    with httpx.Client(transport=guard) as client, pytest.raises(LiveGuardError, match="unreadable"):
        client.get("https://open.beatpass.ca/api/v1/genres")
    assert inner.sent == []


def test_live_refuses_plain_http_to_a_remote_host(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_live(pytester, monkeypatch, "http://open.beatpass.ca/api/v1")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*refuses http:// for open.beatpass.ca*clear text*"])


def test_the_suite_cannot_reach_beyond_the_loopback() -> None:
    """The root conftest's guard is active in this very run."""
    with pytest.raises(httpx.ConnectError, match="tests may only use the loopback"):
        httpx.get("http://192.0.2.1/api/v1/tracks", timeout=1)  # TEST-NET-1: never routed
