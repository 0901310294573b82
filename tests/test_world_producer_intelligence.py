"""The producer-intelligence page as one world: growth is about the tracks asked, XP, levels
and achievements are the spec's rules applied to the caller's records, charts break down the
plays they chart and end today, and the same figure agrees through every endpoint."""

from __future__ import annotations

import csv
import datetime
import io

import httpx
import pytest

import spec
from mockserver import BeatPassMock

API = spec.load()


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=9, rate_limits=False)


@pytest.fixture
def me(api: BeatPassMock) -> httpx.Client:
    return api.client()


def as_user(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def my_artist(api: BeatPassMock, user_id: int = 1) -> int:
    return int(next(a["id"] for a in api.records("Artist") if a.get("_user") == user_id))


def my_tracks(api: BeatPassMock, user_id: int = 1) -> list[dict]:  # type: ignore[type-arg]
    artist = my_artist(api, user_id)
    return [t for t in api.records("Track") if artist in t["artists"]]


def artist_followers(client: httpx.Client, artist_id: int) -> int:
    return int(client.get(f"/artists/{artist_id}/followers").json()["pagination"]["total"])


def today(api: BeatPassMock) -> str:
    now = api.clock.now()
    return datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date().isoformat()


# -- Track Growth -----------------------------------------------------------------------------


def test_growth_answers_for_the_track_asked(me: httpx.Client) -> None:
    assert me.get("/producer-intelligence/track/2/growth").json()["growth"]["track_id"] == 2
    assert me.get("/producer-intelligence/track/999999/growth").status_code == 404


def test_batch_growth_answers_exactly_the_tracks_asked(me: httpx.Client) -> None:
    url = "/producer-intelligence/tracks/growth-batch"
    growth = me.post(url, json={"track_ids": [1, 2, 3]}).json()["growth"]
    assert [g["track_id"] for g in growth] == [1, 2, 3]
    single = me.get("/producer-intelligence/track/2/growth").json()["growth"]
    assert growth[1] == single  # the same figure through both endpoints
    unknown = me.post(url, json={"track_ids": [1, 999999]})
    assert unknown.status_code == 422
    assert "track_ids" in unknown.json()["errors"]


def test_growth_compares_the_last_window_of_the_play_series(me: httpx.Client) -> None:
    days = API.rule("producer_intelligence.growth_days")
    for track_id in (1, 2, 3, 4):
        series = me.get(f"/producer-intelligence/track/{track_id}/charts").json()["charts"]
        data = series["datasets"][0]["data"]
        recent, before = sum(data[-days:]), sum(data[-2 * days : -days])
        rate = me.get(f"/producer-intelligence/track/{track_id}/growth").json()["growth"]
        expected = None if before == 0 else round((recent - before) * 100 / before, 2)
        assert rate["growth_rate"] == expected


# -- Export & Reporting -----------------------------------------------------------------------


def test_export_formats_are_the_documented_list(me: httpx.Client) -> None:
    formats = me.get("/producer-intelligence/export/formats").json()["formats"]
    assert formats == API.rule("producer_intelligence.export_formats")
    assert [f["id"] for f in formats] == ["csv", "json", "pdf"]


def test_export_periods_are_the_rule_and_others_are_refused(me: httpx.Client) -> None:
    periods = API.rule("producer_intelligence.periods")
    for op_id in ("export.json", "export.csv", "report.generate", "report.export_pdf"):
        body = API.operations[f"producer_intelligence.{op_id}"].body
        assert body is not None
        assert body.schema["properties"]["period"]["enum"] == list(periods["days"])
    export = me.post("/producer-intelligence/export/json", json={}).json()["export"]
    assert export["period"] == periods["default"]
    bad = me.post("/producer-intelligence/export/json", json={"period": "2-days"})
    assert bad.status_code == 422


def test_an_export_holds_the_callers_tracks_and_their_plays_of_the_period(
    api: BeatPassMock, me: httpx.Client
) -> None:
    mine = my_tracks(api)
    export = me.post("/producer-intelligence/export/json", json={"period": "1-year"}).json()
    rows = export["export"]["rows"]
    assert [r["track_id"] for r in rows] == [t["id"] for t in mine]
    insights = me.get("/producer-intelligence/insights/artists/1", params={"period": "1-year"})
    assert sum(r["plays"] for r in rows) == insights.json()["data"]["plays"]["period"]
    week = me.post("/producer-intelligence/export/json", json={"period": "7-days"}).json()
    assert sum(r["plays"] for r in week["export"]["rows"]) <= sum(r["plays"] for r in rows)


def test_the_csv_export_is_the_json_exports_rows(me: httpx.Client) -> None:
    body = {"period": "7-days"}
    rows = me.post("/producer-intelligence/export/json", json=body).json()["export"]["rows"]
    answer = me.post("/producer-intelligence/export/csv", json=body)
    assert answer.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(answer.text)))
    assert [{k: str(v) for k, v in r.items()} for r in rows] == parsed


