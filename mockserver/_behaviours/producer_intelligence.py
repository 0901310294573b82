"""Producer intelligence (producer-intelligence.mdx): dashboards, XP, levels, charts, growth
and payouts of the caller's producer account.

Every figure is a fact of the store (``_facts``): XP, levels and achievements are the spec's
rules (``producer_intelligence.*``) applied to the producer's counts; charts, growth and
contribution graphs are the tracks' play series, which sum to the plays they break down and
end today; payouts and transactions are the caller's stored records.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .. import _facts as f
from .._documents import pdf
from .._render import render
from .._store import Record
from ._call import Call, behaviour

# -- who is asking ----------------------------------------------------------------------------


def _artist(call: Call) -> Record | None:
    return f.artist_of(call.store, call.user_id)


def _tracks(call: Call) -> list[Record]:
    artist = _artist(call)
    return f.tracks_of(call.store, artist["id"]) if artist else []


# -- Dashboard & XP, Achievements -------------------------------------------------------------


def _stats(call: Call, artist: Record | None) -> dict[str, Any]:
    counts: dict[str, Any] = (
        f.producer_counts(call.store, artist)
        if artist
        else dict.fromkeys(("uploads", "albums", "plays", "likes", "reposts", "followers"), 0)
    )
    return {
        "tracks": counts["uploads"],
        "albums": counts["albums"],
        "plays": counts["plays"],
        "likes": counts["likes"],
        "reposts": counts["reposts"],
        "followers": counts["followers"],
    }


@behaviour("producer_intelligence.dashboard.show")
def _dashboard(call: Call) -> int:
    artist = _artist(call)
    xp = f.xp_of(call.store, artist, call.now)
    unlocked = [a for a in f.achievements_of(call.store, artist, call.now) if a["unlocked"]]
    call.ctx.values.update(
        {
            "xp": xp,
            "level": f.level_of(call.store, xp)[0],
            "achievements": unlocked,
            "stats": _stats(call, artist),
        }
    )
    return call.success


@behaviour("producer_intelligence.xp_sources.list")
def _xp_sources(call: Call) -> int:
    call.ctx.values["xp_sources"] = f.xp_sources(call.store, _artist(call), call.now)
    return call.success


@behaviour("producer_intelligence.producer_level.show")
def _producer_level(call: Call) -> int:
    xp = f.xp_of(call.store, _artist(call), call.now)
    level, next_xp = f.level_of(call.store, xp)
    call.ctx.values["level"] = {"level": level, "xp": xp, "next_level_xp": next_xp}
    return call.success


@behaviour("producer_intelligence.progress_data.show")
def _progress_data(call: Call) -> int:
    artist = _artist(call)
    sources = f.xp_sources(call.store, artist, call.now)
    xp = sum(s["xp"] for s in sources)
    call.ctx.values["dashboard"] = {"xp": xp, "level": f.level_of(call.store, xp)[0]}
    call.ctx.values["xp_sources"] = sources
    call.ctx.collections["Achievement"] = f.achievements_of(call.store, artist, call.now)
    return call.success


@behaviour("producer_intelligence.achievements.list")
def _achievements(call: Call) -> int:
    call.ctx.collections["Achievement"] = f.achievements_of(call.store, _artist(call), call.now)
    return call.success


def achievement_detail(call: Call) -> int:
    """One achievement of the catalogue, unlocked or not for the caller (404 off the list)."""
    wanted = call.record("Achievement")["id"]
    mine = f.achievements_of(call.store, _artist(call), call.now)
    found = next((a for a in mine if a["id"] == wanted), None)
    if found is None:
        raise call.fail(404, "Achievement not found.")
    call.ctx.records["Achievement"] = found
    return call.success


behaviour("producer_intelligence.achievements.details.show")(achievement_detail)


# -- Track Growth -----------------------------------------------------------------------------


def _growth(call: Call, track: Record) -> dict[str, Any]:
    series = f.play_series(call.store, track, call.now)
    return {"track_id": track["id"], "growth_rate": f.growth_rate(call.store, series)}


@behaviour("producer_intelligence.track.growth.show")
def _track_growth(call: Call) -> int:
    call.ctx.values["growth"] = _growth(call, call.record("Track"))
    return call.success


@behaviour("producer_intelligence.tracks.growth_batch")
def _growth_batch(call: Call) -> int:
    ids = call.body_get("track_ids") or []
    tracks = [call.store.get("Track", i) for i in ids]
    missing = [i for i, t in zip(ids, tracks, strict=True) if t is None]
    if missing:
        message = "The selected track ids are invalid."
        raise call.fail(422, message, {"track_ids": [message]})
    call.ctx.values["growth"] = [_growth(call, t) for t in tracks if t is not None]
    return call.success


# -- Social Analytics -------------------------------------------------------------------------


def _collaborations(tracks: list[Record]) -> list[Record]:
    return [t for t in tracks if len(t.get("artists") or ()) > 1]


@behaviour("producer_intelligence.social_analytics.show")
def _social_analytics(call: Call) -> int:
    """The producer's figures (``_facts.producer_counts``: their artist profile's followers)
    and the users the caller follows."""
    store, tracks = call.store, _tracks(call)
    played, liked, reposted = f.plays(tracks), f.likes(tracks), f.reposts(tracks)
    call.ctx.values["analytics"] = {
        "followers": _stats(call, _artist(call))["followers"],
        "following": len(f.following_of_user(store, call.user_id)),
        "reposts": reposted,
        "likes": liked,
        "collaborations": len(_collaborations(tracks)),
        "engagement_rate": round((liked + reposted) * 100.0 / played, 2) if played else 0.0,
    }
    return call.success


@behaviour("producer_intelligence.social_activity_feed.list")
def _activity_feed(call: Call) -> int:
    """Purchases of the caller's tracks, newest first (the social events the store dates)."""
    artist = _artist(call)
    sales = f.sales_of(call.store, artist["id"]) if artist else []
    feed = [
        {"type": "purchase", "user_id": p["_owner"], "created_at": p["purchased_at"]}
        for p in sales
        if p.get("purchased_at") and p.get("_owner") is not None
    ]
    call.ctx.values["activities"] = sorted(feed, key=lambda a: a["created_at"], reverse=True)
    return call.success


