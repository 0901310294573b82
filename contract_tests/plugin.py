"""The pytest plugin (entry point ``pytest11``): fixtures, the marker, options and the header.

    def test_track_title(beatpass_client):
        r = beatpass_client.get("/tracks/1")
        assert r.json()["track"]["name"]

``beatpass_mock`` is a fresh, seeded mock patched into httpx for the test (requests to any
other host fail loudly); ``@pytest.mark.beatpass_mock(seed=3, rate_limits=False)`` configures
it, and an unknown keyword is an error, not a silent default.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import httpx
import pytest

import spec
from mockserver import BeatPassMock

from . import _liveoptions as opts
from ._coverage import DEFAULT_MIN_SUCCESS, Recorder, min_success, pop, push
from ._files import writable_file
from ._heap import freeze, thaw
from ._livemode import LiveSettings, XdistHooks, deselect_for_live, settings_from
from ._outputs import redact_report
from ._profiles import ENV, PROFILES, activate, active, register_with_hypothesis, resolve
from ._report import build as build_report
from ._report import write as write_report
from ._session import Session
from ._target import MockTarget, Target


@dataclass(frozen=True)
class MockOptions:
    """What ``@pytest.mark.beatpass_mock(...)`` may set (keyword-only, so a typo fails)."""

    seed: int = 0
    tokens: tuple[str, ...] = ("mock-token",)
    rate_limits: bool = True
    faults: tuple[dict[str, Any], ...] = field(default=())
    """Each is passed to ``BeatPassMock.inject``, e.g. ``{"status": 503, "operations": "x.y"}``."""

    @classmethod
    def from_marker(cls, marker: pytest.Mark | None) -> MockOptions:
        if marker is None:
            return cls()
        if marker.args:
            raise pytest.UsageError("beatpass_mock marker takes keyword arguments only")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(marker.kwargs) - known)
        if unknown:
            raise pytest.UsageError(
                f"beatpass_mock marker: unknown option(s) {', '.join(unknown)}; "
                f"expected {', '.join(sorted(known))}"
            )
        kwargs = dict(marker.kwargs)
        for key in ("tokens", "faults"):
            if key in kwargs:
                value = kwargs[key]
                kwargs[key] = (value,) if isinstance(value, (str, dict)) else tuple(value)
        return cls(**kwargs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("beatpass", "BeatPass contract suite")
    group.addoption(
        "--beatpass-profile",
        choices=sorted(PROFILES),
        default=None,
        help=f"Hypothesis profile of the contract suite (default: ${ENV} or ci; live runs: live)",
    )
    group.addoption(
        "--beatpass-coverage",
        metavar="FILE",
        default=None,
        help="write the endpoint and status coverage of the run as JSON",
    )
    group.addoption(
        "--beatpass-seed", type=int, default=0, help="seed of the offline mock's dataset"
    )
    group.addoption(
        "--beatpass-live",
        action="store_true",
        help="run the read-only properties against the real API (token from $BEATPASS_TOKEN)",
    )
    group.addoption(
        "--beatpass-base-url",
        metavar="URL",
        default=None,
        help="API base URL for live runs (default: $BEATPASS_BASE_URL or production)",
    )
    group.addoption(
        "--beatpass-max-requests",
        type=opts.max_requests,
        default=None,
        metavar="N",
        help="hard cap on live requests, all workers together, at least 1 "
        f"(default {opts.DEFAULT_MAX_REQUESTS})",
    )
    group.addoption(
        "--beatpass-rate",
        type=opts.rate,
        default=None,
        metavar="N",
        help="live requests per minute, all workers together, finite and positive "
        f"(default {opts.DEFAULT_RATE:g})",
    )
    group.addoption(
        "--beatpass-deadline",
        type=opts.seconds,
        default=None,
        metavar="SECONDS",
        help="live: deadline for each whole request, last byte included "
        f"(default {opts.DEFAULT_DEADLINE:g})",
    )
    group.addoption(
        "--beatpass-max-response-bytes",
        type=opts.max_bytes,
        default=None,
        metavar="N",
        help=f"live: cap on each answer's decoded size (default {opts.DEFAULT_MAX_BYTES})",
    )
    group.addoption(
        "--beatpass-min-success",
        type=min_success,
        default=DEFAULT_MIN_SUCCESS,
        metavar="SHARE",
        help="fail the run when fewer than this share of the operations tried with valid "
        f"requests got a success answer at least once (default {DEFAULT_MIN_SUCCESS})",
    )
    group.addoption(
        "--beatpass-no-gc-freeze",
        action="store_true",
        help="leave the garbage collector as it is (by default, once a run that uses a "
        "beatpass_* fixture is collected, what is alive then is frozen out of its full "
        "collections until the session ends; see the README)",
    )
    group.addoption(
        "--beatpass-report",
        metavar="FILE",
        default=None,
        help="write a drift report (JSON if FILE ends in .json, else Markdown)",
    )


LIVE_KEY = pytest.StashKey[LiveSettings]()
HEADER_KEY = pytest.StashKey[bool]()
# At import, before Hypothesis's own plugin loads the profile named by --hypothesis-profile.
register_with_hypothesis()


def _choose_profile(config: pytest.Config) -> None:
    """Activate the suite's profile; an unknown name, from any source, is a usage error."""
    hypothesis = config.getoption("--hypothesis-profile", None)
    if hypothesis is not None:
        from hypothesis import settings
        from hypothesis.errors import InvalidArgument

        try:
            settings.get_profile(hypothesis)
        except InvalidArgument:
            raise pytest.UsageError(
                f"--hypothesis-profile {hypothesis}: no Hypothesis profile of that name; "
                f"the contract suite's are {', '.join(PROFILES)}"
            ) from None
    try:
        activate(
            resolve(
                config.getoption("--beatpass-profile", None),
                hypothesis=hypothesis,
                live=bool(config.getoption("--beatpass-live", False)),
            )
        )
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(tryfirst=True)  # before Hypothesis's plugin turns a bad profile into INTERNALERROR
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.pluginmanager.hook, "pytest_testnodedown") and not hasattr(
        config, "workerinput"
    ):
        config.pluginmanager.register(XdistCoverage(), "beatpass-xdist-coverage")
    _choose_profile(config)
    if not hasattr(config, "workerinput"):  # the controller writes them, not each worker
        for option in ("--beatpass-coverage", "--beatpass-report"):
            given = config.getoption(option, None)
            if given:
                try:  # and the path checked is the path written
                    checked = writable_file(given, option)
                except ValueError as exc:
                    raise pytest.UsageError(str(exc)) from None
                setattr(config.option, option.lstrip("-").replace("-", "_"), str(checked))
    if config.getoption("--beatpass-live", False):
        live = settings_from(config)
        config.stash[LIVE_KEY] = live
        if hasattr(config.pluginmanager.hook, "pytest_testnodedown") and not hasattr(
            config, "workerinput"
        ):
            config.pluginmanager.register(XdistHooks(live), "beatpass-live-xdist")
    config.addinivalue_line(
        "markers",
        "beatpass_mock(seed=0, tokens=('mock-token',), rate_limits=True, faults=()): "
        "configure the beatpass_mock fixture",
    )
    config.addinivalue_line(
        "markers", "beatpass_writes: the test sends writes (skipped in live runs)"
    )
    config.addinivalue_line(
        "markers", "beatpass_offline_only: sends many requests on purpose (skipped in live runs)"
    )