def test_the_pdf_report_shows_the_reports_summary(me: httpx.Client) -> None:
    summary = me.post("/producer-intelligence/report/generate", json={}).json()["report"]
    pdf = me.post("/producer-intelligence/report/export-pdf", json={}).content
    assert pdf.startswith(b"%PDF-1.4")
    assert pdf.rstrip().endswith(b"%%EOF")
    for key, value in summary["summary"].items():
        assert f"({key}: {value})".encode() in pdf


# -- Dashboard & XP, Achievements -------------------------------------------------------------


def test_dashboard_counts_the_callers_records(api: BeatPassMock, me: httpx.Client) -> None:
    mine = my_tracks(api)
    stats = me.get("/producer-intelligence/dashboard").json()["stats"]
    assert stats["tracks"] == len(mine)
    assert stats["plays"] == sum(
        me.get(f"/tracks/{t['id']}").json()["track"]["plays"] for t in mine
    )
    assert stats["followers"] == artist_followers(me, my_artist(api))


def test_xp_is_the_sum_of_its_sources_and_sets_the_level(me: httpx.Client) -> None:
    sources = me.get("/producer-intelligence/xp-sources").json()["xp_sources"]
    rates = {s["source"]: s["xp_each"] for s in API.rule("producer_intelligence.xp_sources")}
    assert [s["source"] for s in sources] == list(rates)
    stats = me.get("/producer-intelligence/dashboard").json()
    counted = {"uploads": "tracks", "plays": "plays", "likes": "likes", "reposts": "reposts"}
    for source in sources:
        if source["source"] in counted:
            count = stats["stats"][counted[source["source"]]]
            assert source["xp"] == count * rates[source["source"]]
    xp = sum(s["xp"] for s in sources)
    level = me.get("/producer-intelligence/producer-level").json()["level"]
    thresholds = API.rule("producer_intelligence.level_xp")
    assert (stats["xp"], level["xp"]) == (xp, xp)
    assert level["level"] == stats["level"] == sum(1 for t in thresholds if xp >= t)
    assert level["next_level_xp"] is None or level["next_level_xp"] > xp
    combined = me.get("/producer-intelligence/progress-data").json()
    assert combined["dashboard"] == {"xp": xp, "level": level["level"]}
    assert combined["xp_sources"] == sources


def test_achievements_are_the_catalogue_unlocked_by_the_callers_counts(
    api: BeatPassMock, me: httpx.Client
) -> None:
    catalogue = API.rule("producer_intelligence.achievements")
    listed = me.get("/producer-intelligence/achievements").json()["achievements"]
    assert [a["id"] for a in listed] == [a["id"] for a in catalogue]
    uploads = len(my_tracks(api))
    for item, shown in zip(catalogue, listed, strict=True):
        if item["metric"] == "uploads":
            assert shown["unlocked"] == (uploads >= item["threshold"])
        if shown["unlocked"] and shown["unlocked_at"]:
            assert shown["unlocked_at"][:10] <= today(api)
    dashboard = me.get("/producer-intelligence/dashboard").json()["achievements"]
    assert [a["id"] for a in dashboard] == [a["id"] for a in listed if a["unlocked"]]
    first = me.get(f"/producer-intelligence/achievements/{listed[0]['id']}/details").json()
    assert first["achievement"] == listed[0]


