"""The served sandbox's control API, driven as a non-Python client would: over real HTTP only.

Each test talks to a :class:`~mockserver._control.Sandbox` served by uvicorn on loopback; the
only in-process access is to shorten the served timeout, which a client could not wait for.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mockserver import BackgroundServer, Sandbox, control_openapi
from mockserver._control import OPERATIONS, PREFIX

TOKEN = "ctl-token"


class Client:
    """An httpx client on the sandbox's origin with helpers for the two halves of it."""

    def __init__(self, http: httpx.Client, sandbox: Sandbox) -> None:
        self.http = http
        self.sandbox = sandbox

    def control(self, method: str, path: str, world: str | None = None, **kw: Any) -> Any:
        headers = {"X-BeatPass-Sandbox": world} if world else {}
        return self.http.request(method, PREFIX + path, headers=headers, **kw)

    def api(
        self, method: str, path: str, world: str | None = None, token: str = TOKEN, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if world:
            headers["X-BeatPass-Sandbox"] = world
        return self.http.request(method, "/api/v1" + path, headers=headers, **kw)


@pytest.fixture
def sandbox() -> Iterator[Client]:
    box = Sandbox.create({TOKEN: 1}, seed=3, max_worlds=2, rate_limits=False)
    with (
        BackgroundServer(box, base_path="", blocking=box.may_block) as server,
        httpx.Client(base_url=server.origin, timeout=10) as http,
    ):
        yield Client(http, box)


def _error_format(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert isinstance(body["message"], str)
    assert body["message"]
    return body


def test_health_names_the_seed_the_clock_and_the_version(sandbox: Client) -> None:
    body = sandbox.control("GET", "/health").json()
    assert body["status"] == "ok"
    assert body["seed"] == 3
    assert body["now"].endswith("Z")
    assert abs(body["timestamp"] - time.time()) < 60
    assert body["version"]
    assert (body["world"], body["max_worlds"]) == ("default", 2)


def test_reset_gives_a_fresh_world_from_the_seed(sandbox: Client) -> None:
    created = sandbox.api("POST", "/playlists", json={"name": "before reset"})
    playlist = created.json()["playlist"]["id"]
    assert sandbox.api("GET", f"/playlists/{playlist}").status_code == 200
    assert sandbox.control("POST", "/reset").json()["seed"] == 3
    assert sandbox.api("GET", f"/playlists/{playlist}").status_code == 404
    assert sandbox.control("POST", "/reset", json={"seed": 7}).json()["seed"] == 7
    assert sandbox.control("GET", "/health").json()["seed"] == 7


def test_tokens_act_as_the_user_asked_expired_or_revoked(sandbox: Client) -> None:
    issued = sandbox.control("POST", "/tokens", json={"user_id": 5})
    assert issued.status_code == 201
    assert issued.json()["user_id"] == 5
    me = sandbox.api("GET", "/users/me", token=issued.json()["token"])
    assert me.json()["user"]["id"] == 5
    expired = sandbox.control("POST", "/tokens", json={"age_days": 91}).json()
    assert expired["status"] == "expired"
    assert _error_format(sandbox.api("GET", "/users/me", token=expired["token"]), 401)
    revoked = sandbox.control("POST", "/tokens", json={"revoked": True}).json()
    assert sandbox.api("GET", "/users/me", token=revoked["token"]).status_code == 401


def test_a_bad_control_body_is_answered_in_the_error_format(sandbox: Client) -> None:
    body = _error_format(sandbox.control("POST", "/tokens", json={"user_id": 99999}), 422)
    assert "user_id" in body["errors"]
    body = _error_format(sandbox.control("POST", "/tokens", json={"user_id": "x"}), 422)
    assert "user_id" in body["errors"]
    assert (
        "nope"
        in _error_format(sandbox.control("POST", "/tokens", json={"nope": 1}), 422)["message"]
    )
    for raw in (b'{"seconds": NaN}', b'{"seconds": 1e400}', b"{not json"):
        _error_format(sandbox.control("POST", "/clock/advance", content=raw), 400)
    missing = _error_format(sandbox.control("POST", "/clock/advance", json={}), 422)
    assert missing["errors"] == {"seconds": ["The seconds field is required."]}


def test_clock_advance_moves_this_worlds_time(sandbox: Client) -> None:
    before = sandbox.control("GET", "/health").json()["timestamp"]
    after = sandbox.control("POST", "/clock/advance", json={"seconds": 86400}).json()
    assert after["timestamp"] - before >= 86400
    # a token issued now expires once the documented 90 days have passed in this world
    token = sandbox.control("POST", "/tokens", json={}).json()["token"]
    assert sandbox.api("GET", "/users/me", token=token).status_code == 200
    sandbox.control("POST", "/clock/advance", json={"seconds": 91 * 86400})
    assert sandbox.api("GET", "/users/me", token=token).status_code == 401


def test_a_clock_stops_short_of_the_last_date_an_answer_can_show(sandbox: Client) -> None:
    """Advances that would pass 9998-12-31 are refused, and the world keeps answering."""
    step = {"seconds": 3.2e9}  # the most one call may ask: about 101 years
    answers = [sandbox.control("POST", "/clock/advance", world="far", json=step) for _ in range(80)]
    refused = [r for r in answers if r.status_code != 200]
    assert refused, "80 steps of 101 years pass year 9999"
    body = _error_format(refused[0], 422)
    assert "9998-12-31" in body["message"]
    assert "seconds" in body["errors"]
    assert sandbox.control("GET", "/health", world="far").status_code == 200
    anonymous = sandbox.http.get("/api/v1/tracks/1", headers={"X-BeatPass-Sandbox": "far"})
    assert anonymous.status_code == 200  # (the token expired 90 days in)
    sandbox.control("DELETE", "/world", world="far")


def test_side_effects_show_what_would_have_been_sent(sandbox: Client) -> None:
    empty = sandbox.control("GET", "/side-effects").json()
    assert empty == {"outbox": [], "charges": [], "uploads": [], "events": []}
    assert sandbox.api("POST", "/tracks/1/plays", json={}).status_code == 200
    events = sandbox.control("GET", "/side-effects").json()["events"]
    assert [e["operation"] for e in events] == ["tracks.plays.create"]


def test_the_journal_lists_requests_with_tokens_redacted(sandbox: Client) -> None:
    sandbox.api("GET", f"/tracks/1?access_token={TOKEN}")
    sandbox.api("GET", "/tracks/999999")
    journal = sandbox.control("GET", "/requests").json()["requests"]
    assert [(e["method"], e["status"]) for e in journal] == [("GET", 200), ("GET", 404)]
    assert journal[0]["path"] == "/api/v1/tracks/1?access_token=***"
    assert journal[1]["time"].endswith("Z")
    assert TOKEN not in sandbox.control("GET", "/requests").text


def test_undocumented_attempts_are_listed_and_api_prefix_stays_404(sandbox: Client) -> None:
    _error_format(sandbox.api("GET", "/__beatpass/health"), 404)
    _error_format(sandbox.api("DELETE", "/tracks"), 404)
    attempts = sandbox.control("GET", "/undocumented").json()["undocumented"]
    assert attempts == [
        {"method": "GET", "path": "/api/v1/__beatpass/health"},
        {"method": "DELETE", "path": "/api/v1/tracks"},
    ]


def test_an_injected_status_fires_as_often_as_asked_then_clears(sandbox: Client) -> None:
    added = sandbox.control(
        "POST", "/faults", json={"status": 503, "operations": ["tracks.show"], "times": 1}
    )
    assert added.status_code == 201
    assert added.json()["fault"]["operations"] == ["tracks.show"]
    _error_format(sandbox.api("GET", "/tracks/1"), 503)
    assert sandbox.api("GET", "/tracks/1").status_code == 200
    sandbox.control("POST", "/faults", json={"status": 500})
    assert sandbox.api("GET", "/tracks/2").status_code == 500
    assert sandbox.control("DELETE", "/faults").json()["cleared"] == 1
    assert sandbox.api("GET", "/tracks/2").status_code == 200


def test_bad_faults_are_refused_with_the_reason(sandbox: Client) -> None:
    body = _error_format(
        sandbox.control("POST", "/faults", json={"status": 503, "operations": ["track.show"]}),
        422,
    )
    assert "did you mean 'tracks.show'" in body["message"]
    _error_format(sandbox.control("POST", "/faults", json={"status": 200}), 422)
    _error_format(sandbox.control("POST", "/faults", json={}), 422)
    _error_format(sandbox.control("POST", "/faults", json={"status": 503, "drop": True}), 422)
    assert sandbox.control("GET", "/faults").json() == {"faults": []}


def test_latency_is_served_in_real_time(sandbox: Client) -> None:
    sandbox.control("POST", "/faults", json={"latency": 0.3, "operations": "tracks.show"})
    started = time.perf_counter()
    assert sandbox.api("GET", "/tracks/1").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_a_dropped_connection_answers_nothing(sandbox: Client) -> None:
    sandbox.control("POST", "/faults", json={"drop": True, "operations": "tracks.show", "times": 1})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        sandbox.api("GET", "/tracks/1")
    assert sandbox.api("GET", "/tracks/1").status_code == 200  # the next connection is fine
    statuses = [e["status"] for e in sandbox.control("GET", "/requests").json()["requests"]]
    assert statuses == [None, 200]


def test_a_timeout_holds_the_answer_then_gives_504(sandbox: Client) -> None:
    sandbox.sandbox.worlds.get("default").mock.core.served_timeout = 1.0  # not 30 s, in a test
    sandbox.control("POST", "/faults", json={"timeout": True, "operations": "tracks.show"})
    with pytest.raises(httpx.ReadTimeout):
        sandbox.api("GET", "/tracks/1", timeout=0.2)
    _error_format(sandbox.api("GET", "/tracks/1"), 504)


def test_two_worlds_are_isolated(sandbox: Client) -> None:
    made = sandbox.api("POST", "/playlists", world="job-a", json={"name": "only in a"})
    playlist = made.json()["playlist"]["id"]
    assert sandbox.api("GET", f"/playlists/{playlist}", world="job-a").status_code == 200
    assert sandbox.api("GET", f"/playlists/{playlist}", world="job-b").status_code == 404
    assert sandbox.api("GET", f"/playlists/{playlist}").status_code == 404  # default world
    token = sandbox.control("POST", "/tokens", world="job-a", json={"user_id": 4}).json()
    assert sandbox.api("GET", "/users/me", world="job-a", token=token["token"]).status_code == 200
    assert sandbox.api("GET", "/users/me", world="job-b", token=token["token"]).status_code == 401
    sandbox.control("POST", "/faults", world="job-a", json={"status": 503})
    assert sandbox.api("GET", "/tracks/1", world="job-a").status_code == 503
    assert sandbox.api("GET", "/tracks/1", world="job-b").status_code == 200
    sandbox.control("POST", "/clock/advance", world="job-b", json={"seconds": 3600})
    a = sandbox.control("GET", "/health", world="job-a").json()["timestamp"]
    b = sandbox.control("GET", "/health", world="job-b").json()["timestamp"]
    assert b - a >= 3599
    journal_a = sandbox.control("GET", "/requests", world="job-a").json()["requests"]
    assert {e["path"] for e in journal_a} == {
        f"/api/v1/playlists/{playlist}",
        "/api/v1/playlists",
        "/api/v1/users/me",
        "/api/v1/tracks/1",
    }


def test_worlds_are_bounded_and_can_be_freed(sandbox: Client) -> None:
    assert sandbox.control("GET", "/health", world="one").status_code == 200
    assert sandbox.control("GET", "/health", world="two").status_code == 200
    full = _error_format(sandbox.api("GET", "/tracks/1", world="three"), 503)
    assert "limit of 2" in full["message"]
    never = _error_format(sandbox.control("DELETE", "/world", world="never-made"), 404)
    assert never["message"] == "No world named 'never-made': nothing to discard."
    assert sandbox.control("DELETE", "/world", world="one").json() == {"discarded": "one"}
    assert sandbox.api("GET", "/tracks/1", world="three").status_code == 200
    _error_format(sandbox.api("GET", "/tracks/1", world="bad name!"), 400)


def test_unknown_control_paths_and_methods_are_answered_in_the_format(sandbox: Client) -> None:
    assert "/__beatpass/health" in _error_format(sandbox.control("GET", "/nope"), 404)["message"]
    wrong = sandbox.control("PUT", "/faults")
    _error_format(wrong, 405)
    assert wrong.headers["allow"] == "DELETE, GET, POST"


def test_the_control_openapi_document_is_valid_and_lists_every_operation() -> None:
    from openapi_spec_validator import validate

    document = control_openapi()
    validate(document)
    listed = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert listed == {(op.method, PREFIX + op.path) for op in OPERATIONS}
