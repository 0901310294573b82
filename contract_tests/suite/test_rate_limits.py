"""Rate limits: the request after the limit gets 429 with Retry-After and the documented body;
once the window passes (the mock's clock is advanced, nothing sleeps) requests succeed again.

These send hundreds of requests on purpose, so they never run live.
"""

from __future__ import annotations

import random

import pytest

import spec
from contract_tests._exchange import Exchange
from contract_tests._failures import RateLimitNotEnforced
from contract_tests._requests import build
from contract_tests._session import Session
from contract_tests._target import MockTarget
from mockserver import BeatPassMock
from spec import Tier

API = spec.load()
CHECKS = (
    "status_code_conformance",
    "rate_limit_headers_present",
    "error_body_format",
    "retry_after_on_429",
)


def _representative(category: str) -> str:
    """The cheapest operation of a category: a read if there is one."""
    ops = [op for op in API.operations.values() if op.rate_limit == category]
    ops.sort(key=lambda op: (not op.read_only, len(op.path_params), op.id))
    return ops[0].id


CATEGORIES = sorted({op.rate_limit for op in API.operations.values()})


@pytest.mark.beatpass_offline_only
@pytest.mark.parametrize("category", CATEGORIES)
def test_limit_then_429_then_recovery(category: str) -> None:
    limit = API.policies.categories[category].limit
    op = API.operations[_representative(category)]
    mock = BeatPassMock(seed=2)
    target = MockTarget(mock)
    draft = build(op, target.ids, random.Random(category))
    tier: Tier = "token" if "token" in op.tiers else "public"
    # The test's own mock, not the run's target: its answers are checked, not counted as the
    # target's (a 200 here says nothing of whether the target accepts valid requests).
    with Session(target, tally=False) as session:

        def send_expecting(limited: bool, expected: str) -> Exchange:
            ex = session.send(draft, tier)
            session.check(ex, CHECKS)
            if (ex.status == 429) != limited:
                raise RateLimitNotEnforced(
                    "rate_limit_enforced", op.id, ex.describe(), expected, ex.excerpt()
                )
            return ex

        remaining = [
            int(
                send_expecting(False, f"{limit} requests allowed").response.headers[
                    "X-RateLimit-Remaining"
                ]
            )
            for _ in range(limit)
        ]
        assert remaining == list(range(limit - 1, -1, -1)), (
            "X-RateLimit-Remaining must count down to 0"
        )
        limited = send_expecting(True, f"429 after {limit} requests in a window")
        wait = int(limited.response.headers["Retry-After"])
        assert wait == limited.body["retry_after"]
        mock.clock.advance(wait)  # type: ignore[union-attr]
        send_expecting(False, f"no 429 {wait}s later")
