"""Every value in a mock answer has a source: the store, the request, the spec's rules, or a
generator the spec declares for that field. The mock notes each value it had to invent
(``MockCore.unsourced``); this walk sends a valid request to every operation as the mock user
and as a second user and collects those notes.

``KNOWN_UNSOURCED`` lists the operations whose answers still hold filler. It must equal what the
walk finds, in both directions: a new gap fails, and so does a fixed one left on the list, so
the list only ever shrinks (issue "The mock as one consistent world").
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import spec
from contract_tests._requests import build
from mockserver import BeatPassMock
from mockserver._behaviours import BEHAVIOURS, PAGES, check_registry
from mockserver._render import BodyBuilder, Context

API = spec.load()
CALLERS = (1, 2)  # the mock user (artist 1) and a second user (artist 2)

KNOWN_UNSOURCED: frozenset[str] = frozenset()


def _ids(mock: BeatPassMock, user_id: int):  # type: ignore[no-untyped-def]
    def ids(resource: str, param: str) -> list[Any]:
        records = mock.records(resource)
        fields = API.resources[resource].fields
        key = param if param in ("uuid", "name", "slug") and param in fields else "id"
        owned = mock.owned(resource, user_id)
        return [r[key] for r in (owned or records)]

    return ids


def _walk() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for user_id in CALLERS:
        for op_id in sorted(API.operations):
            op = API.operations[op_id]
            mock = BeatPassMock(seed=3)
            token = mock.issue_token(user_id)
            request = build(op, _ids(mock, user_id), random.Random(op_id))
            with mock.client(token=token) as client:
                client.request(op.method, request.path, **request.send_kwargs())
            for noted_op, _status, places in mock.core.unsourced:
                found.setdefault(noted_op, set()).update(places)
    return found


def test_every_answer_is_sourced_or_a_known_gap() -> None:
    found = _walk()
    new = sorted(set(found) - KNOWN_UNSOURCED)
    fixed = sorted(KNOWN_UNSOURCED - set(found))
    assert not new, "answers with invented values: " + "; ".join(
        f"{op}: {', '.join(sorted(found[op])[:4])}" for op in new
    )
    assert not fixed, f"sourced now, remove from KNOWN_UNSOURCED: {fixed}"


def test_filler_is_noticed() -> None:
    """The mechanism itself can fail: a schema value nobody supplies is noted with its place,
    and the same value supplied by a behaviour, a const or a generator is not."""
    op = API.operations["tracks.show"]
    mock = BeatPassMock()
    frag = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "kind": {"const": "x"},
            "contact": {"type": "string", "generator": "email"},
            "given": {"type": "integer"},
        },
    }
    ctx = Context(op, "token", 0, values={"given": 3})
    builder = BodyBuilder(mock.store, ctx)
    body = builder.build(frag)
    assert builder.unsourced == ["total"]
    assert (body["given"], body["kind"]) == (3, "x")
    assert body["contact"].endswith("@example.test")


def test_the_registry_matches_the_spec_page_by_page() -> None:
    check_registry(API, complete=True)  # raises on a gap
    assert set(BEHAVIOURS) == set(API.operations)
    for op in API.operations.values():
        assert op.location.file.endswith(f"/api/{PAGES[op.id]}.yaml"), op.id


def test_an_operation_without_a_behaviour_fails_at_load() -> None:
    from spec import SpecError

    removed = BEHAVIOURS.pop("tracks.show")
    try:
        with pytest.raises(SpecError) as caught:
            BeatPassMock()
    finally:
        BEHAVIOURS["tracks.show"] = removed
    assert "content.yaml:" in str(caught.value)
    assert "tracks.show" in str(caught.value)