def _artist_names(call: Call, ids: Any) -> list[str]:
    return [a["name"] for i in ids or () if (a := call.store.get("Artist", i)) is not None]


@behaviour("producer_intelligence.collaboration_network.show")
def _collaboration_network(call: Call) -> int:
    """The caller's artist and everyone credited with them, weighted by tracks shared."""
    artist = _artist(call)
    weights: dict[Any, int] = {}
    for track in _collaborations(_tracks(call)):
        for other in track["artists"]:
            if artist is not None and other != artist["id"]:
                weights[other] = weights.get(other, 0) + 1
    nodes = [artist, *(call.store.get("Artist", i) for i in sorted(weights))] if artist else []
    call.ctx.values["network"] = {
        "nodes": [{"id": n["id"], "name": n["name"]} for n in nodes if n is not None],
        "edges": [
            {"source": artist["id"], "target": i, "weight": float(w)}
            for i, w in sorted(weights.items())
            if artist is not None
        ],
    }
    return call.success


@behaviour("producer_intelligence.trending_collaborations.list")
def _trending_collaborations(call: Call) -> int:
    """Tracks credited to several artists, by plays over the growth window, most first."""
    span = int(call.rule("producer_intelligence.growth_days"))
    rows = []
    for track in _collaborations(call.store.all("Track")):
        recent = sum(c for _, c in f.play_series(call.store, track, call.now)[-span:])
        rows.append(
            {
                "track_id": track["id"],
                "artists": _artist_names(call, track["artists"]),
                "plays": recent,
            }
        )
    call.ctx.values["collaborations"] = sorted(rows, key=lambda r: (-r["plays"], r["track_id"]))
    return call.success


@behaviour("producer_intelligence.collaboration_opportunities.list")
def _collaboration_opportunities(call: Call) -> int:
    """Artists not yet credited with the caller who share their genres; the score is the
    share of genres in common (Jaccard), best first."""
    artist = _artist(call)
    if artist is None:
        call.ctx.values["opportunities"] = []
        return call.success
    store = call.store
    mine = {g for t in f.tracks_of(store, artist["id"]) for g in t.get("genres") or ()}
    partners = {a for t in f.tracks_of(store, artist["id"]) for a in t.get("artists") or ()}
    rows: list[tuple[float, Record]] = []
    for other in store.all("Artist"):
        if other["id"] in partners or other["id"] == artist["id"]:
            continue
        theirs = {g for t in f.tracks_of(store, other["id"]) for g in t.get("genres") or ()}
        if mine & theirs:
            rows.append((round(len(mine & theirs) / len(mine | theirs), 4), other))
    rows.sort(key=lambda r: (-r[0], r[1]["id"]))
    call.ctx.values["opportunities"] = [
        {"artist": render(store, "Artist", a, call.ctx.tier), "score": s} for s, a in rows
    ]
    return call.success