def test_an_artists_achievements_are_those_unlocked_everywhere(api: BeatPassMock) -> None:
    """The artist page, the producer's own PI list and the achievements leaderboard read one
    set of unlocked achievements, whoever asks (anonymous callers included)."""
    board = api.client(anonymous=True).get("/leaderboards/achievements").json()["producers"]
    scores = {row["artist_id"]: row["score"] for row in board}
    users = {a["id"]: a["_user"] for a in api.records("Artist") if "_user" in a}
    checked = [a for a in sorted(scores, key=lambda a: -scores[a]) if a in users][:3]
    assert scores[checked[0]] > 0
    for artist in checked:
        own = as_user(api, users[artist]).get("/producer-intelligence/achievements").json()
        unlocked = [a["id"] for a in own["achievements"] if a["unlocked"]]
        for client in (api.client(), api.client(anonymous=True)):
            shown = client.get(f"/artists/{artist}/producer-achievements").json()
            assert [a["id"] for a in shown["achievements"]] == unlocked
        assert len(unlocked) == scores[artist]


def test_a_user_with_no_artist_has_nothing_unlocked(api: BeatPassMock) -> None:
    nobody = as_user(api, 35)
    listed = nobody.get("/producer-intelligence/achievements").json()["achievements"]
    assert not any(a["unlocked"] for a in listed)
    assert nobody.get("/producer-intelligence/dashboard").json()["stats"]["tracks"] == 0


# -- Social Analytics -------------------------------------------------------------------------


def test_social_analytics_followers_are_the_artists_followers_list(api: BeatPassMock) -> None:
    for user_id in (1, 2):
        client = as_user(api, user_id)
        analytics = client.get("/producer-intelligence/social-analytics").json()["analytics"]
        assert analytics["followers"] == artist_followers(client, my_artist(api, user_id))
        assert analytics["likes"] == sum(t["likes_count"] for t in my_tracks(api, user_id))


def test_a_new_follower_shows_in_social_analytics(api: BeatPassMock, me: httpx.Client) -> None:
    before = me.get("/producer-intelligence/social-analytics").json()["analytics"]["followers"]
    follower = next(
        u
        for u in range(2, 41)
        if as_user(api, u).post(f"/artists/{my_artist(api)}/follow").status_code in (200, 201)
    )
    assert follower
    after = me.get("/producer-intelligence/social-analytics").json()["analytics"]["followers"]
    assert after == before + 1


def test_every_producer_figure_counts_the_artist_profiles_followers(
    api: BeatPassMock, me: httpx.Client
) -> None:
    """One follower count per producer: the followers of their artist profile, read by the
    artist analytics, the PI dashboard, social analytics and the followers XP alike; following
    the user account behind it moves none of them."""
    rate = next(
        s["xp_each"]
        for s in API.rule("producer_intelligence.xp_sources")
        if s["source"] == "followers"
    )
    artist = my_artist(api)

    def figures() -> list[int]:
        sources = me.get("/producer-intelligence/xp-sources").json()["xp_sources"]
        return [
            me.get(f"/artists/{artist}/producer-analytics").json()["analytics"]["followers"],
            me.get("/producer-intelligence/dashboard").json()["stats"]["followers"],
            me.get("/producer-intelligence/social-analytics").json()["analytics"]["followers"],
            next(s["xp"] for s in sources if s["source"] == "followers") // rate,
        ]

    before = artist_followers(me, artist)
    assert figures() == [before] * 4
    fan = next(
        u
        for u in range(2, 41)
        if as_user(api, u).get(f"/artists/{artist}/follow-status").json()["following"] is False
        and as_user(api, u).get("/users/1/follow-status").json()["following"] is False
    )
    assert as_user(api, fan).post("/users/1/follow").is_success
    assert figures() == [before] * 4
    assert as_user(api, fan).post(f"/artists/{artist}/follow").is_success
    assert figures() == [before + 1] * 4 == [artist_followers(me, artist)] * 4