_SUITE = re.compile(r"contract_tests[./\\]suite")


def _header(config: pytest.Config) -> str:
    live = config.stash.get(LIVE_KEY, None)
    if live is None:
        return f"beatpass-contract: target = offline mock (no network); profile = {active()}"
    return (
        f"beatpass-contract: target = LIVE {live.base_url} (read-only; at most "
        f"{live.max_requests} requests, {live.rate:g}/min); profile = {active()}"
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The target and profile, at the top of runs that ask for the suite or our options: a
    project that merely has the package installed sees nothing of it."""
    asked = (
        LIVE_KEY in config.stash
        or config.getoption("--beatpass-profile", None) is not None
        or any(_SUITE.search(str(arg)) for arg in config.args)
    )
    config.stash[HEADER_KEY] = asked
    return [_header(config)] if asked else []


def pytest_report_collectionfinish(
    config: pytest.Config, start_path: Any, items: list[pytest.Item]
) -> list[str]:
    """Otherwise the same line after collection, once a collected test uses our fixtures."""
    if config.stash.get(HEADER_KEY, False):
        return []
    return [_header(config)] if _uses_fixtures(items) else []


def _uses_fixtures(items: list[pytest.Item]) -> bool:
    return any(
        name.startswith("beatpass_") for item in items for name in getattr(item, "fixturenames", ())
    )


FROZE_KEY = pytest.StashKey[bool]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """A run of the suite (or of tests on our fixtures) freezes its long-lived heap once
    collected (``_heap``); any other run's collector is left alone."""
    wanted = not session.config.getoption("--beatpass-no-gc-freeze")
    # No second freeze where one is in place already (an enclosing session's, in pytester).
    if wanted and _uses_fixtures(session.items) and freeze():
        session.config.stash[FROZE_KEY] = True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LIVE_KEY in config.stash:
        deselect_for_live(items)


@pytest.fixture
def beatpass_target(request: pytest.FixtureRequest) -> Target:
    """Where the contract suite sends requests: a fresh offline mock (rate limits off, so
    properties exercise the operations; the rate-limit properties build their own), or, with
    ``--beatpass-live``, the real API behind the live guard."""
    live = request.config.stash.get(LIVE_KEY, None)
    if live is not None:
        return live.get_target()
    seed = request.config.getoption("--beatpass-seed", 0) or 0
    return MockTarget(BeatPassMock(seed=seed, rate_limits=False))


@pytest.fixture
def beatpass_session(beatpass_target: Target) -> Iterator[Session]:
    """A :class:`Session` (keep-alive clients with and without a token) on the target."""
    with Session(beatpass_target) as session:
        yield session


RECORDER_KEY = pytest.StashKey[Recorder]()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[RECORDER_KEY] = push()


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = config.stash.get(RECORDER_KEY, None)
    if recorder is not None:
        pop(recorder)
    live = config.stash.get(LIVE_KEY, None)
    if live is not None and live.target is not None:
        live.target.shutdown()
    if live is not None and live.owns_state_dir:
        shutil.rmtree(live.state_dir, ignore_errors=True)


class XdistCoverage:
    """Controller side of pytest-xdist (registered only when xdist is active, since its hooks
    are unknown to a plain pytest): merge each worker's coverage."""

    @staticmethod
    def pytest_testnodedown(node: Any, error: Any) -> None:
        data = getattr(node, "workeroutput", {}).get("beatpass_coverage")
        recorder = node.config.stash.get(RECORDER_KEY, None)
        if data and recorder is not None:
            recorder.merge(json.loads(data))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.stash.get(FROZE_KEY, False):
        thaw()
    workeroutput = getattr(session.config, "workeroutput", None)
    recorder = session.config.stash.get(RECORDER_KEY, None)
    if workeroutput is not None and recorder is not None:  # an xdist worker: report upwards
        workeroutput["beatpass_coverage"] = json.dumps(recorder.as_dict())
        return
    if recorder is None:
        return
    live_drift = LIVE_KEY in session.config.stash and (recorder.failures or recorder.drifts)
    if live_drift and session.exitstatus == 0:  # a live run that found drift never exits 0
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if exitstatus not in (0, 5):
        return
    threshold = session.config.getoption("--beatpass-min-success", DEFAULT_MIN_SUCCESS)
    if recorder.success_gate(spec.load(), threshold):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


FAILURES_KEY = pytest.StashKey[int]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Note the failures recorded before the test, to tell a drift later turned into a skip."""
    recorder = item.config.stash.get(RECORDER_KEY, None)
    item.stash[FAILURES_KEY] = sum(recorder.failures.values()) if recorder is not None else 0
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Live runs: a drift is never reported as a skip (Hypothesis replays a failing example,
    the replay finds the budget spent and skips), and nothing reported carries the token."""
    report = yield
    if LIVE_KEY not in item.config.stash:
        return report
    recorder = item.config.stash.get(RECORDER_KEY, None)
    before = item.stash.get(FAILURES_KEY, None)
    if (
        report.when == "call"
        and report.skipped
        and recorder is not None
        and before is not None
        and sum(recorder.failures.values()) > before
    ):
        report.outcome = "failed"
        report.longrepr = "a check failed, then the request budget ran out while confirming it"
        if recorder.drifts:
            drift = recorder.drifts[-1]
            report.longrepr = (
                f"{drift['title']} [{drift['check']}] (then the request budget ran out while "
                f"confirming it)\n  operation: {drift['operation']}\n  request:   "
                f"{drift['request']}\n  expected:  {drift['expected']}\n  observed:  "
                f"{drift['observed']}"
            )
    redact_report(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    report = yield
    if LIVE_KEY in collector.config.stash:
        redact_report(report)
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    recorder = config.stash.get(RECORDER_KEY, None)
    worker = getattr(config, "workeroutput", None) is not None
    live = config.stash.get(LIVE_KEY, None)
    if worker or recorder is None or (not recorder.requests and live is None):
        return
    api = spec.load()
    terminalreporter.section("beatpass contract coverage")
    for line in recorder.summary_lines(api):
        terminalreporter.write_line(line)
    gate = recorder.success_gate(api, config.getoption("--beatpass-min-success"))
    if gate:
        terminalreporter.write_line(f"{gate}: the run fails", red=True)
    path = config.getoption("--beatpass-coverage", None)
    if path:
        recorder.write_json(api, path, (live.token,) if live is not None else ())
    sent = live.pace().sent if live is not None else recorder.requests
    target = f"live {live.base_url}" if live is not None else "offline mock"
    report = build_report(recorder, api, target=target, requests_sent=sent)
    terminalreporter.write_line(f"drift: {report['summary']}")
    unchecked = report["operations_unchecked_budget_spent"]
    if unchecked:
        terminalreporter.write_line(
            f"unchecked: {len(unchecked)} operations left unchecked, the request budget was spent"
        )
    report_path = config.getoption("--beatpass-report", None)
    if report_path:
        write_report(report_path, report, (live.token,) if live is not None else ())
        terminalreporter.write_line(f"drift report written to {report_path}")


@pytest.fixture
def beatpass_mock(request: pytest.FixtureRequest) -> Iterator[BeatPassMock]:
    """A fresh, seeded BeatPass mock, patched into httpx for this test (skipped live); while
    it is active no other client (requests, urllib, aiohttp, a raw socket) can connect to the
    API's host, so nothing in the test reaches production."""
    if LIVE_KEY in request.config.stash:
        pytest.skip("live run: tests that need the mock are offline only")
    options = MockOptions.from_marker(request.node.get_closest_marker("beatpass_mock"))
    mock = BeatPassMock(seed=options.seed, tokens=options.tokens, rate_limits=options.rate_limits)
    for fault in options.faults:
        mock.inject(**fault)
    with mock:
        yield mock


@pytest.fixture
def beatpass_client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """An httpx client with the base URL and a valid token of the current target: the mock
    (patched in for the test), or live, the real API through the guard (reads only)."""
    live = request.config.stash.get(LIVE_KEY, None)
    if live is not None:
        with live.get_target().client() as client:
            yield client
        return
    mock: BeatPassMock = request.getfixturevalue("beatpass_mock")
    headers = {"Accept": "application/json"}
    if mock.token:  # tokens=[]: an anonymous client
        headers["Authorization"] = f"Bearer {mock.token}"
    with httpx.Client(base_url=mock.base_url, headers=headers) as client:
        yield client
