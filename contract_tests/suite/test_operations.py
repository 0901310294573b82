"""One property test per operation: valid requests get answers that keep the contract."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st

import spec
from contract_tests import run_property, suite_settings
from contract_tests._requests import Draft
from contract_tests._session import Session
from spec import Operation, Tier

API = spec.load()

READS = sorted(i for i, op in API.operations.items() if op.read_only)
WRITES = sorted(i for i, op in API.operations.items() if not op.read_only)


def keeps_contract(session: Session, op: Operation, settings_: settings | None = None) -> int:
    """The contract property of one operation: valid requests get answers that keep it.
    Returns how many requests were drawn.

    A read changes nothing, so each drawn read is sent in every tier the operation has (an
    anonymous caller and one with a token, where it has both) and each answer is checked: every
    drawn request meets both tiers, and Hypothesis's cost of drawing it is paid once. Live,
    where each request spends the run's budget, a read draws that many times fewer requests, so
    it spends what one tier would. Any other operation is sent once per drawn request, in a
    drawn tier: a write changes what the next request meets."""
    requests = session.strategies.valid(op)
    chosen = settings_ if settings_ is not None else suite_settings()
    drawn = [0]
    # One argument drawn, not two, nor through st.data(): Hypothesis snapshots the global
    # random state around each argument's draw, and this is the suite's hottest loop.
    if op.read_only:
        tiers = op.tiers
        if session.target.live:
            chosen = settings(chosen, max_examples=max(1, chosen.max_examples // len(tiers)))

        def read_keeps_the_contract(request: Draft) -> None:
            drawn[0] += 1
            for tier in tiers:
                session.exercise(request, tier)

        run_property(read_keeps_the_contract, chosen, request=requests)
        return drawn[0]

    def answer_keeps_the_contract(case: tuple[Draft, Tier]) -> None:
        drawn[0] += 1
        request, tier = case
        session.exercise(request, tier)

    run_property(
        answer_keeps_the_contract, chosen, case=st.tuples(requests, st.sampled_from(op.tiers))
    )
    return drawn[0]


@pytest.mark.parametrize("op_id", READS)
def test_contract(beatpass_session: Session, op_id: str) -> None:
    keeps_contract(beatpass_session, API.operations[op_id])


@pytest.mark.beatpass_writes
@pytest.mark.parametrize("op_id", WRITES)
def test_contract_write(beatpass_session: Session, op_id: str) -> None:
    keeps_contract(beatpass_session, API.operations[op_id])
