"""Beat requests as beat-requests.mdx states them, every figure read from the spec's rules."""

from __future__ import annotations

import pytest

import spec
from mockserver import BeatPassMock

RULES = spec.load()
BODY = {"content": "Looking for a dark trap beat", "reference_track": "https://example.test/x"}


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=0)


def test_duration_tiers_are_the_documented_ones(api: BeatPassMock) -> None:
    answer = api.client().get("/beat-requests/duration-tiers").json()
    assert answer["data"] == RULES.rule("beat_requests.duration_tiers")
    assert [(t["hours"], t["tokens"]) for t in answer["data"]] == [(24, 1), (48, 2), (72, 3)]


def test_an_unknown_duration_is_400_invalid_duration(api: BeatPassMock) -> None:
    answer = api.client().post("/beat-requests", json={**BODY, "duration_hours": 25})
    assert (answer.status_code, answer.json()["message"]) == (400, "Invalid duration.")


def test_a_new_request_reports_its_cost_and_the_allowance(api: BeatPassMock) -> None:
    me = api.client(token=api.issue_token(35))
    made = me.post("/beat-requests", json={**BODY, "duration_hours": 48}).json()
    info = made["token_info"]
    allowance = RULES.rule("beat_requests.monthly_tokens")
    assert made["message"] == "Beat request created successfully! Active for 48 hours."
    assert (info["tokens_spent"], info["used_this_month"]) == (2, 2)
    assert info["tokens_remaining"] == allowance - 2
    assert (info["plan_type"], info["plan_name"]) == ("pro", "Pro Plan")
    status = me.get("/beat-requests/user/rate-limit-status").json()["data"]
    assert status["reset_date"] == info["reset_date"]
    assert status["tokens_remaining"] == info["tokens_remaining"]


def test_the_marketplace_lists_active_requests_and_counts_them(api: BeatPassMock) -> None:
    listed = api.client().get("/beat-requests").json()
    assert listed["count"] == len(listed["data"])
    now = api.clock.now()
    active = [r for r in api.records("BeatRequest") if r["_expires"] > now]
    assert {r["id"] for r in listed["data"]} == {r["id"] for r in active}
    stats = api.client().get("/beat-requests/statistics").json()["data"]
    assert stats["active_requests"] == listed["count"]
    assert stats["total_requests"] == len(api.records("BeatRequest"))
    assert stats["total_submissions"] == len(api.records("Submission"))
