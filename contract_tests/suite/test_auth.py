"""Authentication is enforced: required operations refuse missing tokens, and every operation
that reads a token refuses invalid, expired and revoked ones, with 401 in the documented body."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

import spec
from contract_tests import run_property, suite_settings
from contract_tests._failures import AuthNotEnforced
from contract_tests._session import Session
from spec import Operation

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


def _sendable(session: Session, op_id: str) -> Operation:
    """The operation, or a skip for a write in a live run (writes are never sent live)."""
    op = API.operations[op_id]
    if not op.read_only and session.target.live:
        pytest.skip("writes are never sent live")
    return op


@pytest.mark.parametrize("op_id", REQUIRED)
def test_required_operation_refuses_anonymous(beatpass_session: Session, op_id: str) -> None:
    op = _sendable(beatpass_session, op_id)

    def anonymous_request_is_refused(data: st.DataObject) -> None:
        draft = data.draw(beatpass_session.strategies.valid(op))
        ex = beatpass_session.send(draft, "public")
        _expect_401(beatpass_session, op_id, "without a token", ex)

    run_property(anonymous_request_is_refused, suite_settings(max_examples=1), data=st.data())


@pytest.mark.parametrize("op_id", TOKEN_READERS)
def test_bad_tokens_are_refused(beatpass_session: Session, op_id: str) -> None:
    op = _sendable(beatpass_session, op_id)

    def bad_tokens_are_refused(data: st.DataObject) -> None:
        draft = data.draw(beatpass_session.strategies.valid(op))
        for kind, token in beatpass_session.target.bad_tokens().items():
            ex = beatpass_session.send(draft, "public", token=token)
            _expect_401(beatpass_session, op_id, f"with an {kind} token", ex)

    run_property(bad_tokens_are_refused, suite_settings(max_examples=1), data=st.data())
