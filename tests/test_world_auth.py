"""Register creates a user; login checks the password and issues a token that then acts as
that user, in process and in the served sandbox (issue "The mock as one consistent world").
Seeded users sign in with the spec's rules ``auth.seeded_email`` and ``auth.seeded_password``."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=0, rate_limits=False)


def seeded(user_id: int) -> dict[str, str]:
    return {
        "email": API.rule("auth.seeded_email").format(id=user_id),
        "password": API.rule("auth.seeded_password"),
    }


def test_a_seeded_user_logs_in_and_the_token_acts_as_them(api: BeatPassMock) -> None:
    anonymous = api.client(anonymous=True)
    answer = anonymous.post("/auth/login", json=seeded(7))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["user"]["id"]) == ("success", 7)
    as_7 = api.client(token=body["access_token"])
    assert as_7.get("/users/me").json()["user"]["id"] == 7
    as_7.put("/users/profile/update", json={"display_name": "Seven"})
    assert anonymous.get("/users/7").json()["user"]["display_name"] == "Seven"
    assert anonymous.get("/users/1").json()["user"]["display_name"] != "Seven"


@pytest.mark.parametrize(
    "change", [{"password": "wrong"}, {"email": "nobody@example.test"}, {"password": "PASSWORD"}]
)
def test_a_wrong_password_or_email_is_the_documented_401(
    api: BeatPassMock, change: dict[str, str]
) -> None:
    r = api.client(anonymous=True).post("/auth/login", json={**seeded(7), **change})
    assert (r.status_code, r.json()) == (401, {"message": "Invalid credentials."})
    assert "access_token" not in r.text


def test_a_login_without_a_password_is_the_documented_422(api: BeatPassMock) -> None:
    r = api.client(anonymous=True).post("/auth/login", json={"email": seeded(7)["email"]})
    assert r.status_code == 422


def test_register_creates_a_user_that_then_logs_in(api: BeatPassMock) -> None:
    anonymous = api.client(anonymous=True)
    users_before = len(api.records("User"))
    credentials = {"email": "Beat.Maker@studio.test", "password": "hunter22"}
    answer = anonymous.post("/auth/register", json=credentials)
    assert answer.status_code == 200
    user = answer.json()["user"]
    assert len(api.records("User")) == users_before + 1
    assert anonymous.get(f"/users/{user['id']}").json()["user"] == user
    mine = api.client(token=answer.json()["access_token"]).get("/users/me").json()["user"]
    assert mine["id"] == user["id"]
    login = anonymous.post("/auth/login", json=credentials)
    assert login.json()["user"]["id"] == user["id"]
    wrong = anonymous.post("/auth/login", json={**credentials, "password": "password"})
    assert wrong.status_code == 401


def test_a_taken_email_is_refused(api: BeatPassMock) -> None:
    anonymous = api.client(anonymous=True)
    for email in (seeded(3)["email"], seeded(3)["email"].upper()):
        r = anonymous.post("/auth/register", json={"email": email, "password": "x"})
        assert r.status_code == 422
        assert r.json()["errors"] == {"email": ["The email has already been taken."]}
    first = anonymous.post("/auth/register", json={"email": "a@b.test", "password": "x"})
    assert first.status_code == 200
    again = anonymous.post("/auth/register", json={"email": "a@b.test", "password": "y"})
    assert again.status_code == 422


def test_the_login_token_works_in_the_served_sandbox(api: BeatPassMock) -> None:
    """The served sandbox answers through the same core and the same token store."""
    transport = httpx.MockTransport(api.served_handler)
    with httpx.Client(base_url=api.base_url, transport=transport) as served:
        token = served.post("/auth/login", json=seeded(12)).json()["access_token"]
        served.headers["Authorization"] = f"Bearer {token}"
        assert served.get("/users/me").json()["user"]["id"] == 12


def test_the_readme_login_example_runs_and_names_the_rules() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Log in and register\n.*?```python\n(.*?)```", readme, re.S)
    assert block is not None
    assert seeded(7) == {"email": "user7@example.test", "password": "password"}
    exec(block.group(1), {})  # the README's own lines; they assert themselves
