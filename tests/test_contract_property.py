"""What ``test_contract``'s property sends: each drawn read in every tier of its operation
(live, where each request spends the budget, once, each distinct read in the next tier in
turn), any other operation once per drawn request, in a drawn tier."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from contract_tests import PROFILES, CheckContext, CheckFailure, MockTarget, Session, Target
from contract_tests._checks import run_checks
from contract_tests._live import Pace
from contract_tests._requests import Draft
from contract_tests._target import LiveTarget
from contract_tests.suite.test_operations import keeps_contract
from mockserver import BackgroundServer, BeatPassMock
from spec import Tier
from tests.live_helpers import API, SECRET, FakeProduction, Rewrite

EXAMPLES = 6
FEW = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _run(target: Target, op_id: str) -> tuple[int, list[Draft], list[tuple[Draft, Tier]]]:
    """What the property reported drawing, the requests its strategy drew, and the (request,
    tier) of each it sent (the checks' own reads left out), in order."""
    drawn: list[Draft] = []
    sent: list[tuple[Draft, Tier]] = []
    with Session(target) as session:
        valid, exercise = session.strategies.valid, session.exercise

        def recorded(draft: Draft, tier: Tier) -> object:
            sent.append((draft, tier))
            return exercise(draft, tier)

        def noted(draft: Draft) -> Draft:
            drawn.append(draft)
            return draft

        session.strategies.valid = lambda op: valid(op).map(noted)  # type: ignore[method-assign]
        session.exercise = recorded  # type: ignore[method-assign,assignment]
        try:
            reported = keeps_contract(session, API.operations[op_id], FEW)
        except pytest.skip.Exception as exc:  # a live budget spent: not what is tested here
            pytest.fail(f"the run was cut short: {exc}")
    return reported, drawn, sent


@contextmanager
def _live(pace_file: Path, rewrite: Rewrite | None = None) -> Iterator[LiveTarget]:
    prod = FakeProduction(rewrite=rewrite)
    with BackgroundServer(prod.handler) as server:
        target = LiveTarget(API, server.base_url, SECRET, Pace(pace_file, 50, 60_000))
        try:
            yield target
        finally:
            target.shutdown()


def _mock() -> MockTarget:
    return MockTarget(BeatPassMock(seed=1, rate_limits=False))


def test_a_read_is_sent_anonymously_then_with_a_token_each_time_it_is_drawn() -> None:
    reported, drawn, sent = _run(_mock(), "tracks.show")  # optional auth: both tiers
    assert reported == len(drawn) == EXAMPLES
    assert sent == [(draft, tier) for draft in drawn for tier in ("public", "token")]


def test_a_read_of_one_tier_is_sent_once_per_drawn_request() -> None:
    reported, drawn, sent = _run(_mock(), "users.me.liked_tracks.list")  # the token only
    assert reported == len(drawn) == EXAMPLES
    assert sent == [(draft, "token") for draft in drawn]


def test_a_write_is_sent_once_per_drawn_request_in_a_drawn_tier() -> None:
    # The one write an anonymous caller may also send (a batch read sent as a POST).
    reported, drawn, sent = _run(_mock(), "producer_intelligence.tracks.growth_batch")
    assert reported == len(sent) == EXAMPLES
    remaining = iter(drawn)  # each one sent is one drawn, in the order drawn
    assert all(any(draft is d for d in remaining) for draft, _ in sent)
    assert {tier for _, tier in sent} == {"public", "token"}  # drawn: these six draw both


def test_a_live_read_is_sent_once_per_drawn_request_in_the_tiers_in_turn(tmp_path: Path) -> None:
    with _live(tmp_path / "pace.json") as target:
        reported, drawn, sent = _run(target, "tracks.show")  # optional auth: both tiers
    assert reported == len(drawn) == EXAMPLES  # one request each: what one tier would spend
    assert len({(d.path, tuple(d.params.items())) for d in drawn}) == EXAMPLES
    assert sent == [(draft, ("public", "token")[i % 2]) for i, draft in enumerate(drawn)]


def test_a_live_read_of_one_tier_is_sent_once_per_drawn_request(tmp_path: Path) -> None:
    with _live(tmp_path / "pace.json") as target:
        reported, drawn, sent = _run(target, "users.me.liked_tracks.list")  # the token only
    assert reported == len(drawn) == EXAMPLES
    assert sent == [(draft, "token") for draft in drawn]


def _no_rate_headers_with_the_token(
    request: httpx.Request, response: httpx.Response
) -> httpx.Response:
    """Drift on the token tier only, and only where the checks' own reads do not look."""
    if not request.headers.get("authorization"):
        return response
    kept = {k: v for k, v in response.headers.items() if not k.lower().startswith("x-ratelimit")}
    return httpx.Response(response.status_code, content=response.content, headers=kept)


def test_a_live_failure_is_replayed_in_the_tier_it_failed_in(tmp_path: Path) -> None:
    # Hypothesis runs a failing example again to report it (the live profile does not shrink):
    # met in another tier, the replay would pass and the failure be reported as flaky, not as
    # the check that failed.
    live = settings(FEW, phases=PROFILES["live"]["phases"])
    with (
        _live(tmp_path / "pace.json", _no_rate_headers_with_the_token) as target,
        Session(target) as session,
        pytest.raises(CheckFailure, match=r"rate_limit_headers_present(.|\n)*with a token"),
    ):
        keeps_contract(session, API.operations["tracks.show"], live)


def test_a_failed_comparison_is_made_again_when_asked_again() -> None:
    # referenced_ids_resolve reads a few of the records an operation's answers name, each once
    # a run. Hypothesis replays a failing example to report it: the replay must make the failed
    # read again and fail again, not skip it as made, pass, and be reported as flaky.
    mock = BeatPassMock(seed=1, rate_limits=False)
    with Session(MockTarget(mock)) as session, mock.client() as client:
        track = next(
            body["track"]
            for i in range(1, 50)
            if len((body := client.get(f"/tracks/{i}").json())["track"]["artists"]) >= 2
        )
        unknown = f"/artists/{track['artists'][0]['id']}"  # the first of two artists

        def read(op_id: str, path: str, tier: Tier = "token") -> object:
            return None if path == unknown else session.read(op_id, path, tier)

        ctx = CheckContext(API, facts=None, read=read)  # as live: no store to ask
        ex = session.send(Draft(API.operations["tracks.show"], f"/tracks/{track['id']}"), "token")
        for _ in range(2):
            failures = run_checks(ctx, ex, ("referenced_ids_resolve",))
            assert [failure.check for failure in failures] == ["referenced_ids_resolve"]
