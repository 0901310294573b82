"""The social page's user profiles as one world: a profile edit changes the caller's own user
and reads back everywhere, contact info is the user's stored email and website, and minutes
left follow the spec's rule (issue "The mock as one consistent world")."""

from __future__ import annotations

import re

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]+$")


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=0, rate_limits=False)


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def test_a_profile_edit_changes_the_callers_own_user_and_reads_back(api: BeatPassMock) -> None:
    other = as_user(api, 35)  # owns no artist
    before_1 = other.get("/users/1").json()["user"]
    edit = {"display_name": "Night Owl", "city": "Montreal", "description": "Beats after dark"}
    answer = other.put("/users/profile/update", json=edit)
    assert answer.status_code == 200
    assert answer.json()["user"]["id"] == 35
    assert answer.json()["user"]["display_name"] == "Night Owl"
    assert other.get("/users/35").json()["user"]["display_name"] == "Night Owl"
    assert other.get("/users/me").json()["user"]["display_name"] == "Night Owl"
    shown = other.get("/user-profile/35").json()
    assert shown["user"]["display_name"] == "Night Owl"
    assert (shown["profile"]["city"], shown["profile"]["description"]) == (
        "Montreal",
        "Beats after dark",
    )
    assert other.get("/users/1").json()["user"] == before_1  # never user 1 for another caller


def test_a_user_without_a_profile_shows_none_until_they_write_one(api: BeatPassMock) -> None:
    caller = as_user(api, 36)
    assert caller.get("/user-profile/36").json()["profile"] is None
    caller.put("/users/profile/update", json={"country": "CA"})
    profile = caller.get("/user-profile/36").json()["profile"]
    assert profile["country"] == "CA"
    caller.put("/users/profile/update", json={"city": "Laval"})
    again = caller.get("/user-profile/36").json()["profile"]
    assert (again["id"], again["country"], again["city"]) == (profile["id"], "CA", "Laval")


def test_contact_info_has_the_users_email_and_their_artists_website(api: BeatPassMock) -> None:
    me = api.client()
    for user_id in (1, 2, 35):
        info = me.get(f"/users/{user_id}/contact-info").json()["contact_info"]
        assert EMAIL.match(info["email"]), info
        assert info["email"] == API.rule("auth.seeded_email").format(id=user_id)
        artist = next((a for a in api.records("Artist") if a["_user"] == user_id), None)
        assert info["website"] == (artist["website"] if artist else None)
        assert info["phone"] is None


def test_contact_info_is_the_email_you_log_in_with(api: BeatPassMock) -> None:
    anonymous = api.client(anonymous=True)
    registered = anonymous.post(
        "/auth/register", json={"email": "new.producer@studio.test", "password": "s3cret!"}
    ).json()["user"]
    info = anonymous.get(f"/users/{registered['id']}/contact-info").json()["contact_info"]
    assert info["email"] == "new.producer@studio.test"


def test_minutes_left_follow_the_plan_rule(api: BeatPassMock) -> None:
    me = api.client()
    assert API.rule("users.upload_minutes") is None  # the mock's plan has no minute cap
    assert me.get("/users/1/minutes-left").json() == {"status": "success", "minutesLeft": None}
    assert me.get("/users/99999/minutes-left").status_code == 404
