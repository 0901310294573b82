"""Stateful flows behave as the docs describe, and their side effects are captured."""

from __future__ import annotations

import httpx
import pytest

from mockserver import BeatPassMock

DAY = 86_400


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=9, rate_limits=False)


@pytest.fixture
def me(api: BeatPassMock) -> httpx.Client:
    return api.client()


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def test_what_you_create_you_read_back_and_what_you_delete_is_gone(
    api: BeatPassMock, me: httpx.Client
) -> None:
    created = me.post("/playlists", json={"name": "Late night", "public": False}).json()["playlist"]
    assert (created["name"], created["public"]) == ("Late night", False)
    shown = me.get(f"/playlists/{created['id']}").json()["playlist"]
    assert shown["name"] == "Late night"
    me.put(f"/playlists/{created['id']}", json={"name": "Later night"})
    assert me.get(f"/playlists/{created['id']}").json()["playlist"]["name"] == "Later night"
    assert as_user(api, 7).get(f"/playlists/{created['id']}").status_code == 403  # private
    assert me.delete(f"/playlists/{created['id']}").status_code == 200
    assert me.get(f"/playlists/{created['id']}").status_code == 404


def test_only_the_owner_deletes(api: BeatPassMock) -> None:
    owned = as_user(api, 7).post("/playlists", json={"name": "Mine"}).json()["playlist"]
    r = api.client().delete(f"/playlists/{owned['id']}")
    assert r.status_code == 403
    assert r.json() == {"message": "This action is unauthorized."}


def test_follow_rules(me: httpx.Client) -> None:
    assert me.get("/users/9/follow-status").json() == {"following": False}
    assert me.post("/users/9/follow").status_code == 200
    assert me.get("/users/9/follow-status").json() == {"following": True}
    again = me.post("/users/9/follow")
    assert (again.status_code, again.json()) == (409, {"message": "Already following."})
    assert 9 in [
        u["id"]
        for u in me.get("/users/me/followed-users", params={"perPage": 100}).json()["pagination"][
            "data"
        ]
    ]
    assert me.post("/users/9/unfollow").status_code == 200
    assert me.post("/users/9/unfollow").status_code == 404
    self_follow = me.post("/users/1/follow")
    assert self_follow.status_code == 422
    assert self_follow.json()["errors"] == {"id": ["You cannot follow yourself."]}


def test_repost_toggles(api: BeatPassMock, me: httpx.Client) -> None:
    track = next(t for t in api.records("Track") if 1 not in t["artists"])
    first = me.post("/reposts/toggle", json={"track_id": track["id"]}).json()
    second = me.post("/reposts/toggle", json={"track_id": track["id"]}).json()
    assert (first["reposted"], second["reposted"]) == (True, False)
    own = next(t for t in api.records("Track") if 1 in t["artists"])
    assert me.post("/reposts/toggle", json={"track_id": own["id"]}).status_code == 400


def test_library_add_and_remove(me: httpx.Client) -> None:
    def liked() -> list[int]:
        page = me.get("/users/me/liked-tracks", params={"perPage": 100}).json()["pagination"]
        return [t["id"] for t in page["data"]]

    target = next(i for i in range(1, 150) if i not in liked())
    assert me.post("/users/me/add-to-library", json={"track_id": target}).status_code == 200
    assert target in liked()
    assert me.post("/users/me/add-to-library", json={"track_id": target}).status_code == 409
    assert me.post("/users/me/remove-from-library", json={"track_id": target}).status_code == 200
    assert target not in liked()
    assert me.post("/users/me/remove-from-library", json={"track_id": target}).status_code == 404


def test_playlist_editors_and_invitations(api: BeatPassMock, me: httpx.Client) -> None:
    playlist = me.post("/playlists", json={"name": "Collab"}).json()["playlist"]
    pid = playlist["id"]
    guest = as_user(api, 5)
    assert guest.post(f"/playlists/{pid}/tracks/add", json={"ids": [3]}).status_code == 403
    assert me.post(f"/playlists/{pid}/invite", json={"user_id": 5}).status_code == 200
    assert me.post(f"/playlists/{pid}/invite", json={"user_id": 5}).status_code == 409
    assert guest.post(f"/playlists/{pid}/accept-invite").status_code == 200
    assert guest.post(f"/playlists/{pid}/tracks/add", json={"ids": [3, 4]}).status_code == 200
    assert guest.post(f"/playlists/{pid}/tracks/add", json={"ids": [3]}).status_code == 409
    tracks = me.get(f"/playlists/{pid}/tracks", params={"perPage": 50}).json()["pagination"]["data"]
    assert [t["id"] for t in tracks][-2:] == [3, 4]
    assert me.post(f"/playlists/{pid}/remove-editor", json={"user_id": 5}).status_code == 200
    assert guest.post(f"/playlists/{pid}/tracks/remove", json={"ids": [3]}).status_code == 403