# -- Leaderboards -----------------------------------------------------------------------------


def test_the_leaderboard_ranks_producers_by_their_plays(
    api: BeatPassMock, me: httpx.Client
) -> None:
    board = me.get("/producer-intelligence/leaderboard").json()
    all_time = board["allTime"]
    assert [r["rank"] for r in all_time] == list(range(1, len(all_time) + 1))
    assert [r["plays"] for r in all_time] == sorted((r["plays"] for r in all_time), reverse=True)
    mine = next(r for r in all_time if r["artist_id"] == 1)
    dashboard = me.get("/producer-intelligence/dashboard").json()["stats"]
    assert mine["plays"] == dashboard["plays"]  # the same figure through both endpoints
    weekly = {r["artist_id"]: r["plays"] for r in board["weekly"]}
    monthly = {r["artist_id"]: r["plays"] for r in board["monthly"]}
    assert all(
        weekly[a] <= monthly[a] <= r["plays"] for a, r in ((r["artist_id"], r) for r in all_time)
    )


# -- Charts, contribution graphs, real time ---------------------------------------------------


def test_charts_sum_to_the_plays_and_end_today(api: BeatPassMock, me: httpx.Client) -> None:
    """A graph covers the year ending today: it sums to the plays of that year, which the
    insights page reports for the same artist (period 1-year); the platform's year holds it."""
    graph = me.get("/producer-intelligence/artist/1/contribution-graph").json()["contributions"]
    insights = me.get("/producer-intelligence/insights/artists/1", params={"period": "1-year"})
    year = insights.json()["data"]["plays"]
    assert sum(p["count"] for p in graph) == year["period"] <= year["total"]
    assert year["total"] == sum(t["plays"] for t in my_tracks(api))
    assert graph[-1]["date"] == today(api)
    assert len(graph) == API.rule("producer_intelligence.series_days")
    platform = me.get("/producer-intelligence/platform/contribution-graph").json()
    whole = sum(p["count"] for p in platform["contributions"])
    assert year["period"] <= whole <= sum(t["plays"] for t in api.records("Track"))
    artist = me.get("/producer-intelligence/artist/1/charts").json()["charts"]
    dashboard = me.get("/producer-intelligence/dashboard/charts").json()["charts"]
    assert artist == dashboard
    assert artist["labels"][-1] == today(api)
    tail = [p["count"] for p in graph[-len(artist["labels"]) :]]
    assert artist["datasets"][0]["data"] == tail


def test_real_time_plays_are_part_of_todays_plays(me: httpx.Client) -> None:
    live = me.get("/producer-intelligence/live-analytics").json()["analytics"]
    platform = me.get("/producer-intelligence/platform/contribution-graph").json()
    assert live["plays_today"] == platform["contributions"][-1]["count"]
    assert live["plays_last_hour"] <= live["plays_today"]
    track = me.get("/producer-intelligence/track/1/real-time").json()["metrics"]
    chart = me.get("/producer-intelligence/track/1/charts").json()["charts"]
    assert track["recent_plays"] <= chart["datasets"][0]["data"][-1]


# -- Contribution & Payouts -------------------------------------------------------------------


def test_platform_stats_count_the_catalogue(api: BeatPassMock, me: httpx.Client) -> None:
    stats = me.get("/platform/stats").json()["stats"]
    assert stats["total_tracks"] == len(api.records("Track")) == 150
    assert stats["total_plays"] == sum(t["plays"] for t in api.records("Track"))


def test_track_breakdown_agrees_with_each_tracks_contribution(
    api: BeatPassMock, me: httpx.Client
) -> None:
    rows = me.get("/producer/track-breakdown").json()["tracks"]
    assert [r["track_id"] for r in rows] == [t["id"] for t in my_tracks(api)]
    for row in rows:
        single = me.get(f"/tracks/{row['track_id']}/contribution").json()["contribution"]
        assert (single["plays"], single["contribution_value"]) == (
            row["plays"],
            row["contribution_value"],
        )
    earnings = me.get("/producer/earnings").json()["earnings"]
    assert earnings["estimated_earnings"] == round(sum(r["estimated_earnings"] for r in rows), 2)


