"""``resources_in`` (a walker compiled once per schema fragment) finds what its definition
finds: every (resource, object) where the fragment says a resource is, in the same order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import spec
from contract_tests._checks import resources_in
from contract_tests._target import _Probe
from mockserver import BeatPassMock

API = spec.load()
READS = sorted(  # the reads that answer JSON (the exports answer files)
    op_id
    for op_id, op in API.operations.items()
    if op.read_only and op.responses[op.success_status].schema is not None
)


def by_definition(frag: Any, value: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The walk as the spec's fragments define it, one fragment key at a time."""
    if not isinstance(frag, Mapping):
        return
    if "resource" in frag:
        if isinstance(value, Mapping):
            yield frag["resource"], value
        return
    if "page_of" in frag:
        if isinstance(value, Mapping) and isinstance(value.get("data"), list):
            for item in value["data"]:
                yield from by_definition(frag["page_of"], item)
        return
    for branch in frag.get("anyOf", ()):
        yield from by_definition(branch, value)
    if isinstance(value, Mapping):
        for key, sub in frag.get("properties", {}).items():
            if key in value:
                yield from by_definition(sub, value[key])
    elif isinstance(value, list) and isinstance(frag.get("items"), Mapping):
        for item in value:
            yield from by_definition(frag["items"], item)


def found(walk: Iterator[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, int]]:
    return [(name, id(obj)) for name, obj in walk]


def test_every_schema_names_the_same_resources_of_a_probe() -> None:
    # The probe holds every key: what each schema can hold, as _target reads it.
    for op in API.operations.values():
        for response in op.responses.values():
            if response.schema is not None:
                expected = [r for r, _ in by_definition(response.schema, _Probe())]
                assert [r for r, _ in resources_in(response.schema, _Probe())] == expected


@pytest.fixture(scope="module")
def mock() -> BeatPassMock:
    return BeatPassMock(seed=2, rate_limits=False)


@pytest.mark.parametrize("op_id", READS)
def test_an_answer_holds_the_same_resources_in_the_same_order(
    mock: BeatPassMock, op_id: str
) -> None:
    op = API.operations[op_id]
    path = op.path
    for p in op.path_params:  # the first record of its kind, or 1
        ids = [r["id"] for r in mock.store.all(p.resource)] if p.resource else [1]
        path = path.replace("{" + p.name + "}", str(ids[0] if ids else 1))
    with mock.client() as client:
        answer = client.get(path)
    response = op.responses[answer.status_code]
    assert response.schema is not None
    body = answer.json()
    assert found(resources_in(response.schema, body)) == found(by_definition(response.schema, body))