# -- Leaderboards (Public) --------------------------------------------------------------------


def _window_plays(call: Call, tracks: list[Record], days: int | None) -> int:
    if days is None:
        return f.plays(tracks)
    days = min(days, int(call.rule("producer_intelligence.series_days")))  # a chart's window
    return sum(f.plays_window(tracks, call.now, days))


def _windows(call: Call) -> dict[str, int | None]:
    days = call.rule("producer_intelligence.periods")["days"]
    return {"weekly": int(days["7-days"]), "monthly": int(days["30-days"]), "allTime": None}


def _ranked(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    rows = sorted(rows, key=lambda r: (-r[key], r["artist_id"]))
    return [{"rank": i + 1, **r} for i, r in enumerate(rows)]


@behaviour("producer_intelligence.leaderboard.show")
def _leaderboard(call: Call) -> int:
    """Producers by the plays of their tracks in the week, the month and all time."""
    store = call.store
    for name, days in _windows(call).items():
        rows = [
            {
                "artist_id": a["id"],
                "name": a["name"],
                "plays": _window_plays(call, f.tracks_of(store, a["id"]), days),
            }
            for a in f.producers(store)
        ]
        call.ctx.values[name] = _ranked(rows, "plays")
    return call.success


@behaviour("producer_intelligence.collaboration_leaderboard.show")
def _collaboration_leaderboard(call: Call) -> int:
    """Producers by the plays of their collaborations (tracks credited to several artists)."""
    store = call.store
    for name, days in _windows(call).items():
        rows = []
        for a in f.producers(store):
            shared = _collaborations(f.tracks_of(store, a["id"]))
            if shared:
                rows.append(
                    {
                        "artist_id": a["id"],
                        "name": a["name"],
                        "collaborations": len(shared),
                        "plays": _window_plays(call, shared, days),
                    }
                )
        call.ctx.values[name] = _ranked(rows, "plays")
    return call.success


# -- Contribution Graphs, Advanced Charts, Real-Time ------------------------------------------


def _graph(series: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"date": d, "count": c} for d, c in series]


@behaviour("producer_intelligence.artist.contribution_graph.show")
def _artist_graph(call: Call) -> int:
    tracks = f.tracks_of(call.store, call.record("Artist")["id"])
    call.ctx.values["contributions"] = _graph(f.series_of(call.store, tracks, call.now))
    return call.success


@behaviour("producer_intelligence.platform.contribution_graph.show")
def _platform_graph(call: Call) -> int:
    series = f.series_of(call.store, call.store.all("Track"), call.now)
    call.ctx.values["contributions"] = _graph(series)
    return call.success


def _chart(call: Call, tracks: list[Record]) -> None:
    """The plays of the default period, day by day (the tail of the play series)."""
    period = call.rule("producer_intelligence.periods")
    days = int(period["days"][period["default"]])
    series = f.series_of(call.store, tracks, call.now)[-days:]
    call.ctx.values["charts"] = {
        "labels": [d for d, _ in series],
        "datasets": [{"label": "plays", "data": [c for _, c in series]}],
    }


@behaviour("producer_intelligence.track.charts.show")
def _track_charts(call: Call) -> int:
    _chart(call, [call.record("Track")])
    return call.success


@behaviour("producer_intelligence.artist.charts.show")
def _artist_charts(call: Call) -> int:
    _chart(call, f.tracks_of(call.store, call.record("Artist")["id"]))
    return call.success


@behaviour("producer_intelligence.album.charts.show")
def _album_charts(call: Call) -> int:
    album = call.record("Album")
    _chart(call, [t for i in album.get("tracks") or () if (t := call.store.get("Track", i))])
    return call.success


@behaviour("producer_intelligence.dashboard.charts.show")
def _dashboard_charts(call: Call) -> int:
    _chart(call, _tracks(call))
    return call.success


