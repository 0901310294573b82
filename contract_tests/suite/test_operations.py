"""One property test per operation: valid requests get answers that keep the contract."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st

import spec
from contract_tests import run_property
from contract_tests._requests import Draft
from contract_tests._session import Session
from spec import Operation, Tier

API = spec.load()

READS = sorted(i for i, op in API.operations.items() if op.read_only)
WRITES = sorted(i for i, op in API.operations.items() if not op.read_only)


def keeps_contract(session: Session, op: Operation, settings_: settings | None = None) -> None:
    """The contract property of one operation: valid requests get answers that keep it.

    A read changes nothing, so offline each drawn read is sent in every tier the operation has
    (an anonymous caller and one with a token, where it has both) and each answer checked: both
    tiers are met on every drawn request, and Hypothesis's cost of drawing it is paid once. A
    write changes the state the next request meets, so each example is one write in a drawn
    tier; so is a read live, where every request spends the run's budget (spread over more
    operations)."""
    requests = session.strategies.valid(op)
    # One argument drawn, not two, nor through st.data(): Hypothesis snapshots the global
    # random state around each argument's draw, and this is the suite's hottest loop.
    if op.read_only and not session.target.live:
        tiers = op.tiers

        def read_keeps_the_contract(request: Draft) -> None:
            for tier in tiers:
                session.exercise(request, tier)

        run_property(read_keeps_the_contract, settings_, request=requests)
        return

    def answer_keeps_the_contract(case: tuple[Draft, Tier]) -> None:
        request, tier = case
        session.exercise(request, tier)

    run_property(
        answer_keeps_the_contract, settings_, case=st.tuples(requests, st.sampled_from(op.tiers))
    )


@pytest.mark.parametrize("op_id", READS)
def test_contract(beatpass_session: Session, op_id: str) -> None:
    keeps_contract(beatpass_session, API.operations[op_id])


@pytest.mark.beatpass_writes
@pytest.mark.parametrize("op_id", WRITES)
def test_contract_write(beatpass_session: Session, op_id: str) -> None:
    keeps_contract(beatpass_session, API.operations[op_id])
