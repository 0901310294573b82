"""Insights (insights.mdx): analytics of the caller's own tracks, albums and artist.

Insights of another producer's work are 403 ("Access denied to this resource"). Every figure
is a fact of ``_facts``: totals are the counters stored on the tracks, a period is a slice of
each track's day-by-day plays (so a chart sums to the period's plays), growth compares a
period with the one before it, and an album's or artist's figures are the sums over its
tracks. Periods, timeframes, export formats and types are rules of ``insights.yaml``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from .. import _facts as facts
from .._documents import pdf
from .._store import Record
from ._call import Call, behaviour

NOT_YOURS = "Access denied to this resource."
EXPORT_COLUMNS = ["id", "name", "plays", "period_plays", "likes", "reposts", "plays_change"]


def _days(call: Call, rule: str, value: Any) -> int:
    """The days of a period or timeframe named by the request (422 for an unknown one)."""
    known = {p["id"]: p["days"] for p in call.rule(rule)}
    if value not in known:
        field = "period" if rule == "insights.periods" else "timeframe"
        message = f"The selected {field} is invalid."
        raise call.fail(422, message, {field: [message]})
    return int(known[value])


def _own_artist(call: Call) -> Record:
    artist = facts.artist_of(call.store, call.user_id)
    if artist is None:
        raise call.fail(403, NOT_YOURS)
    return artist


def _tracks(call: Call, resource: str) -> list[Record]:
    """The tracks the path's track, album or artist stands for, if the caller owns it."""
    record = call.record(resource)
    if resource == "Artist":
        if record.get("_user") != call.user_id or call.user_id is None:
            raise call.fail(403, NOT_YOURS)
        return facts.tracks_of(call.store, record["id"])
    if call.user_id is None or call.user_id not in (call.store.owners(record) or ()):
        raise call.fail(403, NOT_YOURS)
    if resource == "Track":
        return [record]
    return [t for t in (call.store.get("Track", i) for i in record.get("tracks") or ()) if t]


def summary(call: Call, tracks: list[Record], days: int) -> dict[str, Any]:
    """Plays, listeners, engagement and growth of ``tracks`` over the last ``days`` days."""
    current = sum(facts.plays_window(tracks, call.now, days))
    before = sum(facts.plays_window(tracks, call.now, days, skip=days))
    per_track = [facts.listeners_of(call.store, t["id"]) for t in tracks]
    return {
        "plays": {"total": facts.plays(tracks), "period": current},
        "listeners": {
            "total": sum(len(users) for users in per_track),
            "unique": len(set().union(*per_track)),
        },
        "engagement": {"likes": facts.likes(tracks), "reposts": facts.reposts(tracks)},
        # The store keeps no listen times: listeners are the same in both periods.
        "growth": {"plays_change": facts.change_percent(current, before), "listeners_change": 0.0},
    }


def chart(call: Call, tracks: list[Record], days: int) -> dict[str, Any]:
    """Daily plays of ``tracks`` over the last ``days`` days, ending today."""
    return {
        "labels": facts.day_labels(call.now, days),
        "datasets": [{"label": "Plays", "data": facts.plays_window(tracks, call.now, days)}],
    }


def _analytics(resource: str) -> Any:
    def analytics(call: Call) -> int:
        tracks = _tracks(call, resource)
        days = _days(call, "insights.periods", call.query.get("period"))
        call.ctx.values["data"] = summary(call, tracks, days)
        return call.success

    return analytics


def _charts(resource: str) -> Any:
    def charts(call: Call) -> int:
        tracks = _tracks(call, resource)
        timeframe = call.query.get("timeframe") or call.rule("insights.default_timeframe")
        call.ctx.values["data"] = chart(call, tracks, _days(call, "insights.timeframes", timeframe))
        return call.success

    return charts


for _resource, _page in (("Track", "tracks"), ("Album", "albums"), ("Artist", "artists")):
    behaviour(f"producer_intelligence.insights.{_page}.show")(_analytics(_resource))
    behaviour(f"producer_intelligence.insights.{_page}.charts.show")(_charts(_resource))


@behaviour("producer_intelligence.insights.tracks.realtime.show")
def _realtime(call: Call) -> int:
    """The track's ``_facts.live`` figures (one definition with the PI real-time endpoint):
    active listeners are the users who played it in the hour in progress, recent plays its
    plays of today so far."""
    (track,) = _tracks(call, "Track")
    now = facts.live([track], call.now)
    call.ctx.values["data"] = {
        "active_listeners": now["active_listeners"],
        "recent_plays": now["plays_today"],
    }
    return call.success


