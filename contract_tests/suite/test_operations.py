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


def keeps_contract(session: Session, op: Operation, settings_: settings | None = None) -> int:
    """The contract property of one operation: valid requests get answers that keep it.
    Returns how many requests were drawn.

    A read changes nothing, so each drawn read is sent in every tier the operation has (an
    anonymous caller and one with a token, where it has both) and each answer is checked: every
    drawn request meets both tiers, and Hypothesis's cost of drawing it is paid once. Live,
    where each request spends the run's budget, a read is sent once per drawn request instead,
    each distinct request in the next tier in turn (the first anonymously, the second with the
    token, ...; a replay of one meets its tier again): the profile's examples, both tiers met
    from two on. Any other operation is sent once per drawn request, in a drawn tier: it is not
    a read (a POST, even one the spec says only reads), and a write changes what the next
    request meets."""
    requests = session.strategies.valid(op)
    drawn = [0]
    # One argument drawn, not two, nor through st.data(): Hypothesis snapshots the global
    # random state around each argument's draw, and this is the suite's hottest loop.
    if op.read_only:
        tiers, live = op.tiers, session.target.live
        turns: dict[tuple[str, tuple[tuple[str, str], ...]], Tier] = {}

        def read_keeps_the_contract(request: Draft) -> None:
            drawn[0] += 1
            if not live:
                for tier in tiers:
                    session.exercise(request, tier)
                return
            key = (request.path, tuple(request.params.items()))
            session.exercise(request, turns.setdefault(key, tiers[len(turns) % len(tiers)]))

        run_property(read_keeps_the_contract, settings_, request=requests)
        return drawn[0]

    def answer_keeps_the_contract(case: tuple[Draft, Tier]) -> None:
        drawn[0] += 1
        request, tier = case
        session.exercise(request, tier)

    run_property(
        answer_keeps_the_contract, settings_, case=st.tuples(requests, st.sampled_from(op.tiers))
    )
    return drawn[0]


@pytest.mark.parametrize("op_id", READS)
def test_contract(beatpass_session: Session, op_id: str) -> None:
    keeps_contract(beatpass_session, API.operations[op_id])


@pytest.mark.beatpass_writes
@pytest.mark.parametrize("op_id", WRITES)
def test_contract_write(beatpass_session: Session, op_id: str) -> None:
    keeps_contract(beatpass_session, API.operations[op_id])
