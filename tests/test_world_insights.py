"""Insights (insights.mdx) and producer analytics (content.mdx) come from the store.

The examples read like the docs: a producer sees insights of their own tracks, albums and
artist and is refused another producer's; a total is the counter ``GET /tracks/{id}`` shows,
a chart sums to the period's plays beside it and ends today, and the same figure read through
the dashboard, the insights page and the public analytics agrees.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()
INSIGHTS = "/producer-intelligence/insights"
PERIODS = {p["id"]: p["days"] for p in API.rule("insights.periods")}
TIMEFRAMES = {t["id"]: t["days"] for t in API.rule("insights.timeframes")}
SAME_WINDOW = [(p, t) for p, d in PERIODS.items() for t, e in TIMEFRAMES.items() if d == e]


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=6, rate_limits=False)


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def busiest(api: BeatPassMock) -> int:
    """The artist user with the most tracks, so sums have several terms."""
    return max(range(1, 31), key=lambda u: len(api.owned("Track", u)))


def track_ids(api: BeatPassMock, user_id: int) -> list[int]:
    return [t["id"] for t in api.owned("Track", user_id)]


def data(client: httpx.Client, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()["data"]


def shown(client: httpx.Client, track_id: int) -> dict[str, Any]:
    return dict(client.get(f"/tracks/{track_id}").json()["track"])


# -- the caller's own insights ------------------------------------------------------------------


def test_track_insights_total_the_tracks_own_counters(api: BeatPassMock) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        for track_id in track_ids(api, user):
            insights = data(me, f"{INSIGHTS}/tracks/{track_id}")
            track = shown(me, track_id)
            assert insights["plays"]["total"] == track["plays"]
            assert insights["engagement"] == {
                "likes": track["likes_count"],
                "reposts": track["reposts_count"],
            }
            assert 0 <= insights["plays"]["period"] <= insights["plays"]["total"]
            assert insights["listeners"]["unique"] <= insights["listeners"]["total"]


def test_another_producers_insights_are_forbidden(api: BeatPassMock) -> None:
    their_track = next(t for t in api.records("Track") if t not in api.owned("Track", 1))
    theirs = their_track["id"]
    their_album = next(a["id"] for a in api.records("Album") if a not in api.owned("Album", 1))
    with api.client() as me:
        for path in (
            f"{INSIGHTS}/tracks/{theirs}",
            f"{INSIGHTS}/tracks/{theirs}/charts",
            f"{INSIGHTS}/tracks/{theirs}/realtime",
            f"{INSIGHTS}/albums/{their_album}",
            f"{INSIGHTS}/albums/{their_album}/charts",
            f"{INSIGHTS}/artists/2",
            f"{INSIGHTS}/artists/2/charts",
            f"{INSIGHTS}/artists/2/collaborations",
        ):
            assert me.get(path).status_code == 403, path
        assert me.get(f"{INSIGHTS}/artists/1").status_code == 200
    with as_user(api, their_track["artists"][0]) as them:  # artist N belongs to user N
        assert them.get(f"{INSIGHTS}/tracks/{theirs}").status_code == 200


@pytest.mark.parametrize(("period", "timeframe"), SAME_WINDOW)
def test_a_chart_sums_to_the_plays_of_the_same_period(
    api: BeatPassMock, period: str, timeframe: str
) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        for kind, key in [("artists", user), ("tracks", track_ids(api, user)[0])]:
            insights = data(me, f"{INSIGHTS}/{kind}/{key}", period=period)
            chart = data(me, f"{INSIGHTS}/{kind}/{key}/charts", timeframe=timeframe)
            assert len(chart["labels"]) == PERIODS[period]
            (plays,) = chart["datasets"]
            assert sum(plays["data"]) == insights["plays"]["period"]


def test_charts_end_today_and_never_after_the_mock_clock(api: BeatPassMock) -> None:
    today = datetime.datetime.fromtimestamp(api.clock.now(), datetime.timezone.utc).date()
    with api.client() as me:
        for timeframe, days in TIMEFRAMES.items():
            labels = data(me, f"{INSIGHTS}/artists/1/charts", timeframe=timeframe)["labels"]
            dates = [datetime.date.fromisoformat(d) for d in labels]
            assert dates[-1] == today
            assert dates == [today - datetime.timedelta(days=days - 1 - i) for i in range(days)]


def test_the_artists_chart_is_the_sum_of_their_tracks_charts(api: BeatPassMock) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        artist = data(me, f"{INSIGHTS}/artists/{user}/charts", timeframe="90d")
        per_track = [
            data(me, f"{INSIGHTS}/tracks/{t}/charts", timeframe="90d")["datasets"][0]["data"]
            for t in track_ids(api, user)
        ]
    assert artist["datasets"][0]["data"] == [sum(day) for day in zip(*per_track, strict=True)]


def test_growth_compares_the_period_with_the_one_before(api: BeatPassMock) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        growth = data(me, f"{INSIGHTS}/artists/{user}", period="7-days")["growth"]
        days = data(me, f"{INSIGHTS}/artists/{user}/charts", timeframe="30d")["datasets"][0]
    current, before = sum(days["data"][-7:]), sum(days["data"][-14:-7])
    expected = round((current - before) * 100 / before, 1) if before else 0.0
    assert growth["plays_change"] == pytest.approx(expected, abs=0.05)


def test_realtime_plays_are_todays_point_of_the_chart(api: BeatPassMock) -> None:
    track_id = track_ids(api, 1)[0]
    with api.client() as me:
        live = data(me, f"{INSIGHTS}/tracks/{track_id}/realtime")
        chart = data(me, f"{INSIGHTS}/tracks/{track_id}/charts", timeframe="7d")
    assert live["recent_plays"] == chart["datasets"][0]["data"][-1]
    assert 0 <= live["active_listeners"] <= live["recent_plays"]


def test_both_real_time_endpoints_read_one_definition(api: BeatPassMock) -> None:
    """Recent plays are today's plays so far, active listeners the users who played the
    track in the hour in progress; the PI and the Insights endpoint agree, and an hour with
    no play recorded in it has nobody listening and adds no play."""
    track_id = track_ids(api, 1)[0]
    listener = 40  # owns no artist: never credited on the track
    with api.client() as me:

        def both() -> dict[str, int]:
            pi = me.get(f"/producer-intelligence/track/{track_id}/real-time").json()["metrics"]
            insights = data(me, f"{INSIGHTS}/tracks/{track_id}/realtime")
            assert pi == insights
            return dict(insights)

        start = both()
        chart = data(me, f"{INSIGHTS}/tracks/{track_id}/charts", timeframe="7d")
        assert start["recent_plays"] == chart["datasets"][0]["data"][-1]
        with as_user(api, listener) as fan:
            for _ in range(2):
                assert fan.post(f"/tracks/{track_id}/plays").is_success
        played = both()
        assert played == {
            "active_listeners": start["active_listeners"] + 1,
            "recent_plays": start["recent_plays"] + 2,
        }
        live = me.get("/producer-intelligence/live-analytics").json()["analytics"]
        assert live["active_listeners"] >= 1
        now = api.clock.now()
        step = 3600 - now % 3600
        assert (now + step) % 86_400 != 0  # the next hour is still today
        api.clock.advance(step)
        assert both() == {"active_listeners": 0, "recent_plays": played["recent_plays"]}


def test_a_recorded_play_makes_its_user_a_listener(api: BeatPassMock) -> None:
    """A play names the user who played (it needs a token): that user is one of the track's
    listeners, once however often they play it, on the public analytics and the insights."""
    track_id = track_ids(api, 1)[0]

    def listeners(client: httpx.Client) -> tuple[int, int]:
        public = client.get(f"/tracks/{track_id}/producer-analytics").json()["analytics"]
        insights = data(client, f"{INSIGHTS}/tracks/{track_id}")["listeners"]["unique"]
        return public["unique_listeners"], insights

    with api.client() as me:
        before = listeners(me)
        assert before[0] == before[1]
        joined = api.client(anonymous=True).post(
            "/auth/register",
            json={
                "email": "new.listener@example.test",
                "password": "secret123",
                "password_confirmation": "secret123",
                "name": "New Listener",
            },
        )
        newcomer = joined.json()["user"]["id"]  # has saved, reposted and bought nothing
        with as_user(api, newcomer) as player:
            for _ in range(3):
                assert player.post(f"/tracks/{track_id}/plays").is_success
        assert listeners(me) == (before[0] + 1, before[1] + 1)


def test_album_insights_sum_the_albums_tracks(api: BeatPassMock) -> None:
    album = next(a for a in api.records("Album") if a["tracks"])
    with as_user(api, album["artists"][0]) as me:  # artist N belongs to user N
        insights = data(me, f"{INSIGHTS}/albums/{album['id']}")
        listed = me.get(f"/albums/{album['id']}").json()["album"]["tracks"]
        assert listed
        assert insights["plays"]["total"] == sum(shown(me, t["id"])["plays"] for t in listed)
        assert insights["engagement"]["likes"] == sum(
            shown(me, t["id"])["likes_count"] for t in listed
        )


def test_collaborations_are_the_artists_shared_tracks(api: BeatPassMock) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        stats = data(me, f"{INSIGHTS}/artists/{user}/collaborations")
        shared = [t for t in track_ids(api, user) if len(shown(me, t)["artists"]) > 1]
    assert stats["total_collaborations"] == len(shared)
    assert [t["id"] for t in stats["collaboration_tracks"]] == shared
    assert sum(c["count"] for c in stats["top_collaborators"]) >= len(shared)
    counts = [c["count"] for c in stats["top_collaborators"]]
    assert counts == sorted(counts, reverse=True)


# -- one figure, every endpoint -----------------------------------------------------------------


def test_an_artists_plays_agree_across_dashboard_insights_analytics_and_tracks(
    api: BeatPassMock,
) -> None:
    user = busiest(api)
    with as_user(api, user) as me:
        dashboard = data(me, "/artist/dashboard-stats")["total_plays"]
        profile = data(me, "/artist/profile")["total_plays"]
        insights = data(me, f"{INSIGHTS}/artists/{user}")["plays"]["total"]
        public = me.get(f"/artists/{user}/producer-analytics").json()["analytics"]["plays"]
        summed = sum(shown(me, t)["plays"] for t in track_ids(api, user))
    assert dashboard == profile == insights == public == summed


def test_a_new_play_moves_every_figure_and_keeps_the_chart_summing(api: BeatPassMock) -> None:
    track_id = track_ids(api, 1)[0]
    with api.client() as me:
        before = data(me, f"{INSIGHTS}/tracks/{track_id}", period="7-days")["plays"]
        api.records("Track")[track_id - 1]["plays"] += 3  # the live store, as a play counter
        after = data(me, f"{INSIGHTS}/tracks/{track_id}", period="7-days")["plays"]
        chart = data(me, f"{INSIGHTS}/tracks/{track_id}/charts", timeframe="7d")
        assert after["total"] == before["total"] + 3 == shown(me, track_id)["plays"]
        assert sum(chart["datasets"][0]["data"]) == after["period"]
        engagement = me.get(f"/tracks/{track_id}/engagement-metrics").json()["metrics"]
        assert engagement["plays"] == after["total"]


def test_the_report_summarises_the_artist_insights_of_its_period(api: BeatPassMock) -> None:
    with api.client() as me:
        sent = {"period": "90-days", "include_charts": True}
        report = me.post(f"{INSIGHTS}/export/report", json=sent).json()["data"]
        artist = data(me, f"{INSIGHTS}/artists/1", period="90-days")
        chart = data(me, f"{INSIGHTS}/artists/1/charts", timeframe="90d")
    assert report["period"] == "90-days"
    assert report["summary"]["plays"] == artist["plays"]
    assert report["summary"]["tracks"] == len(track_ids(api, 1))
    assert report["charts"] == [chart]


# -- exports: formats, types and periods are rules ----------------------------------------------


def test_export_formats_are_the_documented_list(api: BeatPassMock) -> None:
    with api.client() as me:
        formats = me.get(f"{INSIGHTS}/export/formats").json()["formats"]
    assert formats == API.rule("insights.export_formats")
    assert [f["id"] for f in formats] == ["csv", "json", "pdf"]  # insights.mdx


def test_the_periods_and_timeframes_the_spec_accepts_are_the_rules() -> None:
    for op in API.operations.values():
        if not op.id.startswith("producer_intelligence.insights."):
            continue
        for param in op.query_params:
            if param.name == "period":
                assert param.schema["enum"] == list(PERIODS), op.id
                assert param.schema["default"] == API.rule("insights.default_period"), op.id
            if param.name == "timeframe":
                assert param.schema["enum"] == list(TIMEFRAMES), op.id


def test_a_json_export_has_a_row_per_track_with_its_figures(api: BeatPassMock) -> None:
    with api.client() as me:
        sent = {"type": "tracks", "period": "7-days"}
        export = me.post(f"{INSIGHTS}/export/json", json=sent).json()["data"]
        assert (export["type"], export["period"]) == ("tracks", "7-days")
        assert [r["id"] for r in export["rows"]] == track_ids(api, 1)
        for row in export["rows"]:
            insights = data(me, f"{INSIGHTS}/tracks/{row['id']}", period="7-days")
            assert (row["plays"], row["period_plays"]) == (
                insights["plays"]["total"],
                insights["plays"]["period"],
            )


def test_the_csv_export_holds_the_rows_of_the_json_export(api: BeatPassMock) -> None:
    sent = {"type": "albums", "period": "90-days"}
    album = next(a for a in api.records("Album") if a["tracks"])
    with as_user(api, album["artists"][0]) as me:
        rows = me.post(f"{INSIGHTS}/export/json", json=sent).json()["data"]["rows"]
        answer = me.post(f"{INSIGHTS}/export/csv", json=sent)
    assert answer.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows
    assert parsed == [{k: str(v) for k, v in row.items()} for row in rows]


def test_the_pdf_export_shows_the_reports_figures(api: BeatPassMock) -> None:
    with api.client() as me:
        report = me.post(f"{INSIGHTS}/export/report", json={}).json()["data"]
        answer = me.post(f"{INSIGHTS}/export/pdf", json={})
    assert answer.content.startswith(b"%PDF-1.4")
    assert answer.content.rstrip().endswith(b"%%EOF")
    plays = report["summary"]["plays"]
    assert f"Plays: {plays['total']} \\({plays['period']} in the period".encode() in answer.content


@pytest.mark.parametrize(
    "sent", [{"period": "2-weeks"}, {"type": "playlists"}], ids=["period", "type"]
)
def test_an_export_of_an_unknown_period_or_type_is_refused(
    api: BeatPassMock, sent: dict[str, str]
) -> None:
    with api.client() as me:
        answer = me.post(f"{INSIGHTS}/export/json", json=sent)
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == set(sent)


def test_insights_of_a_caller_without_an_artist_are_refused(api: BeatPassMock) -> None:
    with as_user(api, 35) as me:
        for kind in ("json", "csv", "pdf", "report"):
            assert me.post(f"{INSIGHTS}/export/{kind}", json={}).status_code == 403, kind
        assert me.get(f"{INSIGHTS}/artists/1").status_code == 403


# -- producer analytics of the content page (public) --------------------------------------------


def test_check_ownership_says_whether_the_caller_owns_the_artist(api: BeatPassMock) -> None:
    path = "/artists/3/check-ownership"
    with as_user(api, 3) as owner, as_user(api, 4) as other, api.client(token=None) as anon:
        assert owner.get(path).json()["is_owner"] is True
        assert other.get(path).json()["is_owner"] is False
        assert anon.get(path).json()["is_owner"] is False


def test_producer_analytics_agree_with_the_tracks_counters(api: BeatPassMock) -> None:
    user = busiest(api)
    with api.client() as anyone:
        artist = anyone.get(f"/artists/{user}/producer-analytics").json()["analytics"]
        tracks = [shown(anyone, t) for t in track_ids(api, user)]
        per_track = [
            anyone.get(f"/tracks/{t['id']}/producer-analytics").json()["analytics"] for t in tracks
        ]
    assert artist["tracks_count"] == len(tracks)
    assert artist["likes"] == sum(t["likes_count"] for t in tracks)
    assert artist["reposts"] == sum(t["reposts_count"] for t in tracks)
    assert artist["downloads"] == sum(a["downloads"] for a in per_track)
    assert artist["unique_listeners"] <= sum(a["unique_listeners"] for a in per_track)


def test_a_purchase_is_a_download_of_the_artists_track(api: BeatPassMock) -> None:
    track = next(t for t in api.records("Track") if t.get("exclusive_status") != "sold")
    artist, track_id = track["artists"][0], track["id"]
    with api.client() as anyone:
        before = anyone.get(f"/artists/{artist}/downloads-analytics").json()["analytics"]
        track_before = anyone.get(f"/tracks/{track_id}/engagement-metrics").json()["metrics"]
        with as_user(api, 35) as buyer:  # owns no artist, so never the track's owner
            bought = buyer.post(f"/tracks/{track_id}/purchase/initiate", json={})
            assert bought.status_code == 200
        after = anyone.get(f"/artists/{artist}/downloads-analytics").json()["analytics"]
        track_after = anyone.get(f"/tracks/{track_id}/engagement-metrics").json()["metrics"]
    assert after["total_downloads"] == before["total_downloads"] + 1
    assert after["downloads_this_month"] == before["downloads_this_month"] + 1
    assert after["unique_downloaders"] == before["unique_downloaders"] + 1
    assert track_after["downloads"] == track_before["downloads"] + 1


def test_the_export_bodies_offer_exactly_the_documented_periods_and_types() -> None:
    """The body schemas list what the rules hold, so a valid request is an accepted one."""
    periods = [p["id"] for p in API.rule("insights.periods")]
    for op in API.operations.values():
        if op.id.startswith("producer_intelligence.insights.export.") and op.body is not None:
            props = op.body.schema["properties"]
            assert props["period"]["enum"] == periods, op.id
            if "type" in props:
                assert props["type"]["enum"] == API.rule("insights.export_types"), op.id


def _chart(me: httpx.Client, track: int) -> dict[str, int]:
    chart = data(me, f"{INSIGHTS}/tracks/{track}/charts", timeframe="30d")
    return dict(zip(chart["labels"], chart["datasets"][0]["data"], strict=True))


def test_todays_plays_count_today_and_past_days_never_change(api: BeatPassMock) -> None:
    """A play lands on today's date; moving the clock on leaves every past day as it was."""
    user = busiest(api)
    track = track_ids(api, user)[0]
    with as_user(api, user) as me:
        before = _chart(me, track)
        period = data(me, f"{INSIGHTS}/tracks/{track}", period="30-days")["plays"]["period"]
        for _ in range(5):
            assert me.post(f"/tracks/{track}/plays", json={}).status_code in (200, 201)
        after = _chart(me, track)
        today = list(after)[-1]
        assert after[today] == before[today] + 5
        assert {d: n for d, n in after.items() if d != today} == {
            d: n for d, n in before.items() if d != today
        }
        again = data(me, f"{INSIGHTS}/tracks/{track}", period="30-days")["plays"]["period"]
        assert again == period + 5
        api.clock.advance(86_400)
        tomorrow = _chart(me, track)
        assert tomorrow[list(tomorrow)[-1]] == 0, "no play recorded on the new day yet"
        assert {d: tomorrow[d] for d in list(after)[1:]} == {d: after[d] for d in list(after)[1:]}


def test_a_world_made_at_any_hour_of_a_day_is_the_same_world() -> None:
    """Seeded dates move by whole days, so one seed gives the same bytes all day long."""
    from mockserver import ManualClock

    morning, night = (
        BeatPassMock(seed=6, clock=ManualClock(start=1_767_225_600.0 + 9 * 86_400 + hours * 3600))
        for hours in (1, 23)
    )
    for path in ("/tracks/1", "/artists/1", "/tracks?perPage=20"):
        assert morning.client().get(path).content == night.client().get(path).content, path
