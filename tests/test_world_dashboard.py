"""The artist dashboard (dashboard.mdx) reports the caller's own artist, as the store holds it.

Each example reads like the docs: the figures are those of the caller's tracks (the same plays
``GET /tracks/{id}`` shows), the profile a PUT changes is the caller's and reads back, and a
caller without an artist profile or without upload access is refused.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()
NO_ARTIST_USER = 35  # users 31-40 own no artist (README: who is who)


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=4, rate_limits=False)


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def tracks_of(client: httpx.Client, artist_id: int) -> list[dict[str, Any]]:
    """The tracks credited to an artist, from the whole catalogue (``GET /tracks``, every
    page), in id order."""
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get("/tracks", params={"page": page, "per_page": 100}).json()["tracks"]
        out += [t for t in body["data"] if artist_id in [a["id"] for a in t["artists"]]]
        if page >= body["last_page"]:
            return out
        page += 1


def busiest(api: BeatPassMock) -> int:
    """The artist user with the most tracks (so a list has something to order)."""
    return max(range(1, 31), key=lambda u: len(api.owned("Track", u)))


def plays_of(client: httpx.Client, track_id: int) -> int:
    return int(client.get(f"/tracks/{track_id}").json()["track"]["plays"])


@pytest.mark.parametrize("user_id", [1, 2, 5])
def test_dashboard_stats_count_the_callers_own_tracks(api: BeatPassMock, user_id: int) -> None:
    with as_user(api, user_id) as me:
        stats = me.get("/artist/dashboard-stats").json()["data"]
        mine = tracks_of(me, user_id)  # user N owns artist N
        assert stats["total_tracks"] == len(mine)
        assert stats["total_plays"] == sum(plays_of(me, t["id"]) for t in mine)
        assert stats["tracks_with_plays"] == sum(1 for t in mine if plays_of(me, t["id"]) > 0)
        average = round(stats["total_plays"] / len(mine)) if mine else 0
        assert stats["average_plays_per_track"] == average
        assert (stats["top_track"] is None) == (not mine)


def test_the_top_track_is_the_callers_most_played_track(api: BeatPassMock) -> None:
    with api.client() as me:
        top = me.get("/artist/dashboard-stats").json()["data"]["top_track"]
        shown = me.get(f"/tracks/{top['id']}")
        assert shown.status_code == 200
        assert 1 in [a["id"] for a in shown.json()["track"]["artists"]]
        assert top["plays"] == shown.json()["track"]["plays"]
        assert top["plays"] == max(plays_of(me, t["id"]) for t in tracks_of(me, 1))


def test_track_performance_lists_the_callers_tracks_newest_first(api: BeatPassMock) -> None:
    limit = API.rule("dashboard.track_performance_limit")
    user = busiest(api)
    with as_user(api, user) as me:
        rows = me.get("/artist/track-performance").json()["data"]
        mine = {t["id"]: t for t in tracks_of(me, user)}
        assert len(rows) == min(len(mine), limit)
        assert {r["track_id"] for r in rows} <= set(mine)
        for row in rows:
            assert row["track_name"] == mine[row["track_id"]]["name"]
            assert row["plays"] == plays_of(me, row["track_id"])
            assert row["upload_date"] == mine[row["track_id"]]["created_at"]
        dates = [r["upload_date"] for r in rows]
        assert dates == sorted(dates, reverse=True)


def test_the_total_contribution_is_the_sum_of_the_tracks_contributions(
    api: BeatPassMock,
) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        stats = me.get("/artist/dashboard-stats").json()["data"]
        rows = me.get("/artist/track-performance").json()["data"]
        analytics = [
            me.get(f"/tracks/{t['id']}/producer-analytics").json()["analytics"]
            for t in tracks_of(me, user)
        ]
    assert stats["total_contribution"] == pytest.approx(
        sum(a["contribution_value"] for a in analytics), abs=1e-5
    )
    by_id = {t["track_id"]: t["contribution_value"] for t in rows}
    assert stats["top_track"]["contribution_value"] == by_id[stats["top_track"]["id"]]


def test_a_play_counted_on_a_track_shows_on_the_dashboard(api: BeatPassMock) -> None:
    with api.client() as me:
        before = me.get("/artist/dashboard-stats").json()["data"]["total_plays"]
        track = api.records("Track")[tracks_of(me, 1)[0]["id"] - 1]
        track["plays"] += 5  # as a play counter would (records() is the live store)
        after = me.get("/artist/dashboard-stats").json()["data"]
        profile = me.get("/artist/profile").json()["data"]
    assert after["total_plays"] == before + 5 == profile["total_plays"]


def test_a_record_changed_in_place_shows_in_the_next_answer(api: BeatPassMock) -> None:
    # api.records hands out the live records: a change made to one, even after answers were
    # read, is what the next answer reports (nothing derived before it is reused).
    with as_user(api, 1) as me:
        before = me.get("/artist/dashboard-stats").json()["data"]
        track = next(t for t in api.records("Track") if t["artists"] == [1])
        assert me.get("/artist/dashboard-stats").json()["data"] == before
        track["plays"] += 7
        after = me.get("/artist/dashboard-stats").json()["data"]
        assert after["total_plays"] == before["total_plays"] + 7
        assert plays_of(me, track["id"]) == track["plays"]
        track["artists"] = [2]  # credited to another artist: no longer the caller's
        moved = me.get("/artist/dashboard-stats").json()["data"]
        assert moved["total_tracks"] == before["total_tracks"] - 1
        assert moved["total_plays"] == before["total_plays"] - track["plays"] + 7


def test_the_profile_says_what_the_dashboard_counts(api: BeatPassMock) -> None:
    with as_user(api, 3) as me:
        profile = me.get("/artist/profile").json()["data"]
        stats = me.get("/artist/dashboard-stats").json()["data"]
        artist = me.get("/artists/3").json()["artist"]
    assert profile["id"] == 3
    assert profile["name"] == artist["name"]
    assert (profile["total_tracks"], profile["total_plays"]) == (
        stats["total_tracks"],
        stats["total_plays"],
    )


def test_a_profile_update_changes_the_callers_artist_and_reads_back(api: BeatPassMock) -> None:
    others_bio = api.records("Artist")[0]["bio"]
    with as_user(api, 2) as me:
        sent = {"bio": "Beats from the north.", "social_links": {"twitter": "@north"}}
        answer = me.put("/artist/profile", json=sent)
        assert answer.status_code == 200
        assert answer.json()["data"]["bio"] == "Beats from the north."
        assert answer.json()["data"]["social_links"]["twitter"] == "@north"
        shown = me.get("/artist/profile").json()["data"]
        assert (shown["id"], shown["bio"]) == (2, "Beats from the north.")
        assert shown["social_links"] == {"twitter": "@north"}
        assert me.get("/artists/2").json()["artist"]["bio"] == "Beats from the north."
    with api.client() as user_one:
        assert user_one.get("/artist/profile").json()["data"]["bio"] == others_bio


def test_a_caller_without_an_artist_profile_is_refused_not_given_another(
    api: BeatPassMock,
) -> None:
    before = [dict(a) for a in api.records("Artist")]
    with as_user(api, NO_ARTIST_USER) as me:
        for path in ("/artist/profile", "/artist/dashboard-stats", "/artist/upload-insights"):
            assert me.get(path).status_code == 403, path
        assert me.put("/artist/profile", json={"bio": "hijack"}).status_code == 403
    assert [dict(a) for a in api.records("Artist")] == before


def test_upload_insights_follow_the_profiles_upload_access(api: BeatPassMock) -> None:
    with as_user(api, 4) as me:
        assert me.get("/artist/profile").json()["data"]["upload_access"] is True
        assert me.get("/artist/upload-insights").status_code == 200
        api.records("Artist")[3]["_upload_access"] = False  # artist 4's profile
        assert me.get("/artist/profile").json()["data"]["upload_access"] is False
        refused = me.get("/artist/upload-insights")
        assert refused.status_code == 403
        assert "upload access" in refused.json()["message"]


def test_upload_insights_count_uploads_by_calendar_month(api: BeatPassMock) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        insights = me.get("/artist/upload-insights").json()["data"]
        mine = tracks_of(me, user)
    assert insights["total_uploads"] == len(mine)
    best = insights["best_performing_month"]
    in_best = [t for t in mine if t["created_at"].startswith(best["month"])]
    assert best["track_count"] == len(in_best)
    assert best["total_plays"] == sum(t["plays"] for t in in_best)
    by_month: dict[str, int] = {}
    for t in mine:
        by_month[t["created_at"][:7]] = by_month.get(t["created_at"][:7], 0) + t["plays"]
    assert best["total_plays"] == max(by_month.values())


def test_collaborative_tracks_are_the_artists_tracks_with_other_artists(
    api: BeatPassMock,
) -> None:
    with api.client() as me:
        rows = me.get("/artist/2/collaborative-tracks").json()["data"]
        for row in rows:
            track = me.get(f"/tracks/{row['track_id']}").json()["track"]
            credited = {a["id"] for a in track["artists"]}
            assert 2 in credited
            assert len(credited) > 1
            assert {c["id"] for c in row["collaborators"]} == credited - {2}
            assert row["plays"] == track["plays"]
        assert len(rows) == sum(1 for t in tracks_of(me, 2) if len(t["artists"]) > 1)
