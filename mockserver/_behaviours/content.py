"""Content (content.mdx): playlists, their followers, tracks and order, and collaboration:
the owner invites editors (at most ``playlists.max_editors``; an invitation lasts
``playlists.invitation_days``), editors change the tracks, only the owner renames or deletes."""

from __future__ import annotations

from typing import Any

from .. import _facts as facts
from .._store import Record
from .._validation import RequestError
from ._call import FORBIDDEN, Call, behaviour
from ._generic import generic

# -- analytics ----------------------------------------------------------------------------------
# Public producer analytics of a track, album or artist: the counters stored on the tracks
# (plays, likes, reposts), downloads as the completed purchases of the files, listeners as the
# users the store knows engaged with a track (``_facts``), so they agree with the dashboard and
# insights pages and with ``GET /tracks/{id}``.


def _analytics(call: Call, tracks: list[Record]) -> dict[str, Any]:
    listeners: set[Any] = set()
    for track in tracks:
        listeners |= facts.listeners_of(call.store, track["id"])
    return {
        "plays": facts.plays(tracks),
        "unique_listeners": len(listeners),
        "likes": facts.likes(tracks),
        "reposts": facts.reposts(tracks),
        "downloads": len(facts.purchases_of(call.store, [t["id"] for t in tracks])),
    }


@behaviour("tracks.producer_analytics.show")
def _track_analytics(call: Call) -> int:
    track = call.record("Track")
    figures = _analytics(call, [track])
    figures["contribution_value"] = facts.contribution_value(call.store, track)
    call.ctx.values["analytics"] = figures
    return call.success


@behaviour("albums.producer_analytics.show")
def _album_analytics(call: Call) -> int:
    album = call.record("Album")
    tracks = [t for t in (call.store.get("Track", i) for i in album.get("tracks") or ()) if t]
    figures = _analytics(call, tracks)
    del figures["reposts"]
    call.ctx.values["analytics"] = {**figures, "tracks_count": len(tracks)}
    return call.success


@behaviour("artists.producer_analytics.show")
def _artist_analytics(call: Call) -> int:
    artist = call.record("Artist")
    tracks = facts.tracks_of(call.store, artist["id"])
    call.ctx.values["analytics"] = {
        **_analytics(call, tracks),
        "followers": len(facts.followers_of_artist(call.store, artist["id"])),
        "tracks_count": len(tracks),
    }
    return call.success


@behaviour("tracks.engagement_metrics.show")
def _engagement(call: Call) -> int:
    track = call.record("Track")
    figures = _analytics(call, [track])
    comments = [
        c
        for c in call.store.all("Comment")
        if c.get("_track") == track["id"] and not c.get("deleted")
    ]
    call.ctx.values["metrics"] = {
        **{k: figures[k] for k in ("plays", "likes", "reposts", "downloads")},
        "comments": len(comments),
    }
    return call.success


@behaviour("artists.downloads_analytics.show")
def _downloads(call: Call) -> int:
    artist = call.record("Artist")
    ids = [t["id"] for t in facts.tracks_of(call.store, artist["id"])]
    sales = facts.purchases_of(call.store, ids)
    this_month, last_month = facts.month_labels(call.now, 2)[::-1]
    months = [
        facts.month_of(min(facts.moment(p.get("purchased_at")) or call.now, call.now))
        for p in sales
    ]
    call.ctx.values["analytics"] = {
        "total_downloads": len(sales),
        "downloads_this_month": months.count(this_month),
        "downloads_last_month": months.count(last_month),
        "unique_downloaders": len({p.get("_owner") for p in sales}),
    }
    return call.success


@behaviour("artists.producer_achievements.list")
def _achievements(call: Call) -> int:
    owner = call.record("Artist").get("_user")
    mine = [
        a for a in call.store.all("Achievement") if owner is not None and a.get("_owner") == owner
    ]
    call.ctx.collections["Achievement"] = mine
    return call.success


@behaviour("artists.check_ownership")
def _check_ownership(call: Call) -> int:
    artist = call.record("Artist")
    owner = artist.get("_user")
    call.ctx.values["is_owner"] = call.user_id is not None and owner == call.user_id
    return call.success


def _playlist(call: Call, *, edit: bool = False, own: bool = False) -> Record:
    playlist = call.record("Playlist")
    if own and playlist.get("_owner") != call.user_id:
        raise call.fail(403, FORBIDDEN)
    if edit and not call.mine(playlist):
        raise call.fail(403, FORBIDDEN)
    if not playlist.get("public", True) and not call.mine(playlist):
        raise call.fail(403, FORBIDDEN)
    return playlist


def _track_ids(call: Call, key: str = "ids") -> list[int]:
    ids = call.body_get(key) or []
    unknown = [i for i in ids if call.store.get("Track", i) is None]
    if unknown:
        message = f"The selected {key} are invalid."
        raise call.fail(422, message, {key: [f"Unknown track id {i}." for i in unknown]})
    return [int(i) for i in ids]


@behaviour("playlists.follow")
def _follow(call: Call) -> int:
    playlist = _playlist(call)
    call.store.edges["follow_playlist"].add((call.user_id, playlist["id"]))
    call.store.touch()
    return call.success


