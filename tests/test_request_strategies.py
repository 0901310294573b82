"""Request strategies draw ids the target holds: the caller's own and others', and an id
together with the parameter that names its resource."""

from __future__ import annotations

from typing import Any, ClassVar

from hypothesis import given, settings

from contract_tests import MockTarget
from contract_tests._requests import Draft
from contract_tests._strategies import RequestStrategies
from mockserver import BeatPassMock

MOCK = BeatPassMock()
TARGET = MockTarget(MOCK)
STRATEGIES = RequestStrategies(MOCK.spec, TARGET)
DRAWS = settings(max_examples=60, database=None, deadline=None)


def _paths_from(strategies: RequestStrategies, op_id: str) -> list[str]:
    paths: list[str] = []

    @DRAWS
    @given(draft=strategies.valid(MOCK.spec.operations[op_id]))
    def record(draft: Draft) -> None:
        paths.append(draft.path)

    record()
    return paths


def _paths(op_id: str) -> list[str]:
    return _paths_from(STRATEGIES, op_id)


class DisjointIds(MockTarget):
    """The mock's spec with ids that never overlap between resources (Artist 1xx, Track 2xx...),
    so a drawn id tells which resource it came from."""

    POOLS: ClassVar[dict[str, list[int]]] = {
        "Artist": [101, 102],
        "Track": [201, 202],
        "Genre": [301],
        "Tag": [401],
    }

    def ids(self, resource: str, param: str) -> list[Any]:
        return list(self.POOLS.get(resource, []))

    def owned_ids(self, resource: str, param: str) -> list[Any]:
        return []


def test_an_id_is_drawn_with_the_parameter_naming_its_resource() -> None:
    # /radio/{type}/{id} declares `resource_from: type`: mostly an artist's id comes with
    # `artist`, a tag's with `tag` (a station that exists); now and then a free id (its 404).
    op = MOCK.spec.operations["radio.show"]
    named = dict(op.path_params[1].resource_by)
    held = {str(i): r for r, ids in DisjointIds.POOLS.items() for i in ids}
    paths = _paths_from(RequestStrategies(MOCK.spec, DisjointIds(MOCK)), "radio.show")
    pairs = [tuple(path.split("/")[2:]) for path in paths]
    matched = {(kind, key) for kind, key in pairs if held.get(key) == named[kind]}
    assert all(key not in held for kind, key in pairs if (kind, key) not in matched), pairs
    assert {kind for kind, _ in matched} == set(named)
    assert len(matched) < len(set(pairs)), "never a free id: radio's 404 is never met"


def test_owner_only_writes_get_the_callers_records_and_others() -> None:
    # tracks.update is the owner's: half the draws name the caller's own tracks (200), the rest
    # someone else's (403), so both documented answers are met.
    own = {str(i) for i in TARGET.owned_ids("Track", "id")}
    ids = {path.split("/")[2] for path in _paths("tracks.update")}
    assert own
    assert ids & own, "no draw named the caller's own track"
    assert ids - own, "every draw named the caller's own track"


def test_the_mock_owns_tracks_through_their_artists() -> None:
    mine = {a["id"] for a in MOCK.records("Artist") if a.get("_user") == TARGET.user_id}
    owned = MOCK.owned("Track", TARGET.user_id)
    assert owned
    assert all(mine & set(t["artists"]) for t in owned)
