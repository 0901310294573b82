"""The mock's world keeps its invariants (``mockserver._invariants``): every seeded world from
seed 0 to 50 satisfies them, any sequence of documented writes by any users keeps them, and each
invariant is shown to fail on a world that breaks it."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import spec
from contract_tests._requests import build
from mockserver import BeatPassMock, ManualClock
from mockserver._invariants import domain_violations, violations
from mockserver._seed import _build
from mockserver._store import Record, Store

API = spec.load()
WRITES = sorted(op.id for op in API.operations.values() if not op.read_only)

KNOWN_INVENTED: frozenset[tuple[str, str]] = frozenset()
"""Seeded fields still drawn from a schema that does not fix their domain; the list must equal
what seeding notes (``Store.invented``), so it only shrinks."""


@pytest.mark.parametrize("seed", range(51))
def test_every_seeded_world_keeps_the_invariants(seed: int) -> None:
    api = BeatPassMock(seed=seed)
    assert violations(api.store, api.clock.now()) == []
    assert domain_violations(api.store) == []


@pytest.mark.parametrize("start", [1_600_000_000.0, 1_800_000_000.0])
def test_the_seeded_world_is_placed_around_any_clock(start: float) -> None:
    """Dates move with the clock: nothing seeded lies after a clock set in the past."""
    api = BeatPassMock(seed=1, clock=ManualClock(start=start))
    assert violations(api.store, start) == []


def test_seeding_draws_every_field_from_a_declared_domain() -> None:
    store = Store(API)
    _build(store, 0)
    assert store.invented == KNOWN_INVENTED


def _ids(api: BeatPassMock, user_id: int, rng: random.Random) -> Callable[[str, str], list[Any]]:
    def ids(resource: str, param: str) -> list[Any]:
        fields = API.resources[resource].fields
        key = param if param in ("uuid", "name", "slug") and param in fields else "id"
        pool = api.owned(resource, user_id) if rng.random() < 0.5 else []
        return [r[key] for r in (pool or api.records(resource))]

    return ids


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing sequence is short already
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(WRITES), st.sampled_from((1, 2, 35)), st.integers(0, 2**16)),
        min_size=1,
        max_size=12,
    ),
    seed=st.integers(0, 3),
)
def test_any_sequence_of_documented_writes_keeps_the_invariants(
    steps: list[tuple[str, int, int]], seed: int
) -> None:
    replay(steps, seed)


def test_a_write_that_breaks_an_invariant_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The property can fail: a library save that forgets the track's like counter."""
    from mockserver._behaviours import BEHAVIOURS

    def save_without_counting(call: Any) -> int:
        call.store.edges["library"].add((call.user_id, "track", call.body_get("track_id")))
        return int(call.success)

    monkeypatch.setitem(BEHAVIOURS, "users.me.add_to_library", save_without_counting)
    track = next(t for t in BeatPassMock().records("Track") if t["id"] == 7)
    with pytest.raises(AssertionError, match=r"Track 7 says \d+ likes"):
        replay([("users.me.add_to_library", 35, 0)], 0, body={"track_id": track["id"]})


def replay(
    steps: list[tuple[str, int, int]], seed: int, body: dict[str, Any] | None = None
) -> None:
    """Send each write as its user (a valid request drawn from its salt), checking the
    invariants after every one. ``body`` replaces the drawn bodies."""
    api = BeatPassMock(seed=seed, rate_limits=False)
    clients = {user: api.client(token=api.issue_token(user)) for user in (1, 2, 35)}
    for op_id, user, salt in steps:
        op = API.operations[op_id]
        rng = random.Random(salt)
        draft = build(op, _ids(api, user, rng), rng)
        if body is not None:
            draft.json_body = body
        response = clients[user].request(op.method, draft.path, **draft.send_kwargs())
        assert response.status_code < 500, (op_id, response.text)
        broken = violations(api.store, api.clock.now())
        assert not broken, f"after {op.method} {draft.path} as user {user}: {broken[:3]}"


def _first(api: BeatPassMock, resource: str, **match: Any) -> Record:
    return next(r for r in api.records(resource) if all(r.get(k) == v for k, v in match.items()))


def _some(api: BeatPassMock, resource: str) -> list[Record]:
    """The first record of ``resource``, as a list (a lambda may update it in a comprehension)."""
    return api.records(resource)[:1]


def _owner_of(api: BeatPassMock, track_id: Any) -> Any:
    track = _first(api, "Track", id=track_id)
    return min(api.store.owners(track) or {None})


def _not_owned_by(api: BeatPassMock, user: Any) -> Any:
    return next(t["id"] for t in api.records("Track") if user not in api.store.owners(t))


def _back_in_2000(resource: str, field: str) -> Callable[[BeatPassMock], None]:
    """Date the first record of ``resource`` long before anything it depends on."""
    return lambda api: api.records(resource)[0].update({field: "2000-01-01T00:00:00Z"})


def _in_a_long_conversation(api: BeatPassMock) -> list[Record]:
    """The messages of the first conversation that has more than one, in id order."""
    messages = sorted(api.records("Message"), key=lambda m: m["id"])
    by: dict[Any, list[Record]] = {}
    for message in messages:
        by.setdefault(message["conversation_id"], []).append(message)
    return next(m for m in by.values() if len(m) > 1)


