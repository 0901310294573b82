"""What ``test_contract``'s property sends: offline, each drawn read in every tier of its
operation; a write, and a read live (where requests spend a budget), in one drawn tier."""

from __future__ import annotations

from pathlib import Path

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
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _sent(target: Target, op_id: str) -> list[tuple[str, Tier]]:
    """The (request, tier) of each request the property sent (the checks' own reads left out),
    in order."""
    session = Session(target)
    sent: list[tuple[str, Tier]] = []
    exercise = session.exercise

    def recorded(draft: Draft, tier: Tier) -> object:
        sent.append((f"{draft.path}?{draft.params}", tier))
        return exercise(draft, tier)

    session.exercise = recorded  # type: ignore[method-assign,assignment]
    keeps_contract(session, API.operations[op_id], FEW)
    session.close()
    return sent


def _mock() -> MockTarget:
    return MockTarget(BeatPassMock(seed=1, rate_limits=False))


def test_an_offline_read_is_sent_anonymously_then_with_a_token_each_time_it_is_drawn() -> None:
    sent = _sent(_mock(), "tracks.show")  # optional auth: both tiers
    assert len(sent) == 2 * EXAMPLES
    for anonymous, token in zip(sent[::2], sent[1::2], strict=True):
        assert anonymous[0] == token[0]
        assert (anonymous[1], token[1]) == ("public", "token")


def test_a_write_is_sent_in_one_drawn_tier_per_example() -> None:
    sent = _sent(_mock(), "producer_intelligence.tracks.growth_batch")  # a write of both tiers
    assert 0 < len(sent) <= EXAMPLES
    assert {tier for _, tier in sent} <= {"public", "token"}


def test_a_live_read_is_sent_in_one_drawn_tier_per_example(tmp_path: Path) -> None:
    prod = FakeProduction()
    with BackgroundServer(prod.handler) as server:
        target = LiveTarget(API, server.base_url, SECRET, Pace(tmp_path / "pace.json", 50, 60000))
        sent = _sent(target, "genres.show")  # optional auth: both tiers
        target.shutdown()
    # Each example spends one request of the budget: sent in both tiers, six examples of
    # the five genres the target lists would be twelve requests.
    assert 4 <= len(sent) <= EXAMPLES