def test_payouts_are_the_callers_records_and_the_summary_adds_them_up(
    api: BeatPassMock, me: httpx.Client
) -> None:
    mine = [p for p in api.records("Payout") if p.get("_owner") == 1]
    listed = me.get("/artist/subscription-payouts").json()["pagination"]
    assert sorted(p["id"] for p in listed["data"]) == sorted(p["id"] for p in mine)
    currency = API.rule("producer_intelligence.payout_currency")
    paid = API.rule("producer_intelligence.payout_paid_statuses")
    summary = me.get("/artist/subscription-payouts/summary").json()["summary"]
    in_currency = [p for p in mine if p["currency"] == currency]
    assert summary["total_paid"] == round(
        sum(p["amount"] for p in in_currency if p["status"] in paid), 2
    )
    others = [p for p in api.records("Payout") if p.get("_owner") != 1]
    if others:
        assert me.get(f"/artist/subscription-payouts/{others[0]['id']}").status_code == 404


def test_unified_transactions_are_the_callers_sales_and_payouts(
    api: BeatPassMock, me: httpx.Client
) -> None:
    ledger = me.get("/artist/unified-transactions", params={"per_page": 100}).json()
    rows = ledger["pagination"]["data"]
    payouts = [p for p in api.records("Payout") if p.get("_owner") == 1]
    mine = {t["id"] for t in my_tracks(api) if t["artists"][0] == 1}  # commerce.sale_earner
    sales = [p for p in api.records("Purchase") if p["track_id"] in mine]
    assert sorted(r["amount"] for r in rows if r["type"] == "subscription_payout") == sorted(
        p["amount"] for p in payouts
    )
    assert sorted(r["amount"] for r in rows if r["type"] == "purchase") == sorted(
        p["artist_amount"] for p in sales
    )


def test_a_sale_shows_in_the_sellers_ledger_and_activity_feed(
    api: BeatPassMock, me: httpx.Client
) -> None:
    track = next(
        t
        for t in my_tracks(api)
        if t["artists"][0] == 1
        and 2 not in t["artists"]
        and t["exclusive_status"] != "sold"
        and t.get("price")
    )
    ledger = "/artist/unified-transactions"
    before = me.get(ledger, params={"per_page": 100}).json()["pagination"]["total"]
    bought = as_user(api, 2).post(f"/tracks/{track['id']}/purchase/initiate")
    assert bought.status_code == 200
    sale = next(p for p in api.records("Purchase") if p["id"] == bought.json()["purchase_id"])
    rows = me.get(ledger, params={"per_page": 100}).json()["pagination"]
    assert rows["total"] == before + 1
    assert {"type": "purchase", "amount": sale["artist_amount"]}.items() <= rows["data"][0].items()
    feed = me.get("/producer-intelligence/social-activity-feed").json()["activities"]
    assert feed[0] == {"type": "purchase", "user_id": 2, "created_at": sale["purchased_at"]}


def test_facts_read_before_a_write_follow_it(api: BeatPassMock, me: httpx.Client) -> None:
    # Producer figures are computed once per state of the world: a play recorded and a new
    # follower, written after they were read, show in the next read (ids found through the
    # API, not api.records, which would turn every cache off).
    rates = {s["source"]: s["xp_each"] for s in API.rule("producer_intelligence.xp_sources")}

    def xp() -> dict[str, int]:
        sources = me.get("/producer-intelligence/xp-sources").json()["xp_sources"]
        return {s["source"]: s["xp"] for s in sources}

    before = xp()
    mine = me.get("/artists/1/tracks").json()["pagination"]["data"][0]["id"]
    for _ in range(2):
        assert me.post(f"/tracks/{mine}/plays").is_success
    with as_user(api, 12) as fan:
        assert fan.post(f"/artists/{my_artist(api)}/follow").is_success
    after = xp()
    assert after["plays"] == before["plays"] + 2 * rates["plays"]
    assert after["followers"] == before["followers"] + rates["followers"]