BREAKS: dict[str, tuple[Callable[[BeatPassMock], None], str]] = {
    "a free track with a price": (
        lambda api: _first(api, "Track", licensing_type="free").update(price=9.99),
        "is free but has a price",
    ),
    "a sold exclusive nobody bought": (
        lambda api: _first(api, "Track", exclusive_status="available").update(
            exclusive_status="sold"
        ),
        "is sold with 0 purchases",
    ),
    "a purchase whose total is not base plus fee": (
        lambda api: api.records("Purchase")[0].update(total_amount=1.0),
        "totals 1.0",
    ),
    "a licence without a purchase": (
        lambda api: api.records("License")[0].update(_owner=39),
        "has no purchase",
    ),
    "a like counter that disagrees with the saves": (
        lambda api: api.records("Track")[0].update(likes_count=999),
        "999 likes",
    ),
    "an album whose plays are not its tracks' plays": (
        lambda api: api.records("Album")[0].update(plays=-1),
        "says -1 plays",
    ),
    "a playlist whose length is not its tracks'": (
        lambda api: api.records("Playlist")[0].update(totalDuration=1),
        "lasts 1 ms",
    ),
    "a bpm outside 40-250": (
        lambda api: api.records("Track")[0].update(bpm=758),
        "758 is no bpm",
    ),
    "a website that is no URL": (
        lambda api: api.records("Artist")[0].update(website="Amber Ember Signal"),
        "is no url",
    ),
    "a date after now": (
        lambda api: api.records("Track")[0].update(created_at="2031-01-01T00:00:00Z"),
        "lies after now",
    ),
    "a relation to nothing": (
        lambda api: api.records("Track")[0].update(artists=[9999]),
        "Artist 9999",
    ),
    "two tags of one name": (
        lambda api: api.records("Tag")[1].update(name=api.records("Tag")[0]["name"]),
        "tags share the name",
    ),
    "a purchase before its track was uploaded": (
        _back_in_2000("Purchase", "purchased_at"),
        "was made before track",
    ),
    "a licence before its purchase": (
        _back_in_2000("License", "created_at"),
        "was issued before its purchase",
    ),
    "a payout for a month not yet over": (
        lambda api: [p.update(period=p["created_at"][:7]) for p in api.records("Payout")[:1]],
        "before that month ended",
    ),
    "a message sent before the one numbered before it": (
        lambda api: _in_a_long_conversation(api)[-1].update(created_at="2000-01-01T00:00:00Z"),
        "was sent before message",
    ),
    "a stale last message": (
        lambda api: _first(
            api, "Conversation", id=_in_a_long_conversation(api)[0]["conversation_id"]
        ).update(last_message=None),
        "last_message is not its newest",
    ),
    "a user following themselves": (
        lambda api: api.store.edges["follow_user"].add((1, 1)),
        "user 1 follows themselves",
    ),
    "a user following their own artist": (
        lambda api: api.store.edges["follow_artist"].add((1, 1)),
        "follows their own artist 1",
    ),
    "a repost of one's own track": (
        lambda api: api.store.edges["repost"].add((_owner_of(api, 1), 1)),
        "reposted their own track 1",
    ),
    "a purchase of one's own track": (
        lambda api: [
            p.update(_owner=_owner_of(api, p["track_id"])) for p in _some(api, "Purchase")
        ],
        "is of its buyer's own track",
    ),
    "a submission of someone else's track": (
        lambda api: [
            s.update(track_id=_not_owned_by(api, s["user_id"])) for s in _some(api, "Submission")
        ],
        "which user",
    ),
    "a submission to one's own request": (
        lambda api: [
            _first(api, "BeatRequest", id=s["beat_request_id"]).update(_owner=s["user_id"])
            for s in _some(api, "Submission")
        ],
        "to its submitter's own request",
    ),
    "a submission after its request expired": (
        lambda api: [
            _first(api, "BeatRequest", id=s["beat_request_id"]).update(_expires=0.0)
            for s in _some(api, "Submission")
        ],
        "expired",
    ),
    "one track submitted twice to one request": (
        lambda api: [
            api.store.add("Submission", {k: v for k, v in s.items() if k != "id"})
            for s in _some(api, "Submission")
        ],
        "2 times to request",
    ),
    "one track submitted more times than allowed": (
        lambda api: [
            api.store.add("Submission", {k: v for k, v in s.items() if k != "id"})
            for s in _some(api, "Submission")
            * int(API.rule("beat_requests.max_submissions_per_producer"))
        ],
        "submissions to request",
    ),
    "a user with two profiles": (
        lambda api: api.records("Profile")[1].update(_owner=api.records("Profile")[0]["_owner"]),
        "owns 2 profiles",
    ),
    "an artist linked to another user's profile": (
        lambda api: _first(api, "Artist", id=1).update(profile=api.records("Profile")[1]["id"]),
        "is not its user's",
    ),
    "two default presets": (
        lambda api: [p.update(is_default=True, _owner=1) for p in api.records("LicensePreset")[:2]],
        "default licence presets",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_a_broken_world_is_reported(case: str) -> None:
    api = BeatPassMock(seed=0)
    assert violations(api.store, api.clock.now()) == []
    mutate, expected = BREAKS[case]
    mutate(api)
    found = violations(api.store, api.clock.now()) + domain_violations(api.store)
    assert any(expected in line for line in found), found
