"""The artist dashboard (dashboard.mdx): the caller's own artist, tracks and plays.

Every endpoint needs an artist profile (the caller's, never another's: a caller who owns none
gets 403); every figure is a fact of ``_facts`` over that artist's tracks, so the dashboard,
the insights pages and ``GET /tracks/{id}`` report the same plays. Upload insights also need
the profile's upload access, the same fact ``GET /artist/profile`` shows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .. import _facts as facts
from .._store import Record
from ._call import Call, behaviour

NO_ARTIST = "You need an artist profile to use the artist dashboard."
NO_UPLOAD_ACCESS = "Your artist profile does not have upload access."
SOCIAL = ("twitter", "instagram", "soundcloud", "youtube")


def own_artist(call: Call) -> Record:
    """The caller's artist profile, or the 403 for a caller who has none."""
    artist = facts.artist_of(call.store, call.user_id)
    if artist is None:
        raise call.fail(403, NO_ARTIST)
    return artist


def _by_upload(call: Call, tracks: list[Record]) -> list[Record]:
    """Most recent upload first (ties: the higher id, the later created)."""
    return sorted(tracks, key=lambda t: (facts.uploaded_at(t, call.now), t["id"]), reverse=True)


def _profile_fields(artist: Record) -> dict[str, Any]:
    links = artist.get("_social_links") or {}
    return {
        "bio": artist.get("bio"),
        "website": artist.get("website"),
        "social_links": {k: links[k] for k in SOCIAL if k in links},
    }


@behaviour("artist.profile.show")
def _profile(call: Call) -> int:
    artist = own_artist(call)
    tracks = facts.tracks_of(call.store, artist["id"])
    call.ctx.records["Artist"] = artist
    call.ctx.values["data"] = {
        "id": artist["id"],
        "name": artist["name"],
        "upload_access": facts.upload_access(call.store, artist),
        "total_tracks": len(tracks),
        "total_plays": facts.plays(tracks),
        "member_since": facts.iso(facts.member_since(call.store, artist, call.now)),
        **_profile_fields(artist),
    }
    return call.success


@behaviour("artist.profile.update")
def _update_profile(call: Call) -> int:
    artist = own_artist(call)
    for key in ("bio", "website"):
        if key in (call.body or {}):
            artist[key] = call.body_get(key)
    links = call.body_get("social_links")
    if isinstance(links, dict):
        stored = dict(artist.get("_social_links") or {})
        stored.update({k: v for k, v in links.items() if k in SOCIAL})
        artist["_social_links"] = stored
    call.store.touch()
    call.ctx.records["Artist"] = artist
    call.ctx.values["data"] = _profile_fields(artist)
    call.ctx.values["message"] = "Profile updated successfully"
    return call.success


def _track_figures(call: Call, track: Record) -> dict[str, Any]:
    return {
        "plays": int(track.get("plays") or 0),
        "contribution_value": facts.contribution_value(call.store, track),
    }


@behaviour("artist.dashboard_stats.show")
def _stats(call: Call) -> int:
    artist = own_artist(call)
    tracks = facts.tracks_of(call.store, artist["id"])
    total = facts.plays(tracks)
    window = int(call.rule("dashboard.recent_upload_days"))
    since = call.now - window * facts.DAY
    top = max(tracks, key=lambda t: (int(t.get("plays") or 0), -t["id"]), default=None)
    this_month = sum(facts.plays_window(tracks, call.now, window))
    last_month = sum(facts.plays_window(tracks, call.now, window, skip=window))
    call.ctx.values["data"] = {
        "total_tracks": len(tracks),
        "total_plays": total,
        "total_contribution": round(
            sum(facts.contribution_value(call.store, t) for t in tracks), 6
        ),
        "recent_uploads": sum(1 for t in tracks if facts.uploaded_at(t, call.now) >= since),
        "play_growth_percentage": facts.change_percent(this_month, last_month),
        "top_track": (
            {"id": top["id"], "name": top["name"], **_track_figures(call, top)} if top else None
        ),
        "average_plays_per_track": round(total / len(tracks)) if tracks else 0,
        "tracks_with_plays": sum(1 for t in tracks if int(t.get("plays") or 0) > 0),
    }
    return call.success


@behaviour("artist.track_performance.list")
def _performance(call: Call) -> int:
    artist = own_artist(call)
    limit = int(call.rule("dashboard.track_performance_limit"))
    recent = _by_upload(call, facts.tracks_of(call.store, artist["id"]))[:limit]
    call.ctx.collections["Track"] = recent
    call.ctx.values["data"] = [
        {
            "track_id": t["id"],
            "track_name": t["name"],
            **_track_figures(call, t),
            "months_since_upload": facts.months_between(facts.uploaded_at(t, call.now), call.now),
            "upload_date": facts.iso(facts.uploaded_at(t, call.now)),
            "last_updated": t.get("_contribution_updated_at"),
        }
        for t in recent
    ]
    return call.success


def _cadence(days: int | None) -> str:
    if days is None:
        return "Upload a second track to see your upload cadence."
    return f"Keep uploading about every {max(days, 1)} days, your current cadence."


@behaviour("artist.upload_insights.show")
def _upload_insights(call: Call) -> int:
    artist = own_artist(call)
    if not facts.upload_access(call.store, artist):
        raise call.fail(403, NO_UPLOAD_ACCESS)
    tracks = facts.tracks_of(call.store, artist["id"])
    uploads = sorted(facts.uploaded_at(t, call.now) for t in tracks)
    this_month, last_month = facts.month_labels(call.now, 2)[::-1]
    by_month: dict[str, list[Record]] = defaultdict(list)
    for track in tracks:
        by_month[facts.month_of(facts.uploaded_at(track, call.now))].append(track)
    best = max(sorted(by_month.items()), key=lambda kv: facts.plays(kv[1]), default=None)
    frequency = (
        round((uploads[-1] - uploads[0]) / facts.DAY / (len(uploads) - 1))
        if len(uploads) >= 2
        else None
    )
    total = facts.plays(tracks)
    call.ctx.values["data"] = {
        "total_uploads": len(tracks),
        "uploads_this_month": len(by_month.get(this_month, ())),
        "uploads_last_month": len(by_month.get(last_month, ())),
        "average_plays_per_upload": round(total / len(tracks)) if tracks else 0,
        "best_performing_month": (
            {"month": best[0], "total_plays": facts.plays(best[1]), "track_count": len(best[1])}
            if best
            else None
        ),
        "upload_frequency_days": frequency,
        "recommended_upload_time": _cadence(frequency),
    }
    return call.success


@behaviour("artist.collaborative_tracks.list")
def _collaborative(call: Call) -> int:
    own_artist(call)
    artist = call.record("Artist")
    shared = [t for t in facts.tracks_of(call.store, artist["id"]) if len(t["artists"]) > 1]
    names = {a["id"]: a["name"] for a in call.store.all("Artist")}
    call.ctx.collections["Track"] = shared
    call.ctx.values["data"] = [
        {
            "track_id": t["id"],
            "title": t["name"],
            "primary_artist": {"id": t["artists"][0], "name": names.get(t["artists"][0], "")},
            "collaborators": [
                {"id": a, "name": names.get(a, "")} for a in t["artists"] if a != artist["id"]
            ],
            "plays": int(t.get("plays") or 0),
        }
        for t in shared
    ]
    return call.success