@behaviour("producer_intelligence.insights.list")
def _insights(call: Call) -> int:
    """Statements about the caller's figures: their most played track and their growth."""
    tracks = _tracks(call)
    insights = []
    if tracks:
        top = max(tracks, key=lambda t: (int(t.get("plays") or 0), -t["id"]))
        insights.append(
            {
                "type": "top_track",
                "message": f"{top['name']} is your most played track ({top['plays']} plays).",
            }
        )
        rate = f.growth_rate(call.store, f.series_of(call.store, tracks, call.now))
        span = call.rule("producer_intelligence.growth_days")
        if rate is not None:
            insights.append(
                {
                    "type": "growth",
                    "message": f"Your plays changed by {rate:+.2f}% over the last {span} days.",
                }
            )
    call.ctx.values["insights"] = insights
    return call.success


@behaviour("producer_intelligence.live_analytics.show")
def _live_analytics(call: Call) -> int:
    now = f.live(call.store.all("Track"), call.now)
    call.ctx.values["analytics"] = {
        "active_listeners": now["active_listeners"],
        "plays_last_hour": now["plays_this_hour"],
        "plays_today": now["plays_today"],
    }
    return call.success


@behaviour("producer_intelligence.track.real_time.show")
def _track_real_time(call: Call) -> int:
    """The track's ``_facts.live`` figures, as the Insights real-time endpoint shows them."""
    now = f.live([call.record("Track")], call.now)
    call.ctx.values["metrics"] = {
        "active_listeners": now["active_listeners"],
        "recent_plays": now["plays_today"],
    }
    return call.success


# -- Export & Reporting -----------------------------------------------------------------------


def _period(call: Call) -> tuple[str, int]:
    periods = call.rule("producer_intelligence.periods")
    name = call.body_get("period") or periods["default"]
    if name not in periods["days"]:
        message = f"The period must be one of: {', '.join(periods['days'])}."
        raise call.fail(422, message, {"period": [message]})
    return name, int(periods["days"][name])


_COLUMNS = ("track_id", "name", "plays", "likes", "reposts")


def _rows(call: Call, days: int) -> list[dict[str, Any]]:
    return [
        {
            "track_id": t["id"],
            "name": t["name"],
            "plays": _window_plays(call, [t], days),
            "likes": int(t.get("likes_count") or 0),
            "reposts": int(t.get("reposts_count") or 0),
        }
        for t in _tracks(call)
    ]


@behaviour("producer_intelligence.export.csv")
def _export_csv(call: Call) -> int:
    """The rows of the JSON export, as comma-separated values."""
    _, days = _period(call)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_rows(call, days))
    call.ctx.content = out.getvalue().encode()
    return call.success


@behaviour("producer_intelligence.report.export_pdf")
def _export_pdf(call: Call) -> int:
    """A one-page PDF whose text is the report's summary, one figure a line."""
    name, days = _period(call)
    lines = [f"BeatPass analytics report ({name})"]
    lines += [f"{k}: {v}" for k, v in _summary(call, days).items()]
    call.ctx.content = pdf(lines)
    return call.success


@behaviour("producer_intelligence.export.json")
def _export_json(call: Call) -> int:
    name, days = _period(call)
    call.ctx.values["export"] = {
        "period": name,
        "generated_at": call.iso(),
        "rows": _rows(call, days),
    }
    return call.success


def _summary(call: Call, days: int) -> dict[str, Any]:
    artist = _artist(call)
    xp = f.xp_of(call.store, artist, call.now)
    return {
        **_stats(call, artist),
        "period_plays": _window_plays(call, _tracks(call), days),
        "xp": xp,
        "level": f.level_of(call.store, xp)[0],
    }


@behaviour("producer_intelligence.report.generate")
def _report(call: Call) -> int:
    name, days = _period(call)
    call.ctx.values["report"] = {
        "period": name,
        "summary": _summary(call, days),
        "generated_at": call.iso(),
    }
    return call.success


@behaviour("producer_intelligence.export.formats.list")
def _export_formats(call: Call) -> int:
    call.ctx.values["formats"] = call.rule("producer_intelligence.export_formats")
    return call.success


# -- Contribution & Payouts -------------------------------------------------------------------


def _earned(call: Call, track: Record) -> float:
    """What a track's plays earn the caller from the subscription pool
    (``contribution_per_play``): nothing when the track's money is another credited artist's
    (``commerce.sale_earner``), so the pool pays a play once."""
    artist = _artist(call)
    if artist is None or f.earner_of(call.store, track) != artist["id"]:
        return 0.0
    rate = float(call.rule("producer_intelligence.contribution_per_play"))
    return round(int(track.get("plays") or 0) * rate, 2)


