"""Every documented operation answers through the mock, with a token and anonymously, and
every body validates against the generated schema for its status and tier."""

from __future__ import annotations

import random
from typing import Any

import pytest

import spec
from contract_tests._requests import build
from mockserver import BeatPassMock

API = spec.load()
OPERATIONS = sorted(API.operations)


def mock_ids(mock: BeatPassMock):  # type: ignore[no-untyped-def]
    def ids(resource: str, param: str) -> list[Any]:
        records = mock.records(resource)
        fields = API.resources[resource].fields
        key = (
            param
            if param in fields and param != "id" and param in ("uuid", "name", "slug")
            else "id"
        )
        owned = mock.owned(resource, 1)  # the mock's own ownership rule (a track via its artists)
        return [r[key] for r in (owned or records)]

    return ids


def _validate(op_id: str, status: int, tier: str, response: Any) -> None:
    op = API.operations[op_id]
    assert status in op.responses, f"{op_id}: undocumented status {status}: {response.text[:300]}"
    schema = API.schemas.response(op_id, status, tier)  # type: ignore[arg-type]
    if schema is None:
        assert response.headers["content-type"] == op.responses[status].content_type
        return
    name = f"operations/{op_id}/response.{status}.{tier}"
    errors = API.schemas.errors(name, response.json())
    assert not errors, f"{op_id} {status} ({tier}): {[e.message for e in errors][:3]}"


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_operation_answers_with_a_token(op_id: str) -> None:
    op = API.operations[op_id]
    mock = BeatPassMock(seed=3)
    request = build(op, mock_ids(mock), random.Random(op_id))
    with mock.client() as client:
        response = client.request(op.method, request.path, **request.send_kwargs())
    tier = "token" if "token" in op.tiers else "public"
    _validate(op_id, response.status_code, tier, response)
    assert response.status_code < 500, response.text
    assert "X-RateLimit-Limit" in response.headers


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_operation_answers_anonymously(op_id: str) -> None:
    op = API.operations[op_id]
    mock = BeatPassMock(seed=3)
    request = build(op, mock_ids(mock), random.Random(op_id))
    with mock.client(anonymous=True) as client:
        response = client.request(op.method, request.path, **request.send_kwargs())
    if op.auth == "required":
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}
        return
    _validate(op_id, response.status_code, "public", response)
    assert response.status_code < 500, response.text


def test_most_operations_succeed_for_the_mock_user() -> None:
    """A walk that accepted any documented status would pass a mock that 404s everything: with
    ids the mock user owns, nearly every operation must actually succeed. (Documented refusals
    count against it: another user's record is a 403, a track without lyrics a 404, a random
    password a 401.)"""
    succeeded = []
    for op_id in OPERATIONS:
        op = API.operations[op_id]
        mock = BeatPassMock(seed=3)
        request = build(op, mock_ids(mock), random.Random(op_id))
        with mock.client() as client:
            response = client.request(op.method, request.path, **request.send_kwargs())
        if response.status_code < 300:
            succeeded.append(op_id)
    assert len(succeeded) >= 215, f"only {len(succeeded)} of {len(OPERATIONS)} operations succeeded"