def test_invitation_expires_after_seven_days(api: BeatPassMock, me: httpx.Client) -> None:
    pid = me.post("/playlists", json={"name": "Slow"}).json()["playlist"]["id"]
    me.post(f"/playlists/{pid}/invite", json={"user_id": 6})
    api.clock.advance(8 * DAY)  # type: ignore[union-attr]
    late = as_user(api, 6).post(f"/playlists/{pid}/accept-invite")
    assert (late.status_code, late.json()) == (410, {"message": "Invitation expired."})


def test_messaging_records_the_outbox_and_counts_unread(
    api: BeatPassMock, me: httpx.Client
) -> None:
    started = me.post("/messaging/conversations/start", json={"user_id": 12, "message_text": "hi"})
    assert started.status_code == 201
    conversation = started.json()["data"]["conversation"]["id"]
    me.post(
        "/messaging/messages", json={"conversation_id": conversation, "message_text": "you there?"}
    )
    assert [(m["to_user_id"], m["text"]) for m in api.outbox] == [(12, "hi"), (12, "you there?")]
    recipient = as_user(api, 12)
    before = recipient.get("/messaging/unread-count").json()["data"]["unread_count"]
    assert before >= 2
    assert recipient.post(f"/messaging/conversations/{conversation}/read").status_code == 200
    assert recipient.get("/messaging/unread-count").json()["data"]["unread_count"] == before - 2
    texts = [
        m["message_text"]
        for m in recipient.get(f"/messaging/conversations/{conversation}/messages").json()["data"]
    ]
    assert texts == ["hi", "you there?"]
    outsider = as_user(api, 13).get(f"/messaging/conversations/{conversation}/messages")
    assert (outsider.status_code, outsider.json()) == (403, {"message": "Not a participant."})


def test_beat_request_lifecycle(api: BeatPassMock, me: httpx.Client) -> None:
    body = {
        "content": "Dark trap beat, 140 bpm",
        "reference_track": "https://example.test/ref",
        "duration_hours": 24,
    }
    created = me.post("/beat-requests", json=body)
    assert created.status_code == 201
    rid = created.json()["data"]["id"]
    producer = as_user(api, 2)  # owns artist 2
    track = next(t for t in api.records("Track") if 2 in t["artists"])
    assert (
        producer.post(f"/beat-requests/{rid}/fulfill", json={"track_id": track["id"]}).status_code
        == 200
    )
    assert (
        producer.post(f"/beat-requests/{rid}/fulfill", json={"track_id": track["id"]}).status_code
        == 409
    )
    assert (
        me.post(f"/beat-requests/{rid}/fulfill", json={"track_id": track["id"]}).status_code == 403
    )  # own request
    assert [s["track_id"] for s in me.get(f"/beat-requests/{rid}/submissions").json()["data"]] == [
        track["id"]
    ]
    assert me.post(f"/beat-requests/{rid}/renew").status_code == 409  # still active
    api.clock.advance(25 * 3600)  # type: ignore[union-attr]
    other = next(t for t in api.records("Track") if 2 in t["artists"] and t["id"] != track["id"])
    assert (
        producer.post(f"/beat-requests/{rid}/fulfill", json={"track_id": other["id"]}).status_code
        == 410
    )
    assert me.post(f"/beat-requests/{rid}/renew").status_code == 200
    assert producer.delete(f"/beat-requests/{rid}").status_code == 403
    assert me.delete(f"/beat-requests/{rid}").status_code == 200
    assert me.get(f"/beat-requests/{rid}").status_code == 404


def test_beat_request_tokens_run_out(me: httpx.Client) -> None:
    body = {"content": "Lo-fi loop please", "reference_track": "ref", "duration_hours": 72}
    assert me.post("/beat-requests", json=body).status_code == 201  # 3 of 5 tokens
    short = me.post("/beat-requests", json=body)
    assert short.status_code == 429
    assert short.json()["message"] == (
        "You need 3 tokens for a 72-hour request, but you only have 2 tokens."
    )
    status = me.get("/beat-requests/user/rate-limit-status").json()["data"]
    assert (status["tokens_remaining"], status["used_this_month"]) == (2, 3)


