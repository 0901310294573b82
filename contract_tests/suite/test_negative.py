"""Input that breaks the documented schema gets the documented rejection, never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

import spec
from contract_tests import run_property
from contract_tests._failures import WrongRejection
from contract_tests._requests import Draft
from contract_tests._session import Session
from contract_tests._strategies import can_break
from spec import Tier

API = spec.load()
BREAKABLE = sorted(op_id for op_id, op in API.operations.items() if can_break(API, op))


@pytest.mark.parametrize("op_id", BREAKABLE)
def test_invalid_input_rejected(beatpass_session: Session, op_id: str) -> None:
    op = API.operations[op_id]
    if not op.read_only and beatpass_session.target.live:
        pytest.skip("writes are never sent live, not even invalid ones")
    strategy = beatpass_session.strategies.invalid(op)
    assert strategy is not None
    tier: Tier = "token" if "token" in op.tiers else "public"

    def broken_input_is_rejected(data: st.DataObject) -> None:
        draft = data.draw(strategy, label="invalid request")
        ex = beatpass_session.send(draft, tier)
        beatpass_session.check(
            ex,
            (
                "status_code_conformance",
                "no_server_error",
                "error_body_format",
                "rate_limit_headers_present",
            ),
        )
        expected = 400 if draft.mutation == "malformed JSON" else 422
        # The path named a record the caller may not see, or a rule ran first: those are
        # documented answers too, but a 2xx means the broken input was accepted.
        if ex.status < 400 or (ex.status in (400, 422) and ex.status != expected):
            raise WrongRejection(
                "invalid_input_rejected",
                f"{op.id} ({op.method} {op.path})",
                ex.describe(),
                f"{expected} for {draft.mutation}",
                ex.excerpt(),
            )

    run_property(broken_input_is_rejected, data=st.data())


def _single_resource_read(op_id: str) -> bool:
    op = API.operations[op_id]
    return (
        op.read_only
        and len(op.path_params) == 1
        and op.path_params[0].resource is not None
        and 404 in op.responses
    )


UNKNOWN_ID_READS = sorted(op_id for op_id in API.operations if _single_resource_read(op_id))


@pytest.mark.parametrize("op_id", UNKNOWN_ID_READS)
def test_unknown_id_is_404(beatpass_session: Session, op_id: str) -> None:
    op = API.operations[op_id]
    param = op.path_params[0]
    unknown = "999999999" if param.schema.get("type") == "integer" else "does-not-exist-0"
    if param.schema.get("format") == "uuid":
        unknown = "00000000-0000-4000-8000-000000000000"
    draft = Draft(op, op.path.replace("{" + param.name + "}", unknown))
    tier: Tier = "token" if "token" in op.tiers else "public"
    ex = beatpass_session.send(draft, tier)
    beatpass_session.check(
        ex, ("status_code_conformance", "error_body_format", "rate_limit_headers_present")
    )
    if ex.status != 404:
        raise WrongRejection(
            "unknown_id_is_404",
            f"{op.id} ({op.method} {op.path})",
            ex.describe(),
            "404 for an id that does not exist",
            ex.excerpt(),
        )
