"""Whole live runs of the shipped suite against a broken or hostile production on 127.0.0.1:
the token never shows in any output, in any form; bad options and ids stop the run before any
request; a drift is never a green run."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from contract_tests._cli import main
from contract_tests._live import Pace
from contract_tests._target import LiveTarget
from mockserver import BackgroundServer
from spec import LiveGuardError
from tests.hostile_production import HostileProduction, trickle
from tests.live_helpers import API, SECRET, FakeProduction, Rewrite, run_live


@contextmanager
def _served(rewrite: Rewrite | None = None) -> Iterator[tuple[FakeProduction, str]]:
    prod = FakeProduction(rewrite=rewrite)
    with BackgroundServer(prod.handler) as server:
        yield prod, server.base_url


@pytest.fixture
def fake() -> Iterator[tuple[FakeProduction, str]]:
    with _served() as served:
        yield served


def _texts(result: pytest.RunResult, *files: Path) -> list[str]:
    return [result.stdout.str(), result.stderr.str()] + [
        f.read_text(encoding="utf-8") for f in files if f.exists()
    ]


def _rebuilt(
    response: httpx.Response, content: bytes, status: int | None = None, **headers: str
) -> httpx.Response:
    replaced = {"content-length", *(k.lower() for k in headers)}
    kept = {k: v for k, v in response.headers.items() if k.lower() not in replaced}
    return httpx.Response(
        status or response.status_code, content=content, headers={**kept, **headers}
    )


def _outputs(tmp_path: Path) -> tuple[list[str], list[Path]]:
    files = [tmp_path / "junit.xml", tmp_path / "coverage.json", tmp_path / "drift.json"]
    args = [
        f"--junitxml={files[0]}",
        f"--beatpass-coverage={files[1]}",
        f"--beatpass-report={files[2]}",
    ]
    return args, files


# -- 1. and 2. at the scale of a run --------------------------------------------------------------


def test_a_trickling_production_fails_the_run_at_the_deadline_and_reports_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    report = tmp_path / "drift.json"
    body = b'{"genres": []}' * 20  # 70 s per request, a byte every 0.25 s
    with HostileProduction(lambda _: trickle(body, every=0.25), timeout=120) as prod:
        result = run_live(
            pytester,
            monkeypatch,
            prod.base_url,
            "--beatpass-deadline=1",
            "--beatpass-max-requests=2",
            "--beatpass-rate=60000",
            f"--beatpass-report={report}",
            "-k",
            "test_contract and genres.list",
        )
    assert result.ret != 0
    assert result.parseoutcomes().get("failed") == 1
    result.stdout.fnmatch_lines(["*the answer took longer than the deadline of 1 s*"])
    kinds = {
        d["kind"] for drifts in json.loads(report.read_text())["drifts"].values() for d in drifts
    }
    assert "answer too slow, too large or undecodable (live bounds)" in kinds


# -- 3. a token echoed in a response header ------------------------------------------------------


def test_a_token_echoed_in_a_header_is_in_no_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def echo(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return _rebuilt(response, response.content, **{"X-RateLimit-Limit": SECRET})

    args, files = _outputs(tmp_path)
    with _served(echo) as (_prod, base_url):
        result = run_live(
            pytester, monkeypatch, base_url, "--beatpass-rate=60000", *args, "-k", "genres"
        )
    assert result.ret != 0  # the header is not an integer: a drift
    assert "rate-limit headers" in files[2].read_text()
    for text in _texts(result, *files):
        assert SECRET not in text


# -- 4. a non-JSON list read during id discovery --------------------------------------------------


def test_a_non_json_list_during_id_discovery_is_no_traceback_and_no_token(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_json(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.rstrip("/").split("/")[-1].isdigit():
            return response
        return httpx.Response(
            200, text=f"authenticated with {SECRET}", headers={"Content-Type": "text/plain"}
        )

    monkeypatch.delenv("TEST_TRACK_ID", raising=False)
    with _served(not_json) as (prod, base_url):
        result = run_live(
            pytester,
            monkeypatch,
            base_url,
            "-l",
            "--tb=long",
            "--beatpass-rate=60000",
            "--beatpass-max-requests=40",
            "-k",
            "test_contract and tracks.show",
        )
    output = result.stdout.str() + result.stderr.str()
    assert any("/tracks" in path for _, _, path, _ in prod.seen)  # discovery did run
    assert "JSONDecodeError" not in output
    assert SECRET not in output


# -- 5. truncated, JSON-escaped and base64 forms --------------------------------------------------

SLASHED = "bp/live/SECRET/token/5a9c2e+q"


def test_truncated_escaped_and_base64_tokens_are_in_no_output(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Production answers an undocumented status, whose check quotes 300 characters of the
    body: the token JSON-escaped with ``\\/``, in base64 (alone and in a Basic credential),
    then raw, across the cut."""
    escaped = json.dumps(SLASHED).replace("/", "\\/")[1:-1]
    b64 = base64.b64encode(SLASHED.encode()).decode()
    basic = base64.b64encode(f"me:{SLASHED}".encode()).decode()

    def echo(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = f'{{"e": "{escaped}", "b": "{b64}", "c": "{basic}", "x": "'
        body = body.ljust(290, "x") + SLASHED + '"}'
        return _rebuilt(response, body.encode(), 418)

    args, files = _outputs(tmp_path)
    with _served(echo) as (_prod, base_url):
        result = run_live(
            pytester,
            monkeypatch,
            base_url,
            "--beatpass-rate=60000",
            *args,
            "-k",
            "test_contract and genres",
            token=SLASHED,
        )
    assert result.ret != 0  # an undocumented status: a drift
    assert "x" * 100 in files[2].read_text(), "the excerpt of the body is in the report"
    for text in _texts(result, *files):
        for form in (SLASHED[:8], escaped[:12], b64[:12], basic[4:16]):
            assert form not in text, form


# -- 6. a token that cannot be sent --------------------------------------------------------------


@pytest.mark.parametrize("bad", ["bp_live_\u200bSECRET_token", "bp_live_\nSECRET_token"])
def test_a_token_that_cannot_be_sent_is_refused_before_any_request(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakeProduction, str],
    bad: str,
) -> None:
    prod, base_url = fake
    result = run_live(pytester, monkeypatch, base_url, "-k", "genres", token=bad)
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*BEATPASS_TOKEN cannot be sent: character 9 is U+*"])
    assert prod.seen == []
    for text in _texts(result):
        assert "SECRET" not in text


