"""One property test per operation: valid requests get answers that keep the contract."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

import spec
from contract_tests import run_property
from contract_tests._requests import Draft
from contract_tests._session import Session
from spec import Tier

API = spec.load()

READS = sorted(i for i, op in API.operations.items() if op.read_only)
WRITES = sorted(i for i, op in API.operations.items() if not op.read_only)


def _keeps_contract(session: Session, op_id: str) -> None:
    op = API.operations[op_id]

    def answer_keeps_the_contract(case: tuple[Draft, Tier]) -> None:
        request, tier = case
        session.exercise(request, tier)

    # One argument drawn, not two, nor through st.data(): Hypothesis snapshots the global
    # random state around each argument's draw, and this is the suite's hottest loop.
    run_property(
        answer_keeps_the_contract,
        case=st.tuples(session.strategies.valid(op), st.sampled_from(op.tiers)),
    )


@pytest.mark.parametrize("op_id", READS)
def test_contract(beatpass_session: Session, op_id: str) -> None:
    _keeps_contract(beatpass_session, op_id)


@pytest.mark.beatpass_writes
@pytest.mark.parametrize("op_id", WRITES)
def test_contract_write(beatpass_session: Session, op_id: str) -> None:
    _keeps_contract(beatpass_session, op_id)