def test_purchase_and_licence_flow(api: BeatPassMock, me: httpx.Client) -> None:
    bought = {p["track_id"] for p in api.owned("Purchase", 1)}
    track = next(
        t
        for t in api.records("Track")
        if 1 not in t["artists"]
        and t["licensing_type"] == "non-exclusive"
        and t["id"] not in bought
    )
    tid = track["id"]
    price = me.post(f"/tracks/{tid}/purchase/calculate-price").json()
    assert price["total_price"] == pytest.approx(price["base_price"] + price["platform_fee"])
    assert me.get(f"/tracks/{tid}/purchase/status").json()["purchased"] is False
    assert me.post(f"/tracks/{tid}/generate-license", json={}).status_code == 403  # not bought yet
    initiated = me.post(f"/tracks/{tid}/purchase/initiate").json()
    assert initiated["client_secret"].startswith("pi_mock_")
    assert [(c["track_id"], c["amount"]) for c in api.charges] == [(tid, price["total_price"])]
    assert me.get(f"/tracks/{tid}/purchase/status").json()["purchased"] is True
    assert me.post(f"/tracks/{tid}/purchase/initiate").status_code == 409
    licence = me.post(f"/tracks/{tid}/generate-license", json={}).json()["license"]
    anonymous = api.client(anonymous=True)
    assert anonymous.get(f"/verify-license/{licence['uuid']}").json()["valid"] is True
    assert me.post(f"/licenses/{licence['uuid']}/revoke").status_code == 200
    assert anonymous.get(f"/verify-license/{licence['uuid']}").json()["valid"] is False
    assert me.get(f"/tracks/{tid}/check-license").json()["has_license"] is False


def test_buying_your_own_track_is_refused(api: BeatPassMock, me: httpx.Client) -> None:
    own = next(t for t in api.records("Track") if 1 in t["artists"])
    r = me.post(f"/tracks/{own['id']}/purchase/initiate")
    assert r.status_code == 422
    assert not api.charges


def test_upload_is_captured_as_publication(api: BeatPassMock, me: httpx.Client) -> None:
    r = me.post("/tracks", json={"name": "Demo", "bpm": 90, "genre": "trap"})
    assert r.status_code == 201
    created = r.json()["track"]
    assert (created["name"], created["bpm"]) == ("Demo", 90)
    assert [u["id"] for u in api.uploads] == [created["id"]]
    assert me.get(f"/tracks/{created['id']}").json()["track"]["name"] == "Demo"


def test_search_follows_query_types_and_limit(api: BeatPassMock, me: httpx.Client) -> None:
    word = api.records("Track")[0]["name"].split()[0]
    body = me.get("/search", params={"query": word, "types": "track,artist", "limit": 2}).json()
    assert body["query"] == word
    assert set(body["results"]) == {"tracks", "artists"}
    assert 1 <= len(body["results"]["tracks"]) <= 2
    assert all(word.lower() in t["name"].lower() for t in body["results"]["tracks"])
    nothing = me.get("/search", params={"query": "zzzz-no-such-name"}).json()["results"]
    assert all(hits == [] for hits in nothing.values())


def test_radio_is_built_from_its_seed(api: BeatPassMock, me: httpx.Client) -> None:
    genre = api.records("Genre")[0]
    by_id = me.get(f"/radio/genre/{genre['id']}").json()["tracks"]
    by_name = me.get(f"/radio/genre/{genre['name']}").json()["tracks"]
    assert by_id == by_name
    assert by_id
    assert all(genre["id"] in [g["id"] for g in t["genres"]] for t in by_id)
    artist_station = me.get("/radio/artist/3").json()["tracks"]
    assert all(3 in [a["id"] for a in t["artists"]] for t in artist_station)
    missing = me.get("/radio/tag/no-such-tag-anywhere")
    assert (missing.status_code, missing.json()) == (404, {"message": "Station not found."})


def test_private_playlists_are_listed_to_their_owner_only(
    api: BeatPassMock, me: httpx.Client
) -> None:
    secret = me.post("/playlists", json={"name": "Private mix", "public": False}).json()["playlist"]

    def listed(client: httpx.Client) -> set[int]:
        page = client.get("/users/1/playlists", params={"perPage": 100}).json()["pagination"]
        return {p["id"] for p in page["data"]}

    assert secret["id"] in listed(me)
    assert secret["id"] not in listed(as_user(api, 8))
    assert secret["id"] not in listed(api.client(anonymous=True))
