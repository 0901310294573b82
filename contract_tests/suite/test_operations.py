"""One property test per operation: valid requests get answers that keep the contract."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spec
from contract_tests import suite_settings
from contract_tests._session import Session

API = spec.load()
READS = sorted(op_id for op_id, op in API.operations.items() if op.read_only)
WRITES = sorted(op_id for op_id, op in API.operations.items() if not op.read_only)


def _run(session: Session, op_id: str, data: st.DataObject) -> None:
    op = API.operations[op_id]
    draft = data.draw(session.strategies.valid(op), label="request")
    tier = data.draw(st.sampled_from(op.tiers), label="tier")
    session.exercise(draft, tier)


@pytest.mark.parametrize("op_id", READS)
@suite_settings()
@given(data=st.data())
def test_contract(beatpass_session: Session, op_id: str, data: st.DataObject) -> None:
    _run(beatpass_session, op_id, data)


@pytest.mark.beatpass_writes
@pytest.mark.parametrize("op_id", WRITES)
@suite_settings()
@given(data=st.data())
def test_contract_write(beatpass_session: Session, op_id: str, data: st.DataObject) -> None:
    _run(beatpass_session, op_id, data)
