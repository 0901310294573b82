"""The search and discovery page as one world: leaderboards rank producers by the figures
their own dashboards show, featured lists are the store's most played or followed records,
and audio search and radio follow the track they are asked about."""

from __future__ import annotations

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=5, rate_limits=False)


@pytest.fixture
def anon(api: BeatPassMock) -> httpx.Client:
    return api.client(token=None)


def producers(api: BeatPassMock) -> list[dict]:  # type: ignore[type-arg]
    credited = {a for t in api.records("Track") for a in t["artists"]}
    return [a for a in api.records("Artist") if a["id"] in credited]


def ranked(rows: list[dict]) -> bool:  # type: ignore[type-arg]
    ranks_ok = [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    return ranks_ok and [r["score"] for r in rows] == sorted(
        (r["score"] for r in rows), reverse=True
    )


def test_the_global_leaderboard_scores_each_producer_with_their_own_xp(
    api: BeatPassMock, anon: httpx.Client
) -> None:
    board = anon.get("/leaderboards/global").json()["producers"]
    assert ranked(board)
    assert {r["artist_id"] for r in board} == {a["id"] for a in producers(api)}
    for user_id in (1, 2, 3):
        client = api.client(token=api.issue_token(user_id))
        xp = client.get("/producer-intelligence/dashboard").json()["xp"]
        artist = next(a for a in api.records("Artist") if a["_user"] == user_id)
        entry = next((r for r in board if r["artist_id"] == artist["id"]), None)
        assert entry is None or entry["score"] == xp


def test_a_genre_leaderboard_counts_the_plays_of_that_genre_only(
    api: BeatPassMock, anon: httpx.Client
) -> None:
    genre = api.records("Genre")[0]
    board = anon.get(f"/leaderboards/genre/{genre['name']}").json()["producers"]
    assert ranked(board)
    for entry in board:
        inside = [
            t
            for t in api.records("Track")
            if entry["artist_id"] in t["artists"] and genre["id"] in t["genres"]
        ]
        assert entry["score"] == sum(t["plays"] for t in inside)
    assert anon.get("/leaderboards/genre/no-such-genre").status_code == 404


def test_rising_stars_are_ranked_by_their_growth(api: BeatPassMock, anon: httpx.Client) -> None:
    board = anon.get("/leaderboards/rising-stars").json()["producers"]
    assert ranked(board)
    days = API.rule("producer_intelligence.growth_days")
    top = board[0]
    chart = anon.get(
        f"/producer-intelligence/artist/{top['artist_id']}/charts",
        headers={"Authorization": f"Bearer {api.issue_token(1)}"},
    ).json()["charts"]["datasets"][0]["data"]
    recent, before = sum(chart[-days:]), sum(chart[-2 * days : -days])
    assert top["score"] == round((recent - before) * 100 / before, 2)


def test_the_achievement_leaderboard_counts_unlocked_achievements(
    api: BeatPassMock, anon: httpx.Client
) -> None:
    board = anon.get("/leaderboards/achievements").json()["producers"]
    assert ranked(board)
    me = api.client()
    unlocked = [
        a
        for a in me.get("/producer-intelligence/achievements").json()["achievements"]
        if a["unlocked"]
    ]
    mine = next(r for r in board if r["artist_id"] == 1)
    assert mine["score"] == len(unlocked)


def test_leaderboard_stats_agree_with_platform_stats(api: BeatPassMock, anon: httpx.Client) -> None:
    stats = anon.get("/leaderboard/stats").json()["stats"]
    platform = anon.get("/platform/stats").json()["stats"]
    assert stats["total_producers"] == platform["total_producers"] == len(producers(api))
    assert stats["total_plays"] == platform["total_plays"]
    assert stats["active_producers"] <= stats["total_producers"]


def test_featured_lists_are_the_most_played_and_followed(
    api: BeatPassMock, anon: httpx.Client
) -> None:
    count = API.rule("search.featured_count")
    tracks = anon.get("/carousel/tracks").json()["tracks"]
    by_plays = sorted(api.records("Track"), key=lambda t: (-t["plays"], t["id"]))[:count]
    assert [t["id"] for t in tracks] == [t["id"] for t in by_plays]
    board = anon.get("/leaderboards/global").json()["producers"]
    carousel = anon.get("/carousel/producers").json()["producers"]
    assert [a["id"] for a in carousel] == [r["artist_id"] for r in board[:count]]
    suggested = anon.get("/search/suggestions/artist").json()["artists"]
    assert [a["id"] for a in suggested] == [a["id"] for a in carousel]
    stars = anon.get("/leaderboards/rising-stars").json()["producers"]
    highlights = anon.get("/producer-highlights").json()["producers"]
    assert [a["id"] for a in highlights] == [r["artist_id"] for r in stars[:count]]


def test_audio_search_finds_tracks_like_the_one_named(
    api: BeatPassMock, anon: httpx.Client
) -> None:
    seed = api.records("Track")[0]
    found = anon.get(f"/search/audio/{seed['id']}/someone/something").json()["tracks"]
    assert found
    assert seed["id"] not in [t["id"] for t in found]
    genres = set(seed["genres"])
    for track in found:
        assert genres & set(
            next(t for t in api.records("Track") if t["id"] == track["id"])["genres"]
        )
    assert anon.get("/search/audio/999999/someone/something").status_code == 404


def test_achievement_details_are_the_catalogue_entry(anon: httpx.Client, api: BeatPassMock) -> None:
    item = API.rule("producer_intelligence.achievements")[0]
    me = api.client()
    shown = me.get(f"/achievements/{item['id']}/details").json()["achievement"]
    assert (shown["id"], shown["name"], shown["xp"]) == (item["id"], item["name"], item["xp"])
    assert (
        shown
        == me.get(f"/producer-intelligence/achievements/{item['id']}/details").json()["achievement"]
    )