@behaviour("producer_intelligence.insights.artists.collaborations.show")
def _collaborations(call: Call) -> int:
    artist = call.record("Artist")
    shared = [t for t in _tracks(call, "Artist") if len(t["artists"]) > 1]
    partners = Counter(a for t in shared for a in t["artists"] if a != artist["id"])
    names = {a["id"]: a["name"] for a in call.store.all("Artist")}
    call.ctx.values["data"] = {
        "total_collaborations": len(shared),
        "top_collaborators": [
            {"id": a, "name": names.get(a, ""), "count": n}
            for a, n in sorted(partners.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "collaboration_tracks": [{"id": t["id"], "name": t["name"]} for t in shared],
    }
    return call.success


@behaviour("producer_intelligence.insights.export.formats.list")
def _formats(call: Call) -> int:
    call.ctx.values["formats"] = call.rule("insights.export_formats")
    return call.success


def _export_rows(call: Call, kind: str, days: int) -> list[dict[str, Any]]:
    """One row per track, album or artist of the caller's: its figures for the period."""
    artist = _own_artist(call)
    mine = facts.tracks_of(call.store, artist["id"])
    groups: list[tuple[Record, list[Record]]]
    if kind == "tracks":
        groups = [(t, [t]) for t in mine]
    elif kind == "albums":
        groups = [
            (a, [t for t in mine if t.get("album") == a["id"]])
            for a in facts.albums_of(call.store, artist["id"])
        ]
    else:
        groups = [(artist, mine)]
    rows = []
    for record, tracks in groups:
        figures = summary(call, tracks, days)
        rows.append(
            {
                "id": record["id"],
                "name": record["name"],
                "plays": figures["plays"]["total"],
                "period_plays": figures["plays"]["period"],
                "likes": figures["engagement"]["likes"],
                "reposts": figures["engagement"]["reposts"],
                "plays_change": figures["growth"]["plays_change"],
            }
        )
    return rows


def _period(call: Call) -> tuple[str, int]:
    period = call.body_get("period") or call.rule("insights.default_period")
    return period, _days(call, "insights.periods", period)


@behaviour("producer_intelligence.insights.export.json")
def _export_json(call: Call) -> int:
    period, days = _period(call)
    kind = _kind(call)
    call.ctx.values["data"] = {
        "type": kind,
        "period": period,
        "generated_at": call.iso(),
        "rows": _export_rows(call, kind, days),
    }
    return call.success


def _report_of(call: Call, *, charts: bool) -> dict[str, Any]:
    """The caller's report for the body's period: the artist's summary, and its chart."""
    period, days = _period(call)
    tracks = facts.tracks_of(call.store, _own_artist(call)["id"])
    return {
        "period": period,
        "summary": {"tracks": len(tracks), **summary(call, tracks, days)},
        "charts": [chart(call, tracks, days)] if charts else [],
        "generated_at": call.iso(),
    }


@behaviour("producer_intelligence.insights.export.report")
def _report(call: Call) -> int:
    call.ctx.values["data"] = _report_of(call, charts=bool(call.body_get("include_charts", True)))
    return call.success


def _kind(call: Call) -> str:
    kind = call.body_get("type") or call.rule("insights.export_types")[0]
    if kind not in call.rule("insights.export_types"):
        message = "The selected type is invalid."
        raise call.fail(422, message, {"type": [message]})
    return str(kind)


@behaviour("producer_intelligence.insights.export.csv")
def _export_csv(call: Call) -> int:
    """The rows of the JSON export, one line each under a header of their keys."""
    _, days = _period(call)
    rows = _export_rows(call, _kind(call), days)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    call.ctx.content = out.getvalue().encode()
    return call.success


@behaviour("producer_intelligence.insights.export.pdf")
def _export_pdf(call: Call) -> int:
    """A one-page PDF of the report's summary: the same figures as ``export/report``."""
    report = _report_of(call, charts=False)
    figures = report["summary"]
    lines = [
        f"BeatPass analytics report, period {report['period']}, generated {call.iso()}",
        f"Tracks: {figures['tracks']}",
        f"Plays: {figures['plays']['total']} ({figures['plays']['period']} in the period)",
        f"Likes: {figures['engagement']['likes']}, reposts: {figures['engagement']['reposts']}",
        f"Plays change: {figures['growth']['plays_change']}%",
    ]
    call.ctx.content = pdf(lines)
    return call.success
