"""Beat requests as beat-requests.mdx states them, every figure read from the spec's rules."""

from __future__ import annotations

import datetime

import pytest

import spec
from mockserver import BeatPassMock, ManualClock

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


def _at(text: str) -> float:
    return datetime.datetime.fromisoformat(text).timestamp()


def test_the_allowance_is_the_calendar_month_of_the_create_request_example() -> None:
    """The docs' example: on 2025-01-15 14:30 UTC, with 2 tokens already spent that month, a
    24-hour request leaves 2 of 5, used_this_month 3, reset_date 2025-02-01, 16 days to go."""
    api = BeatPassMock(seed=0, clock=ManualClock(start=_at("2025-01-14T09:00:00+00:00")))
    me = api.client(token=api.issue_token(35))
    assert me.post("/beat-requests", json={**BODY, "duration_hours": 48}).status_code == 201
    api.clock.advance(_at("2025-01-15T14:30:00+00:00") - api.clock.now())
    info = me.post("/beat-requests", json={**BODY, "duration_hours": 24}).json()["token_info"]
    assert (info["tokens_remaining"], info["tokens_spent"], info["used_this_month"]) == (2, 1, 3)
    assert (info["reset_date"], info["days_until_reset"]) == ("2025-02-01", 16)
    short = me.post("/beat-requests", json={**BODY, "duration_hours": 72})
    assert short.status_code == 429
    assert short.json()["message"] == (
        "You need 3 tokens for a 72-hour request, but you only have 2 tokens."
    )
    assert int(short.headers["Retry-After"]) == _at("2025-02-01T00:00:00+00:00") - api.clock.now()


def test_spent_tokens_come_back_whole_on_the_first_of_the_month() -> None:
    api = BeatPassMock(seed=0, clock=ManualClock(start=_at("2025-01-31T23:00:00+00:00")))
    me = api.client(token=api.issue_token(35))
    for hours in (72, 48):
        assert me.post("/beat-requests", json={**BODY, "duration_hours": hours}).status_code == 201
    status = me.get("/beat-requests/user/rate-limit-status").json()["data"]
    assert (status["tokens_remaining"], status["reset_date"]) == (0, "2025-02-01")
    api.clock.advance(3600)  # 2025-02-01 00:00 UTC: a new month, however recent the spends
    status = me.get("/beat-requests/user/rate-limit-status").json()["data"]
    assert (status["tokens_remaining"], status["used_this_month"]) == (5, 0)
    assert status["reset_date"] == "2025-03-01"


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
