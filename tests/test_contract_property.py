"""What ``test_contract``'s property sends: each drawn read in every tier of its operation
(live, with as many times fewer draws, so that a read spends what one tier would), any other
operation once per drawn request, in a drawn tier."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from contract_tests import MockTarget, Session, Target
from contract_tests._live import Pace
from contract_tests._requests import Draft
from contract_tests._target import LiveTarget
from contract_tests.suite.test_operations import keeps_contract
from mockserver import BackgroundServer, BeatPassMock
from spec import Tier
from tests.live_helpers import API, SECRET, FakeProduction

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
def _live(pace_file: Path) -> Iterator[LiveTarget]:
    prod = FakeProduction()
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


def test_a_live_read_draws_half_as_often_and_sends_each_draw_in_both_tiers(
    tmp_path: Path,
) -> None:
    with _live(tmp_path / "pace.json") as target:
        reported, drawn, sent = _run(target, "genres.show")  # optional auth: both tiers
    assert reported == len(drawn) == EXAMPLES // 2  # as many requests as one tier would send
    assert sent == [(draft, tier) for draft in drawn for tier in ("public", "token")]
