"""Request strategies draw ids the target holds: the caller's own and others', and an id
together with the parameter that names its resource."""

from __future__ import annotations

from hypothesis import given, settings

from contract_tests import MockTarget
from contract_tests._requests import Draft
from contract_tests._strategies import RequestStrategies
from mockserver import BeatPassMock

MOCK = BeatPassMock()
TARGET = MockTarget(MOCK)
STRATEGIES = RequestStrategies(MOCK.spec, TARGET)
DRAWS = settings(max_examples=60, database=None, deadline=None)


def _paths(op_id: str) -> list[str]:
    paths: list[str] = []

    @DRAWS
    @given(draft=STRATEGIES.valid(MOCK.spec.operations[op_id]))
    def record(draft: Draft) -> None:
        paths.append(draft.path)

    record()
    return paths


def test_an_id_is_drawn_with_the_parameter_naming_its_resource() -> None:
    # /radio/{type}/{id} declares `resource_from: type`: mostly an artist's id comes with
    # `artist`, a tag's with `tag` (a station that exists); now and then a free id (its 404).
    named = dict(MOCK.spec.operations["radio.show"].path_params[1].resource_by)
    paths = _paths("radio.show")
    existing = set()
    for path in paths:
        _, _, kind, key = path.split("/")
        if key.isdigit() and int(key) in TARGET.ids(named[kind], "id"):
            existing.add((kind, key))
    assert {kind for kind, _ in existing} == set(named)
    assert len(existing) >= len(set(paths)) // 2


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