def test_verify_refuses_a_token_that_cannot_be_sent_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEATPASS_TOKEN", "bp_live_SECRET\u200b_token")
    assert main(["verify", "--live", "--base-url", "http://127.0.0.1:9/api/v1"]) == 2
    err = capsys.readouterr().err
    assert "character 15 is U+200B (ZERO WIDTH SPACE)" in err
    assert "SECRET" not in err


# -- 7. a drift on the last budgeted request ------------------------------------------------------


def test_a_drift_when_the_budget_runs_out_is_not_a_green_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The last budgeted request drifts; Hypothesis replays it and finds the budget spent: the
    test is a failure (not a skip), the run exits non-zero, the rest is listed unchecked."""

    def drifted(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        return _rebuilt(response, response.content, **{"X-RateLimit-Remaining": "oops"})

    report = tmp_path / "drift.md"
    with _served(drifted) as (prod, base_url):
        result = run_live(
            pytester,
            monkeypatch,
            base_url,
            "--beatpass-max-requests=1",
            "--beatpass-rate=60000",
            f"--beatpass-report={report}",
            "-k",
            "test_contract and (genres.list or genres.show)",
        )
    assert len(prod.seen) == 1
    result.stdout.fnmatch_lines(["drift: 1 requests sent, 1 operations checked, 1 drifted*"])
    assert result.ret != 0, result.stdout.str()[-2000:]
    assert result.parseoutcomes().get("failed", 0) == 1
    result.stdout.fnmatch_lines(["*rate_limit_headers_present*then the request budget ran out*"])
    result.stdout.fnmatch_lines(["unchecked: * operations left unchecked, the request budget*"])
    assert "Left unchecked, the request budget was spent" in report.read_text()


# -- 10. options validated -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        "--beatpass-max-requests=0",
        "--beatpass-rate=0",
        "--beatpass-rate=nan",
        "--beatpass-rate=inf",
        "--beatpass-deadline=0",
        "--beatpass-max-response-bytes=-1",
    ],
)
def test_pytest_live_options_out_of_range_send_nothing(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakeProduction, str],
    option: str,
) -> None:
    prod, base_url = fake
    result = run_live(pytester, monkeypatch, base_url, option, "-k", "test_contract and genres")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{option.split('=')[0]}*out of range*"])
    assert prod.seen == []


@pytest.mark.parametrize("rate", ["nan", "inf", "-inf", "0"])
def test_verify_refuses_a_rate_that_is_not_finite_and_positive(
    rate: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BEATPASS_TOKEN", SECRET)
    with pytest.raises(SystemExit) as info:
        main(["verify", "--live", "--rate", rate, "--base-url", "http://127.0.0.1:9/api/v1"])
    assert info.value.code == 2
    assert "argument --rate" in capsys.readouterr().err


# -- 11. a base URL with userinfo ----------------------------------------------------------------


def test_a_base_url_with_a_password_is_refused_without_showing_it(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakeProduction, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    prod, base_url = fake
    with_password = base_url.replace("http://", "http://someone:pa55w0rd@")
    result = run_live(pytester, monkeypatch, with_password, "-k", "test_contract and genres")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*base URL carries a user name or password*"])
    assert prod.seen == []
    capsys.readouterr()  # pytester's own echo of the command line
    assert main(["verify", "--live", "--base-url", with_password]) == 2
    assert all("pa55w0rd" not in text for text in [*_texts(result), *capsys.readouterr()])


# -- 12. dot segments in a placeholder id ---------------------------------------------------------


@pytest.mark.parametrize("value", ["..", ".", "%2e%2e", "1/../2"])
def test_a_dot_segment_test_id_stops_the_run_before_any_request(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    fake: tuple[FakeProduction, str],
    value: str,
) -> None:
    prod, base_url = fake
    monkeypatch.setenv("TEST_TRACK_ID", value)
    result = run_live(pytester, monkeypatch, base_url, "-k", "insights or tracks.show")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*TEST_TRACK_ID cannot be a path segment*"])
    assert prod.seen == []


def test_a_dot_segment_in_a_request_is_refused_before_httpx_drops_it(
    fake: tuple[FakeProduction, str], tmp_path: Path
) -> None:
    """``/tracks/..`` would go out as ``/tracks`` (a documented read): refused instead."""
    prod, base_url = fake
    target = LiveTarget(API, base_url, SECRET, Pace(tmp_path / "pace.json", 10, 6000))
    with target.client() as client:
        for path in ("/tracks/..", "/producer-intelligence/insights/tracks/.", "/tracks/%2e%2E"):
            with pytest.raises(LiveGuardError, match="dot"):
                client.get(path)
    target.shutdown()
    assert prod.seen == []
