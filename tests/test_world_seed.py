"""The seeded world states only what its own rules allow: what one endpoint says of a seeded
record, every other says too, and no seeded record is one a documented write would refuse to
make. Each example reads seed 0 to 3 through the API, as a client would."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import BeatPassMock

SEEDS = range(4)


def _world(seed: int) -> tuple[BeatPassMock, Any]:
    api = BeatPassMock(seed=seed, rate_limits=False)
    return api, api.client()


@pytest.mark.parametrize("seed", SEEDS)
def test_every_track_carrying_a_tag_is_listed_under_that_tags_name(seed: int) -> None:
    """A tag is addressed by its name, so two tags of one name would hide each other's tracks."""
    api, client = _world(seed)
    for tag in api.records("Tag"):
        carrying = sorted(t["id"] for t in api.records("Track") if tag["id"] in t["tags"])
        page = client.get(f"/tags/{tag['name']}/tracks", params={"perPage": 100}).json()
        assert sorted(t["id"] for t in page["pagination"]["data"]) == carrying, tag["name"]


BUYERS = (1, 2, 3)
"""The seed's purchases, licences and payouts belong to users 1 to 3."""


def _as(api: BeatPassMock, user: int) -> Any:
    return api.client(token=api.issue_token(user))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_purchase_follows_its_tracks_upload_and_a_licence_follows_its_purchase(
    seed: int,
) -> None:
    api, client = _world(seed)
    checked = 0
    for user in BUYERS:
        buyer = _as(api, user)
        bought = {p["track_id"]: p["purchased_at"] for p in buyer.get("/purchases").json()["data"]}
        for track_id, purchased_at in bought.items():
            uploaded = client.get(f"/tracks/{track_id}").json()["track"]["created_at"]
            assert uploaded <= purchased_at <= "2026-01-01T00:00:00Z", (user, track_id)
        for licence in buyer.get("/user/licenses").json()["pagination"]["data"]:
            assert bought[licence["track_id"]] <= licence["created_at"], (user, licence["id"])
            checked += 1
    assert checked == len(api.records("License")) > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_payout_is_made_after_the_month_it_pays_for(seed: int) -> None:
    api, _ = _world(seed)
    for user in BUYERS:
        page = _as(api, user).get("/artist/subscription-payouts").json()["pagination"]
        for payout in page["data"]:
            assert payout["period"] < payout["created_at"][:7], (user, payout)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_conversations_last_message_is_its_newest(seed: int) -> None:
    api, _ = _world(seed)
    for conversation in api.records("Conversation"):
        member = _as(api, conversation["_members"][0])
        cid = conversation["id"]
        messages = member.get(f"/messaging/conversations/{cid}/messages").json()["data"]
        times = [m["created_at"] for m in messages]
        assert times == sorted(times), cid  # listed in id order, which is the order sent
        listed = {c["id"]: c for c in member.get("/messaging/conversations").json()["data"]}
        newest = max(messages, key=lambda m: m["created_at"], default=None)
        last = listed[cid]["last_message"]
        assert (last and last["id"]) == (newest and newest["id"]), cid


def test_a_purchase_its_licence_and_a_reply_a_day_later_keep_the_timeline() -> None:
    """Documented writes keep the order the seed starts in: what they record happens now."""
    from mockserver._invariants import violations

    api, _ = _world(0)
    buyer = _as(api, 40)
    track = next(
        t
        for t in api.records("Track")
        if t["licensing_type"] == "non-exclusive" and 40 not in api.store.owners(t)
    )
    assert buyer.post(f"/tracks/{track['id']}/purchase/initiate", json={}).status_code == 200
    api.clock.advance(86_400)
    licence = {"license_type": "non-exclusive"}
    assert buyer.post(f"/tracks/{track['id']}/generate-license", json=licence).status_code < 300
    conversation = api.records("Conversation")[0]
    member = _as(api, conversation["_members"][1])
    reply = {"conversation_id": conversation["id"], "message_text": "a day later"}
    assert member.post("/messaging/messages", json=reply).status_code < 300
    assert violations(api.store, api.clock.now()) == []
    listed = member.get("/messaging/conversations").json()["data"]
    last = next(c for c in listed if c["id"] == conversation["id"])["last_message"]
    assert last["message_text"] == "a day later"


@pytest.mark.parametrize("seed", SEEDS)
def test_nobody_follows_their_own_artist(seed: int) -> None:
    """Following yourself is refused (422), so the seed holds no such follow."""
    api, client = _world(seed)
    for artist in api.records("Artist"):
        followers = client.get(f"/artists/{artist['id']}/followers", params={"perPage": 100})
        assert artist["_user"] not in [u["id"] for u in followers.json()["pagination"]["data"]]
        owner = _as(api, artist["_user"])
        assert owner.get(f"/artists/{artist['id']}/follow-status").json()["following"] is False


@pytest.mark.parametrize("seed", SEEDS)
def test_a_seeded_submission_is_one_fulfill_would_have_accepted(seed: int) -> None:
    """``POST /beat-requests/{id}/fulfill`` takes only the submitter's own track, to someone
    else's request that is still open: every seeded submission is one it took."""
    api, _ = _world(seed)
    submissions = api.records("Submission")
    assert submissions
    for submission in submissions:
        user = submission["user_id"]
        mine = _as(api, user).get("/beat-requests/user/my-tracks").json()["data"]
        assert submission["id"] in [s["id"] for s in mine]
        track = next(t for t in api.records("Track") if t["id"] == submission["track_id"])
        request = next(
            r for r in api.records("BeatRequest") if r["id"] == submission["beat_request_id"]
        )
        assert user in api.store.owners(track), submission
        assert request["user_id"] != user, submission
        assert track["created_at"] <= submission["created_at"] < request["expires_at"], submission


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seeded_profile_is_the_one_its_user_shows(seed: int) -> None:
    """A user has one extended profile: ``GET /user-profile/{user}`` shows each seeded one."""
    api, client = _world(seed)
    profiles = api.records("Profile")
    assert profiles
    for profile in profiles:
        shown = client.get(f"/user-profile/{profile['_owner']}").json()["profile"] or {}
        assert shown.get("id") == profile["id"], profile


def test_editing_a_profile_changes_the_one_profile_shown() -> None:
    api, client = _world(0)
    count = len(api.records("Profile"))
    assert client.put("/users/profile/update", json={"city": "Lagos"}).status_code == 200
    assert client.get("/user-profile/1").json()["profile"]["city"] == "Lagos"
    assert len(api.records("Profile")) == count  # the edit made no second profile
