"""Authentication is enforced: required operations refuse missing tokens, and every operation
that reads a token refuses invalid, expired and revoked ones, with 401 in the documented body."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spec
from contract_tests import suite_settings
from contract_tests._failures import AuthNotEnforced
from contract_tests._session import Session

API = spec.load()
REQUIRED = sorted(op_id for op_id, op in API.operations.items() if op.auth == "required")
TOKEN_READERS = sorted(op_id for op_id, op in API.operations.items() if op.auth != "none")
CHECKS = ("status_code_conformance", "error_body_format", "rate_limit_headers_present")


def _expect_401(session: Session, op_id: str, ex_tier: str, ex: object) -> None:
    from contract_tests._exchange import Exchange

    assert isinstance(ex, Exchange)
    session.check(ex, CHECKS)
    if ex.status != 401:
        raise AuthNotEnforced(
            "auth_enforced",
            f"{op_id} ({ex.op.method} {ex.op.path})",
            ex.describe(),
            f"401 for a request {ex_tier}",
            ex.excerpt(),
        )


@pytest.mark.parametrize("op_id", REQUIRED)
@suite_settings(max_examples=1)
@given(data=st.data())
def test_required_operation_refuses_anonymous(
    beatpass_session: Session, op_id: str, data: st.DataObject
) -> None:
    op = API.operations[op_id]
    if not op.read_only and beatpass_session.target.live:
        pytest.skip("writes are never sent live")
    draft = data.draw(beatpass_session.strategies.valid(op))
    _expect_401(beatpass_session, op_id, "without a token", beatpass_session.send(draft, "public"))


@pytest.mark.parametrize("op_id", TOKEN_READERS)
@suite_settings(max_examples=1)
@given(data=st.data())
def test_bad_tokens_are_refused(beatpass_session: Session, op_id: str, data: st.DataObject) -> None:
    op = API.operations[op_id]
    if not op.read_only and beatpass_session.target.live:
        pytest.skip("writes are never sent live")
    draft = data.draw(beatpass_session.strategies.valid(op))
    for kind, token in beatpass_session.target.bad_tokens().items():
        ex = beatpass_session.send(draft, "public", token=token)
        _expect_401(beatpass_session, op_id, f"with an {kind} token", ex)