@behaviour("playlists.unfollow")
def _unfollow(call: Call) -> int:
    edge = (call.user_id, _playlist(call)["id"])
    missing = "Not following this playlist."
    return call.set_edge("follow_playlist", edge, False, exists="", missing=missing)


@behaviour("playlists.tracks.add")
def _add_tracks(call: Call) -> int:
    playlist = _playlist(call, edit=True)
    ids = _track_ids(call)
    present = [i for i in ids if i in playlist["tracks"]]
    if present:
        raise call.fail(409, f"Track already in playlist: {present[0]}.")
    playlist["tracks"].extend(ids)
    call.store.touch()
    return call.success


@behaviour("playlists.tracks.remove")
def _remove_tracks(call: Call) -> int:
    playlist = _playlist(call, edit=True)
    ids = _track_ids(call)
    missing = [i for i in ids if i not in playlist["tracks"]]
    if missing:
        raise call.fail(404, f"Track {missing[0]} is not in this playlist.")
    playlist["tracks"] = [t for t in playlist["tracks"] if t not in ids]
    call.store.touch()
    return call.success


@behaviour("playlists.tracks.order")
def _order(call: Call) -> int:
    playlist = _playlist(call, edit=True)
    ids = _track_ids(call)
    if sorted(ids) != sorted(playlist["tracks"]):
        message = "The ids must list every track of the playlist exactly once."
        raise call.fail(422, message, {"ids": [message]})
    playlist["tracks"] = ids
    call.store.touch()
    return call.success


@behaviour("playlists.invite")
def _invite(call: Call) -> int:
    playlist = _playlist(call, own=True)
    user_id = call.body_record("User", "user_id")["id"]
    if user_id == call.user_id:
        message = "You cannot invite yourself."
        raise call.fail(422, message, {"user_id": [message]})
    invites: dict[Any, float] = playlist.setdefault("_invites", {})
    if user_id in invites or user_id in playlist.get("_editors", []):
        raise call.fail(409, "Already invited.")
    if len(playlist.get("_editors", [])) + len(invites) >= call.rule("playlists.max_editors"):
        raise RequestError(429, "Max editors reached.", retry_after=0)
    invites[user_id] = call.now
    call.store.touch()
    return call.success


def _pending_invite(call: Call) -> tuple[Record, float]:
    playlist = call.record("Playlist")
    sent = playlist.get("_invites", {}).get(call.user_id)
    if sent is None:
        raise call.fail(404, "Invitation not found.")
    return playlist, sent


@behaviour("playlists.accept_invite")
def _accept(call: Call) -> int:
    playlist, sent = _pending_invite(call)
    del playlist["_invites"][call.user_id]
    if call.now - sent > call.rule("playlists.invitation_days") * 86_400:
        call.store.touch()
        raise call.fail(410, "Invitation expired.")
    playlist.setdefault("_editors", []).append(call.user_id)
    playlist["collaborative"] = True
    call.store.touch()
    return call.success


@behaviour("playlists.decline_invite")
def _decline(call: Call) -> int:
    playlist, _ = _pending_invite(call)
    del playlist["_invites"][call.user_id]
    call.store.touch()
    return call.success


@behaviour("playlists.remove_editor")
def _remove_editor(call: Call) -> int:
    playlist = _playlist(call, own=True)
    user_id = call.body_get("user_id")
    if user_id not in playlist.get("_editors", []):
        raise call.fail(404, "That user is not an editor of this playlist.")
    playlist["_editors"].remove(user_id)
    call.store.touch()
    return call.success


# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "albums.create",
    "albums.delete",
    "albums.list",
    "albums.show",
    "albums.update",
    "artists.albums.list",
    "artists.create",
    "artists.credits.album",
    "artists.credits.create",
    "artists.credits.delete",
    "artists.credits.list",
    "artists.credits.reorder",
    "artists.credits.update",
    "artists.list",
    "artists.pinned_track.show",
    "artists.show",
    "artists.tracks.list",
    "artists.tracks.pin",
    "artists.tracks.unpin",
    "cover_art.matching_templates.list",
    "cover_art.preview",
    "cover_art.templates.list",
    "cover_art.templates.show",
    "credits.roles.list",
    "credits.spotify_album.show",
    "credits.spotify_search",
    "fingerprints.retry",
    "lyrics.create",
    "lyrics.delete",
    "lyrics.list",
    "lyrics.update",
    "playlists.create",
    "playlists.delete",
    "playlists.list",
    "playlists.show",
    "playlists.tracks.list",
    "playlists.update",
    "playlists.update_without_id",
    "tracks.check_duplicates",
    "tracks.comments.list",
    "tracks.create",
    "tracks.delete",
    "tracks.download",
    "tracks.extract_metadata",
    "tracks.fingerprint",
    "tracks.fingerprint.status.show",
    "tracks.list",
    "tracks.lyrics.show",
    "tracks.placements.list",
    "tracks.plays.create",
    "tracks.plays.log",
    "tracks.plays.update_duration",
    "tracks.show",
    "tracks.update",
    "tracks.wave.show",
    "tracks.wave_batch",
)(generic)
