"""Messaging as messaging.mdx and the spec's choices state it: one direct conversation per
pair, a deletion that hides a conversation for the caller only, lists by recent activity."""

from __future__ import annotations

import httpx
import pytest

from mockserver import BeatPassMock

START = "/messaging/conversations/start"


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=0, rate_limits=False)


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def _listed(client: httpx.Client) -> list[int]:
    return [
        c["id"]
        for c in client.get("/messaging/conversations", params={"limit": 200}).json()["data"]
    ]


def _texts(client: httpx.Client, cid: int) -> list[str]:
    answer = client.get(f"/messaging/conversations/{cid}/messages", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    return [m["message_text"] for m in answer.json()["data"]]


def test_starting_again_with_the_same_user_continues_the_direct_conversation(
    api: BeatPassMock,
) -> None:
    me = as_user(api, 35)
    first = me.post(START, json={"user_id": 36, "message_text": "hi"})
    again = me.post(START, json={"user_id": 36, "message_text": "still there?"})
    assert (first.status_code, again.status_code) == (201, 201)
    cid = first.json()["data"]["conversation"]["id"]
    assert again.json()["data"]["conversation"] == {"id": cid, "type": "direct"}
    assert _texts(me, cid)[-2:] == ["hi", "still there?"]
    assert _listed(me).count(cid) == 1
    group = me.post(START, json={"user_ids": [36, 37], "message_text": "all of us"})
    assert group.json()["data"]["conversation"]["id"] != cid


def test_deleting_a_conversation_hides_it_for_the_caller_only(api: BeatPassMock) -> None:
    me, peer = as_user(api, 35), as_user(api, 36)
    cid = me.post(START, json={"user_id": 36, "message_text": "hi"}).json()["data"]["conversation"][
        "id"
    ]
    assert me.delete(f"/messaging/conversations/{cid}").status_code == 200
    assert cid not in _listed(me)
    assert me.get(f"/messaging/conversations/{cid}/messages").status_code == 404
    assert cid in _listed(peer)
    assert _texts(peer, cid) == ["hi"]
    peer.post("/messaging/messages", json={"conversation_id": cid, "message_text": "back?"})
    assert cid in _listed(me), "a new message brings it back"
    assert _texts(me, cid) == ["hi", "back?"]
    assert me.delete(f"/messaging/conversations/{cid}").status_code == 200
    assert peer.delete(f"/messaging/conversations/{cid}").status_code == 200
    assert cid not in [c["id"] for c in api.records("Conversation")], "nobody sees it: gone"


def test_conversations_are_listed_by_most_recent_activity(api: BeatPassMock) -> None:
    me = as_user(api, 35)
    older = me.post(START, json={"user_id": 36, "message_text": "a"}).json()["data"]
    api.clock.advance(60)
    newer = me.post(START, json={"user_id": 37, "message_text": "b"}).json()["data"]
    assert _listed(me)[:2] == [newer["conversation"]["id"], older["conversation"]["id"]]
    api.clock.advance(60)
    me.post(
        "/messaging/messages",
        json={"conversation_id": older["conversation"]["id"], "message_text": "c"},
    )
    assert _listed(me)[:2] == [older["conversation"]["id"], newer["conversation"]["id"]]


def test_followed_users_for_messaging_are_the_callers_follows_and_follow_a_new_follow(
    api: BeatPassMock,
) -> None:
    me = as_user(api, 40)
    follows = [u["id"] for u in me.get("/users/me/followed-users").json()["pagination"]["data"]]
    listed = [u["id"] for u in me.get("/messaging/followed-users").json()["data"]]
    assert listed == follows
    other = next(u["id"] for u in api.records("User") if u["id"] not in [*follows, 40])
    assert me.post(f"/users/{other}/follow").status_code == 200
    assert [u["id"] for u in me.get("/messaging/followed-users").json()["data"]] == sorted(
        [*follows, other]
    )


def test_users_to_message_are_everyone_but_the_caller(api: BeatPassMock) -> None:
    found = [u["id"] for u in as_user(api, 40).get("/messaging/search-users").json()["data"]]
    assert 40 not in found
    assert sorted(found) == sorted(u["id"] for u in api.records("User") if u["id"] != 40)