def _contribution(call: Call, track: Record) -> float:
    """A track's contribution value: its share of the platform's plays (one fact with the
    producer-analytics endpoints, ``_facts.contribution_value``)."""
    return f.contribution_value(call.store, track)


@behaviour("producer.earnings.show")
def _earnings(call: Call) -> int:
    periods = call.rule("producer_intelligence.periods")
    series_days = int(call.rule("producer_intelligence.series_days"))
    period = next((p for p, d in periods["days"].items() if d == series_days), "all-time")
    call.ctx.values["earnings"] = {
        "estimated_earnings": round(sum(_earned(call, t) for t in _tracks(call)), 2),
        "currency": call.rule("producer_intelligence.payout_currency"),
        "period": period,
    }
    return call.success


@behaviour("producer.track_breakdown.show")
def _track_breakdown(call: Call) -> int:
    call.ctx.values["tracks"] = [
        {
            "track_id": t["id"],
            "track_name": t["name"],
            "plays": int(t.get("plays") or 0),
            "contribution_value": _contribution(call, t),
            "estimated_earnings": _earned(call, t),
        }
        for t in _tracks(call)
    ]
    return call.success


@behaviour("tracks.contribution.show")
def _track_contribution(call: Call) -> int:
    track = call.record("Track")
    call.ctx.values["contribution"] = {
        "track_id": track["id"],
        "plays": int(track.get("plays") or 0),
        "contribution_value": _contribution(call, track),
    }
    return call.success


@behaviour("producer.update_contributions")
def _update_contributions(call: Call) -> int:
    count = len(_tracks(call))
    call.ctx.values["message"] = f"Contributions recalculated for {count} tracks."
    return call.success


@behaviour("platform.stats.show")
def _platform_stats(call: Call) -> int:
    store = call.store
    tracks = store.all("Track")
    call.ctx.values["stats"] = {
        "total_tracks": len(tracks),
        "total_producers": len(f.producers(store)),
        "total_plays": f.plays(tracks),
    }
    return call.success


@behaviour("platform.top_tracks.list")
def _top_tracks(call: Call) -> int:
    """Tracks by contribution value (their plays), most first."""
    tracks = sorted(call.store.all("Track"), key=lambda t: (-int(t.get("plays") or 0), t["id"]))
    call.ctx.collections["Track"] = tracks
    return call.success


# -- Subscription Payouts ---------------------------------------------------------------------


def _payouts(call: Call) -> list[Record]:
    return sorted(call.owned("Payout"), key=lambda p: p.get("created_at") or "", reverse=True)


@behaviour("artist.subscription_payouts.list")
def _payout_list(call: Call) -> int:
    call.ctx.collections["Payout"] = _payouts(call)
    return call.success


@behaviour("artist.subscription_payouts.show")
def _payout_show(call: Call) -> int:
    if not call.mine(call.record("Payout")):
        raise call.fail(404, "Payout not found.")
    return call.success


@behaviour("artist.subscription_payouts.summary.show")
def _payout_summary(call: Call) -> int:
    currency = call.rule("producer_intelligence.payout_currency")
    paid_statuses = set(call.rule("producer_intelligence.payout_paid_statuses"))
    mine = [p for p in _payouts(call) if (p.get("currency") or currency) == currency]
    paid = [p for p in mine if p.get("status") in paid_statuses]
    call.ctx.values["summary"] = {
        "total_paid": round(sum(float(p["amount"]) for p in paid), 2),
        "pending": round(sum(float(p["amount"]) for p in mine if p not in paid), 2),
        "currency": currency,
    }
    return call.success


@behaviour("artist.unified_transactions.list")
def _unified_transactions(call: Call) -> int:
    """The caller's sales (purchases of their tracks, what they earned) and their payouts,
    newest first; a row's id is its place in that ledger, oldest first."""
    artist = _artist(call)
    sales = f.sales_of(call.store, artist["id"]) if artist else []
    rows: list[Record] = [{"type": "purchase", **f.earning(p)} for p in sales]
    rows += [
        {
            "type": "subscription_payout",
            "amount": float(p["amount"]),
            "currency": p.get("currency"),
            "created_at": p.get("created_at"),
        }
        for p in _payouts(call)
    ]
    rows.sort(key=lambda r: r.get("created_at") or "")
    ledger = [
        {"id": i + 1, "model_type": "transaction", **{k: v for k, v in r.items() if v is not None}}
        for i, r in enumerate(rows)
    ]
    call.ctx.collections["Transaction"] = ledger[::-1]
    return call.success
