"""The mock's layers: auth and tiers, validation, routing, rate limits, faults, determinism."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()
TRACK_PUBLIC = set(API.resources["Track"].public_fields) | set(
    API.resources["Track"].public_optional_fields
)


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=7)


def test_anonymous_caller_gets_only_public_track_fields(api: BeatPassMock) -> None:
    with api.client(anonymous=True) as client:
        track = client.get("/tracks/1").json()["track"]
    assert set(track) <= TRACK_PUBLIC
    assert set(API.resources["Track"].public_fields) <= set(track)
    for artist in track["artists"]:
        assert set(artist) <= {"id", "name", "model_type"}


def test_token_caller_gets_rich_fields(api: BeatPassMock) -> None:
    with api.client() as client:
        track = client.get("/tracks/1").json()["track"]
    assert {"price", "bpm", "plays", "key", "scale", "licensing_type"} <= set(track)
    assert not set(API.resources["Track"].hidden) & set(track)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer nope", "Unauthenticated."),
        ("Basic dXNlcjpwdw==", "Unauthenticated."),
        ("Bearer ", "Unauthenticated."),
    ],
)
def test_invalid_tokens_get_401_even_on_optional_operations(
    api: BeatPassMock, header: str, message: str
) -> None:
    with api.client(anonymous=True) as client:
        r = client.get("/tracks/1", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json() == {"message": message}


def test_expired_and_revoked_tokens_get_401(api: BeatPassMock) -> None:
    old = api.issue_token(age_days=91)
    fresh = api.issue_token(age_days=89)
    revoked = api.issue_token()
    api.revoke_token(revoked)
    with api.client(anonymous=True) as client:
        assert client.get("/purchases", headers=api.auth_headers(fresh)).status_code == 200
        expired = client.get("/purchases", headers=api.auth_headers(old))
        assert expired.status_code == 401
        assert expired.json() == {"message": "Token expired."}
        assert client.get("/purchases", headers=api.auth_headers(revoked)).status_code == 401


def test_token_expires_as_the_clock_moves(api: BeatPassMock) -> None:
    token = api.issue_token()
    with api.client(token=token) as client:
        assert client.get("/purchases").status_code == 200
        api.clock.advance(90 * 86_400)  # type: ignore[union-attr]
        assert client.get("/purchases").status_code == 401


def test_required_operation_refuses_anonymous_callers(api: BeatPassMock) -> None:
    with api.client(anonymous=True) as client:
        r = client.get("/purchases")
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthenticated."}


def test_another_users_private_playlist_is_forbidden(api: BeatPassMock) -> None:
    private = next(p for p in api.records("Playlist") if not p["public"] and p["_owner"] != 1)
    with api.client() as client:
        r = client.get(f"/playlists/{private['id']}")
    assert r.status_code == 403
    assert r.json() == {"message": "This action is unauthorized."}


def test_malformed_json_is_400(api: BeatPassMock) -> None:
    with api.client() as client:
        r = client.post(
            "/playlists", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 400
    assert r.json() == {"message": "Malformed JSON in the request body."}


def test_schema_breaking_body_is_422_naming_exactly_the_failed_fields(api: BeatPassMock) -> None:
    with api.client() as client:
        r = client.post("/beat-requests", json={"content": "short", "duration_hours": 36})
    assert r.status_code == 422
    body = r.json()
    assert set(body["errors"]) == {"content", "reference_track", "duration_hours"}
    assert body["errors"]["reference_track"] == ["The reference track field is required."]
    assert body["errors"]["content"] == ["The content field must be at least 10 characters."]
    assert body["message"].startswith("The ")


def test_bad_query_parameter_is_422(api: BeatPassMock) -> None:
    with api.client() as client:
        r = client.get("/tracks", params={"per_page": "lots"})
    assert r.status_code == 422
    assert r.json()["errors"] == {"per_page": ["The per page field must be an integer."]}


def test_unknown_id_is_404_in_the_error_format(api: BeatPassMock) -> None:
    with api.client() as client:
        r = client.get("/tracks/999999")
        not_a_number = client.get("/tracks/abc")
    assert r.status_code == 404
    assert r.json() == {"message": "Track not found."}
    assert not_a_number.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/admin/users"), ("PATCH", "/tracks/1"), ("GET", "/tracks/1/secret")],
)
def test_undocumented_endpoints_are_404_and_recorded(
    api: BeatPassMock, method: str, path: str
) -> None:
    with api.client() as client:
        r = client.request(method, path)
    assert r.status_code == 404
    assert "not a documented BeatPass API operation" in r.json()["message"]
    assert (method, f"/api/v1{path}") in api.undocumented
    assert "X-RateLimit-Limit" in r.headers


def test_rate_limit_headers_count_down_and_429_after_the_limit(api: BeatPassMock) -> None:
    limit = API.policies.categories["contact_info"].limit
    with api.client() as client:
        first = client.get("/users/2/contact-info")
        assert first.headers["X-RateLimit-Limit"] == str(limit)
        assert first.headers["X-RateLimit-Remaining"] == str(limit - 1)
        assert int(first.headers["X-RateLimit-Reset"]) > api.clock.now()
        for _ in range(limit - 1):
            client.get("/users/2/contact-info")
        limited = client.get("/users/2/contact-info")
        assert limited.status_code == 429
        assert limited.json() == {
            "message": "Too Many Attempts.",
            "retry_after": int(limited.headers["Retry-After"]),
        }
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert client.get("/tracks/1").status_code == 200  # other categories are unaffected
        api.clock.advance(int(limited.headers["Retry-After"]))  # type: ignore[union-attr]
        assert client.get("/users/2/contact-info").status_code == 200


def test_rate_limits_can_be_switched_off() -> None:
    api = BeatPassMock(rate_limits=False)
    with api.client() as client:
        statuses = {client.get("/users/2/contact-info").status_code for _ in range(40)}
    assert statuses == {200}


def test_injected_status_fault_uses_the_error_format(api: BeatPassMock) -> None:
    api.inject(status=503, operations="tracks.show")
    with api.client() as client:
        r = client.get("/tracks/1")
        other = client.get("/albums/1")
    assert r.status_code == 503
    assert r.json() == {"message": "Service Unavailable"}
    assert other.status_code == 200


def test_every_documented_error_status_can_be_injected_in_its_documented_body() -> None:
    # A client's handling of any documented error can be tested offline: the injected answer
    # validates against the operation's schema for that status (a 422 names what failed, a
    # 429 carries retry_after) and uses the operation's catalogue message where it has one.
    api = BeatPassMock(rate_limits=False)
    checked = 0
    with api.client() as client:
        for op in api.spec.operations.values():
            for status in (s for s in op.responses if s >= 400):
                api.faults.clear()
                api.inject(status=status, operations=op.id)
                path = re.sub(r"\{[^}]+\}", "1", op.path)
                r = client.request(op.method, path, json={} if op.body else None)
                assert r.status_code == status, (op.id, status)
                for tier in op.tiers:
                    name = f"operations/{op.id}/response.{status}.{tier}"
                    if api.spec.schemas.response(op.id, status, tier) is not None:
                        assert api.spec.schemas.errors(name, r.json()) == [], (op.id, status)
                if status == 422:
                    assert r.json()["errors"], op.id
                checked += 1
    assert checked > 1000
    api.faults.clear()
    api.inject(status=403, operations="tracks.show")
    with api.client() as client:
        assert client.get("/tracks/1").json() == {"message": "Private track."}


def test_an_injected_429_says_when_to_retry(api: BeatPassMock) -> None:
    api.inject(status=429, operations="tracks.show", retry_after=2)
    with api.client() as client:
        r = client.get("/tracks/1")
    assert (r.status_code, r.headers["Retry-After"]) == (429, "2")
    assert r.json() == {"message": "Too Many Attempts.", "retry_after": 2}


@pytest.mark.parametrize(
    ("prefer", "status"),
    [
        ("code=403", 403),
        ('respond-async, Code = "410"', 410),  # RFC 7240: any case, spaces, quotes
        ("wait=5; x=1, code=404", 404),
        ("code=200", 200),  # a documented success: the mock's own answer
        ('foo="a, code=500"', 200),  # inside another preference's quoted value
        ("return=minimal", 200),
        ("code=302", 400),  # not documented for the operation
        ("code=4040", 400),  # not a status
    ],
)
def test_prefer_code_answers_a_documented_status_and_refuses_others(
    api: BeatPassMock, prefer: str, status: int
) -> None:
    with api.client() as client:
        r = client.get("/tracks/1", headers={"Prefer": prefer})
    assert r.status_code == status
    if status == 200:
        assert r.json()["track"]["id"] == 1
    elif status == 400:
        asked = "code must be a status" if prefer == "code=4040" else f"{prefer} is not documented"
        assert r.json()["message"].startswith(f"Prefer: {asked} for tracks.show; documented: 200,")
    else:
        assert r.json()["message"] == {403: "Private track.", 404: "Track not found."}.get(
            status, "Track unavailable."
        )


def test_a_fault_for_an_unknown_operation_is_refused_with_a_hint(api: BeatPassMock) -> None:
    with pytest.raises(ValueError, match=re.escape("did you mean 'tracks.show'")):
        api.inject(status=503, operations="tracks.shwo")
    with pytest.raises(ValueError, match="names no operation"):
        api.inject(status=503, operations=[])


def test_operations_may_be_any_iterable(api: BeatPassMock) -> None:
    api.inject(status=503, operations=(op for op in ["tracks.show"]))
    with api.client() as client:
        assert client.get("/tracks/1").status_code == 503


def test_injected_timeout_and_connection_error_are_httpx_errors(api: BeatPassMock) -> None:
    api.inject(timeout=True, operations="tracks.show", times=1)
    api.inject(connect_error=True, operations="albums.show", times=1)
    with api.client() as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/tracks/1")
        with pytest.raises(httpx.ConnectError):
            client.get("/albums/1")
        assert client.get("/tracks/1").status_code == 200  # times=1: it fired once


def test_injected_latency_moves_the_manual_clock(api: BeatPassMock) -> None:
    api.inject(latency=2.5, operations="tracks.show")
    before = api.clock.now()
    with api.client() as client:
        assert client.get("/tracks/1").status_code == 200
    assert api.clock.now() - before == pytest.approx(2.5)


def test_fault_probability_is_seeded() -> None:
    def run() -> list[int]:
        api = BeatPassMock(seed=11, rate_limits=False)
        api.inject(status=500, probability=0.3)
        with api.client() as client:
            return [client.get("/tracks/1").status_code for _ in range(60)]

    first = run()
    assert first == run()
    assert 5 < first.count(500) < 35


def test_same_seed_same_bytes() -> None:
    def body(seed: int) -> bytes:
        with BeatPassMock(seed=seed).client() as client:
            return (
                client.get("/tracks", params={"per_page": 50}).content
                + client.get("/artists/3").content
            )

    assert body(5) == body(5)
    assert body(5) != body(6)


def test_dataset_is_large_and_consistent(api: BeatPassMock) -> None:
    tracks = api.records("Track")
    assert len(tracks) >= 120
    artists = {a["id"] for a in api.records("Artist")}
    albums = {a["id"]: a for a in api.records("Album")}
    for track in tracks:
        assert set(track["artists"]) <= artists
        if track["album"] is not None:
            assert track["id"] in albums[track["album"]]["tracks"]


def test_seeded_purchases_and_licences_name_real_tracks_at_their_price(api: BeatPassMock) -> None:
    tracks = {t["id"]: t for t in api.records("Track")}
    bought = [(p["_owner"], p["track_id"]) for p in api.records("Purchase")]
    assert len(set(bought)) == len(bought), "a track bought twice by one user"
    for purchase in api.records("Purchase"):
        track = tracks[purchase["track_id"]]
        assert purchase["_owner"] not in (api.store.owners(track) or ()), "bought their own track"
        assert purchase["track_name"] == track["name"]
        assert purchase["artist_amount"] == round(float(track["price"]), 2)
        fee_and_price = purchase["artist_amount"] + purchase["platform_fee"]
        assert abs(purchase["total_amount"] - fee_and_price) < 0.011
    for licence in api.records("License"):
        assert (licence["_owner"], licence["track_id"]) in bought, "a licence without a purchase"
        assert licence["license_type"] in ("non-exclusive", "exclusive")


def test_pagination_walks_every_track_once(api: BeatPassMock) -> None:
    seen: list[int] = []
    with api.client() as client:
        page, last = 1, None
        while last is None or page <= last:
            body = client.get("/tracks", params={"page": page, "per_page": 25}).json()["tracks"]
            last = body["last_page"]
            assert body["per_page"] == 25
            seen.extend(t["id"] for t in body["data"])
            page += 1
    assert body["total"] == len(seen) == len(set(seen)) == len(api.records("Track"))


def test_every_response_is_json_with_the_documented_error_body_on_errors(api: BeatPassMock) -> None:
    with api.client() as client:
        for r in (client.get("/tracks/0"), client.delete("/tracks/1"), client.get("/nope")):
            body = json.loads(r.content)
            assert isinstance(body["message"], str)
            assert API.schemas.errors("common/error", body) == []


def test_head_is_answered_like_get_without_a_body(api: BeatPassMock) -> None:
    with api.client() as client:
        head, get = client.head("/tracks/1"), client.get("/tracks/1")
        missing = client.head("/tracks/999999")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
    assert "X-RateLimit-Remaining" in head.headers
    assert (missing.status_code, missing.content) == (404, b"")


def test_a_required_body_cannot_be_left_out(api: BeatPassMock) -> None:
    with api.client() as client:
        r = client.post("/albums")
    assert r.status_code == 422
    assert r.json()["errors"] == {"body": ["The request body is required (a JSON object)."]}


def test_served_transport_faults_are_answered_with_rate_limit_headers(api: BeatPassMock) -> None:
    api.inject(timeout=True, operations="tracks.show", times=1)
    api.inject(connect_error=True, operations="albums.show", times=1)
    api.core.served_timeout = 0.2
    before, started = api.clock.now(), time.monotonic()
    timed_out = api.served_handler(httpx.Request("GET", f"{api.base_url}/tracks/1"))
    assert (timed_out.status_code, timed_out.json()) == (504, {"message": "Gateway Timeout"})
    assert time.monotonic() - started >= 0.2  # held in real time...
    assert api.clock.now() == before  # ...while the mock's own clock stays put
    assert "X-RateLimit-Remaining" in timed_out.headers
    assert timed_out.headers["Access-Control-Allow-Origin"] == "*"
    # a connection error is raised to the server, which drops the connection (test_control)
    with pytest.raises(httpx.ConnectError):
        api.served_handler(httpx.Request("GET", f"{api.base_url}/albums/1"))


def test_a_list_of_related_records_follows_writes_and_in_place_changes(
    api: BeatPassMock,
) -> None:
    """A user's playlists are the records that name the user, worked out once per state of the
    store: a write through another operation, and a record changed in place, both show in the
    next answer of the list."""

    def listed() -> set[int]:
        with api.client() as client:
            page = client.get("/users/1/playlists", params={"perPage": 100}).json()
        return {p["id"] for p in page["pagination"]["data"]}

    before = listed()
    with api.client() as client:
        created = client.post("/playlists", json={"name": "Late Night", "public": True}).json()
    new_id = created["playlist"]["id"]
    assert listed() == before | {new_id}
    other = next(p for p in api.records("Playlist") if p["_owner"] != 1)
    other.update(_owner=1, public=True)
    assert listed() == before | {new_id, other["id"]}


def test_a_manual_clock_refuses_to_pass_the_last_date_answers_can_show() -> None:
    from mockserver._clock import LATEST, ManualClock

    clock = ManualClock()
    clock.advance(LATEST - clock.now())  # exactly to the limit
    with pytest.raises(ValueError, match="9998-12-31"):
        clock.advance(1)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(float("nan"))
    assert clock.now() == LATEST
