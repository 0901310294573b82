"""Content (content.mdx): playlists, their followers, tracks and order, and collaboration:
the owner invites editors (at most ``playlists.max_editors``; an invitation lasts
``playlists.invitation_days``), editors change the tracks, only the owner renames or deletes.
Tracks count their plays; lyrics, pins, fingerprints and credits are stored records their
owners write; waveforms, duplicates and the Spotify stand-in are derived from the catalogue;
credit roles and cover-art templates are the spec's rules."""

from __future__ import annotations

import random
from typing import Any

from .. import _facts as facts
from .._documents import mp3
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
        "followers": facts.producer_counts(call.store, artist)["followers"],
        "tracks_count": len(tracks),
    }
    return call.success


@behaviour("artists.tracks.list")
def _artist_tracks(call: Call) -> int:
    """Every track credited to the artist: the tracks the dashboard and the analytics count
    (``_facts.tracks_of``), not the artist's ``top_tracks``, which are a few of them."""
    call.ctx.collections["Track"] = facts.tracks_of(call.store, call.record("Artist")["id"])
    return call.success


@behaviour("tracks.engagement_metrics.show")
def _engagement(call: Call) -> int:
    track = call.record("Track")
    figures = _analytics(call, [track])
    # As the track's comment list counts them: a deleted one keeps its place in its thread.
    comments = [c for c in call.store.all("Comment") if c.get("_track") == track["id"]]
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
    """The achievements the artist unlocked: the catalogue applied to their counts
    (``_facts.achievements_of``), the same ones the PI achievements mark unlocked, the PI
    dashboard lists and the achievements leaderboard counts."""
    unlocked = facts.achievements_of(call.store, call.record("Artist"), call.now)
    call.ctx.collections["Achievement"] = [a for a in unlocked if a["unlocked"]]
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
    call.ctx.values["message"] = call.rule("playlists.invite_message")
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


# -- tracks: plays, waveform, metadata ---------------------------------------------------------


@behaviour("tracks.plays.create", "tracks.plays.log")
def _play(call: Call) -> int:
    """A play counts once on the track: ``plays`` is the fact every read shows."""
    track = call.record("Track")
    facts.record_play(track, call.now, call.user_id)
    facts.recount(call.store, track["id"])  # and so its album's plays
    call.store.touch()
    call.note_side_effect(track_id=track["id"], plays=track["plays"])
    return call.success


@behaviour("tracks.plays.update_duration")
def _play_duration(call: Call) -> int:
    track = call.record("Track")
    call.note_side_effect(track_id=track["id"], duration=call.body_get("duration"))
    return call.success


def waveform(call: Call, track: Record) -> list[float]:
    """A track's peaks: the mock has no audio, so they are drawn from the track's id alone
    (``tracks.wave_peaks`` of them, in 0-1), the same through ``/wave`` and ``wave-batch``."""
    rng = random.Random(f"wave:{track['id']}")
    return [round(rng.random(), 3) for _ in range(call.rule("tracks.wave_peaks"))]


@behaviour("tracks.wave.show")
def _wave(call: Call) -> int:
    call.ctx.values["peaks"] = waveform(call, call.record("Track"))
    return call.success


@behaviour("tracks.wave_batch")
def _wave_batch(call: Call) -> int:
    ids = _track_ids(call, "track_ids")
    waves = [
        {"track_id": i, "peaks": waveform(call, call.store.get("Track", i) or {})} for i in ids
    ]
    call.ctx.values["waves"] = waves
    return call.success


@behaviour("tracks.extract_metadata")
def _extract_metadata(call: Call) -> int:
    """The file entry of a track is its audio: its metadata is what the track stores."""
    track = call.store.get("Track", call.path["fileEntry"])
    if track is None:
        raise call.fail(404, "Track not found.")
    if not call.mine(track):
        raise call.fail(403, FORBIDDEN)
    call.ctx.values["metadata"] = {k: track.get(k) for k in ("bpm", "key", "duration")}
    return call.success


# -- lyrics -----------------------------------------------------------------------------------


def _lyric_of(call: Call, track_id: Any) -> Record | None:
    return next((r for r in call.store.all("Lyric") if r.get("track_id") == track_id), None)


@behaviour("tracks.lyrics.show")
def _track_lyric(call: Call) -> int:
    lyric = _lyric_of(call, call.record("Track")["id"])
    if lyric is None:
        raise call.fail(404, "This track has no lyrics.")
    call.ctx.records["Lyric"] = lyric
    return call.success


@behaviour("lyrics.create")
def _create_lyric(call: Call) -> int:
    """Lyrics belong to a track, one text per track, written by its owner."""
    track = call.body_record("Track", "track_id")
    if not call.mine(track):
        raise call.fail(403, FORBIDDEN)
    if _lyric_of(call, track["id"]) is not None:
        message = "The track already has lyrics."
        raise call.fail(422, message, {"track_id": [message]})
    lyric = {"track_id": track["id"], "text": call.body_get("text"), "model_type": "lyric"}
    call.ctx.records["Lyric"] = call.store.add("Lyric", {**lyric, "_owner": call.user_id})
    return call.success


def _lyric_owner_check(call: Call, lyric: Record) -> None:
    track = call.store.get("Track", lyric.get("track_id"))
    owner = lyric.get("_owner")
    if owner != call.user_id and not (track is not None and call.mine(track)):
        raise call.fail(403, FORBIDDEN)


@behaviour("lyrics.update")
def _update_lyric(call: Call) -> int:
    lyric = call.record("Lyric")
    _lyric_owner_check(call, lyric)
    lyric["text"] = call.body_get("text")
    call.store.touch()
    return call.success


@behaviour("lyrics.delete")
def _delete_lyrics(call: Call) -> int:
    found = [call.store.get("Lyric", i) for i in str(call.path["ids"]).split(",")]
    lyrics = [r for r in found if r is not None]
    if len(lyrics) != len(found):
        raise call.fail(404, "Lyric not found.")
    for lyric in lyrics:
        _lyric_owner_check(call, lyric)
    for lyric in lyrics:
        call.store.delete("Lyric", lyric["id"])
    return call.success


# -- track pinning ----------------------------------------------------------------------------


def _artist_track(call: Call) -> tuple[Record, Record]:
    """The artist the path names (the caller's own) and one of that artist's tracks."""
    artist, track = call.record("Artist"), call.record("Track")
    if artist.get("_user") != call.user_id:
        raise call.fail(403, FORBIDDEN)
    if artist["id"] not in (track.get("artists") or ()):
        raise call.fail(404, "That track is not one of this artist's tracks.")
    return artist, track


@behaviour("artists.tracks.pin")
def _pin(call: Call) -> int:
    artist, track = _artist_track(call)
    artist["_pinned"] = track["id"]
    call.store.touch()
    return call.success


@behaviour("artists.tracks.unpin")
def _unpin(call: Call) -> int:
    artist, track = _artist_track(call)
    if artist.get("_pinned") != track["id"]:
        raise call.fail(404, "That track is not pinned.")
    del artist["_pinned"]
    call.store.touch()
    return call.success


@behaviour("artists.pinned_track.show")
def _pinned(call: Call) -> int:
    track = call.store.get("Track", call.record("Artist").get("_pinned"))
    if track is None:
        call.ctx.values["track"] = None
    else:
        call.ctx.records["Track"] = track
    return call.success


# -- audio fingerprinting and recon -----------------------------------------------------------


def _fingerprint_of(call: Call, track_id: Any) -> Record | None:
    """The latest fingerprint of a track (a retry or a new run replaces the older ones)."""
    mine = [f for f in call.store.all("Fingerprint") if f.get("track_id") == track_id]
    return max(mine, key=lambda f: f["id"]) if mine else None


@behaviour("tracks.fingerprint")
def _fingerprint(call: Call) -> int:
    track = call.record("Track")
    if not call.mine(track):
        raise call.fail(403, FORBIDDEN)
    record = _fingerprint_of(call, track["id"])
    if record is None:
        fields = {"track_id": track["id"], "model_type": "fingerprint", "_owner": call.user_id}
        record = call.store.add("Fingerprint", fields)
    record["status"] = "pending"
    call.store.touch()
    call.ctx.values["message"] = call.rule("fingerprints.started_message")
    return call.success


@behaviour("tracks.fingerprint.status.show")
def _fingerprint_status(call: Call) -> int:
    """The status of the track's latest run; a track with none of its own was fingerprinted
    when it was uploaded (``fingerprints.upload_status``)."""
    record = _fingerprint_of(call, call.record("Track")["id"])
    status = call.rule("fingerprints.upload_status") if record is None else record["status"]
    call.ctx.values["fingerprint_status"] = status
    return call.success


@behaviour("fingerprints.retry")
def _retry_fingerprint(call: Call) -> int:
    record = call.record("Fingerprint")
    track = call.store.get("Track", record.get("track_id"))
    if track is not None and not call.mine(track):
        raise call.fail(403, FORBIDDEN)
    if record.get("status") != "failed":
        message = "Only a failed fingerprint can be retried."
        raise call.fail(422, message, {"fingerprint": [message]})
    record["status"] = "pending"
    call.store.touch()
    call.ctx.values["message"] = call.rule("fingerprints.started_message")
    return call.success


def _sounds_alike(call: Call, a: Record, b: Record) -> bool:
    """The mock has no audio: two tracks sound the same when the fields of
    ``tracks.duplicate_match`` (name, case aside, and duration) are equal."""
    fields = call.rule("tracks.duplicate_match")
    return a.get("id") != b.get("id") and all(
        str(a.get(k)).casefold() == str(b.get(k)).casefold() for k in fields
    )


def _named(call: Call, resource: str, name: str) -> Any:
    """The id of the genre or tag of that name (case aside), made when the catalogue has none:
    an upload names them as text, and the track then lists them as records."""
    for record in call.store.all(resource):
        if str(record.get("name")).casefold() == name.casefold():
            return record["id"]
    fields = call.store.spec.resources[resource].fields
    made = {"name": name, "display_name": name, "model_type": resource.lower()}
    return call.store.add(resource, {k: v for k, v in made.items() if k in fields})["id"]


def _uploader(call: Call) -> Record:
    """The caller's artist profile, if it may upload; else the refusal, a 422 (no 403 is
    documented for an upload)."""
    artist = call.my_artist()
    if artist is None:
        refusal = "You need an artist profile to upload tracks."
    elif not facts.upload_access(call.store, artist):
        refusal = "Your artist profile does not have upload access."
    else:
        return artist
    raise call.fail(422, refusal, {"artist": [refusal]})


@behaviour("tracks.create")
def _create_track(call: Call) -> int:
    """An upload is an artist's: credited to the caller's artist unless it names its artists,
    filed under the genre and tags it names. Audio matching a stored track's is the 409."""
    artist = _uploader(call)
    upload = call.body if isinstance(call.body, dict) else {}
    if any(_sounds_alike(call, upload, t) for t in call.store.all("Track")):
        raise call.fail(409, "Fingerprint collision.")
    status = generic(call)
    track = call.ctx.records["Track"]
    if not track.get("artists"):
        track["artists"] = [artist["id"]]
    track["genres"] = [_named(call, "Genre", str(upload["genre"]))]
    track["tags"] = list(
        dict.fromkeys(_named(call, "Tag", str(t)) for t in upload.get("tags") or ())
    )
    seconds = int(track.get("duration") or 0) // 1000
    track["duration_text"] = f"{seconds // 60}:{seconds % 60:02d}"  # what duration says
    facts.recount(call.store, track["id"])  # a new track of its artists (their top tracks)
    return status


@behaviour("tracks.update")
def _update_track(call: Call) -> int:
    """An edit may change the track's credits: its artists' top tracks follow."""
    status = generic(call)
    facts.recount(call.store, call.record("Track")["id"])
    return status


@behaviour("tracks.check_duplicates")
def _check_duplicates(call: Call) -> int:
    ids = _track_ids(call, "track_ids")
    tracks = call.store.all("Track")
    duplicates = [
        {"track_id": i, "duplicate_of": other["id"]}
        for i in ids
        if (track := call.store.get("Track", i)) is not None
        for other in tracks
        if _sounds_alike(call, track, other)
    ]
    call.ctx.values["duplicates"] = duplicates
    return call.success


@behaviour("tracks.placements.list")
def _placements(call: Call) -> int:
    """Audio Recon matches of a track (``Placement._track``), for its credited producers only;
    none while the primary artist is unverified."""
    track = call.record("Track")
    if not call.mine(track):
        raise call.fail(403, "Forbidden")
    lead = call.store.get("Artist", (track.get("artists") or [None])[0])
    verified = bool(lead and lead.get("verified"))
    found = [p for p in call.store.all("Placement") if p.get("_track") == track["id"]]
    found = sorted(found, key=lambda p: -int(p.get("confidence_score") or 0)) if verified else []
    call.ctx.collections["Placement"] = found
    call.ctx.values["total_count"] = len(found)
    call.ctx.values["artist_verified"] = verified
    return call.success


# -- reference data: credit roles and cover art -----------------------------------------------


@behaviour("credits.roles.list")
def _roles(call: Call) -> int:
    call.ctx.values["roles"] = list(call.rule("credits.roles"))
    return call.success


def _templates(call: Call) -> list[Record]:
    return [dict(t) for t in call.rule("cover_art.templates")]


@behaviour("cover_art.templates.list")
def _list_templates(call: Call) -> int:
    call.ctx.values["templates"] = _templates(call)
    return call.success


@behaviour("cover_art.matching_templates.list")
def _matching_templates(call: Call) -> int:
    call.ctx.collections["CoverArtTemplate"] = [
        {**t, "model_type": "cover_art_template"} for t in _templates(call)
    ]
    return call.success


@behaviour("cover_art.templates.show")
def _show_template(call: Call) -> int:
    key = str(call.path["template"])
    found = next((t for t in _templates(call) if key in (str(t["id"]), t["name"])), None)
    if found is None:
        raise call.fail(404, "Cover art template not found.")
    call.ctx.records["CoverArtTemplate"] = {**found, "model_type": "cover_art_template"}
    return call.success


@behaviour("cover_art.preview")
def _preview(call: Call) -> int:
    """The preview of a template for a title and an artist: its URL names all three, so the
    same request previews the same image (``cover_art.preview_url``)."""
    template_id = call.body_get("template_id")
    if template_id is None:
        template_id = _templates(call)[0]["id"]
    if not any(t["id"] == template_id for t in _templates(call)):
        message = "The selected template id is invalid."
        raise call.fail(422, message, {"template_id": [message]})
    slug = "-".join(
        "".join(c if c.isalnum() else "-" for c in str(call.body_get(k) or "")).strip("-").lower()
        or "untitled"
        for k in ("title", "artist")
    )
    url = call.rule("cover_art.preview_url").format(template_id=template_id, slug=slug)
    call.ctx.values["preview_url"] = url
    return call.success


# -- artist credits and the Spotify stand-in --------------------------------------------------
# The mock has no Spotify: its own catalogue stands in for it, and a Spotify id is the text of
# a mock track or album id, so a search, an album lookup and an album credit agree.


def _released(record: Record) -> str:
    return str(record.get("release_date") or str(record.get("created_at") or "")[:10])


def _artist_names(call: Call, record: Record) -> list[str]:
    found = (call.store.get("Artist", a) for a in record.get("artists") or ())
    return [a["name"] for a in found if a is not None]


@behaviour("credits.spotify_search")
def _spotify_search(call: Call) -> int:
    needle = str(call.query.get("query") or "").strip().casefold()
    results = []
    for track in call.store.all("Track"):
        if needle not in str(track.get("name", "")).casefold():
            continue
        album = call.store.get("Album", track.get("album"))
        results.append(
            {
                "id": str(track["id"]),
                "name": track["name"],
                "artists": _artist_names(call, track),
                "album": album["name"] if album else track["name"],
                "release_date": _released(album or track),
                "image": track.get("image"),
            }
        )
    call.ctx.values["results"] = results
    return call.success


def _spotify_album(call: Call, album_id: Any) -> Record:
    album = call.store.get("Album", album_id)
    if album is None:
        raise call.fail(404, "Album not found.")
    return album


@behaviour("credits.spotify_album.show")
def _spotify_album_show(call: Call) -> int:
    album = _spotify_album(call, call.query.get("album_id"))
    tracks = [t for i in album.get("tracks") or () if (t := call.store.get("Track", i))]
    call.ctx.values["album"] = {
        "id": str(album["id"]),
        "name": album["name"],
        "release_date": _released(album),
        "artists": _artist_names(call, album),
        "tracks": [{"id": str(t["id"]), "name": t["name"]} for t in tracks],
    }
    return call.success


def _credit_role(call: Call) -> None:
    """A credit's role is one of the documented roles (``credits.roles``)."""
    role = call.body_get("role")
    if role is not None and role not in call.rule("credits.roles"):
        message = "The selected role is invalid."
        raise call.fail(422, message, {"role": [message]})


def _my_artist(call: Call) -> Record:
    artist = call.record("Artist")
    if artist.get("_user") != call.user_id:
        raise call.fail(403, FORBIDDEN)
    return artist


def _credits_of(call: Call, artist: Record) -> list[Record]:
    return [c for c in call.store.all("Credit") if c.get("artist_id") == artist["id"]]


def _new_credit(call: Call, artist: Record, position: int, **fields: Any) -> Record:
    base = {"model_type": "credit", "artist_id": artist["id"], "position": position}
    base.update({"album_name": None, "release_date": None, "spotify_url": None})
    return call.store.add("Credit", {**base, **fields, "_owner": call.user_id})


@behaviour("artists.credits.create")
def _create_credit(call: Call) -> int:
    """A credit of the caller's own artist, made of what the body says."""
    artist = _my_artist(call)
    _credit_role(call)
    fields = {k: call.body_get(k) for k in ("name", "role", "spotify_url")}
    credit = _new_credit(call, artist, len(_credits_of(call, artist)), **fields)
    call.ctx.records["Credit"] = credit
    return call.success


@behaviour("artists.credits.update")
def _update_credit(call: Call) -> int:
    artist = _my_artist(call)
    credit = call.record("Credit")
    if credit.get("artist_id") != artist["id"]:
        raise call.fail(404, "That credit is not one of this artist's credits.")
    _credit_role(call)
    credit.update({k: call.body_get(k) for k in ("name", "role") if call.body_get(k) is not None})
    call.store.touch()
    return call.success


@behaviour("artists.credits.album")
def _album_credit(call: Call) -> int:
    """One credit per track of the (stand-in Spotify) album, with its name and date."""
    artist = _my_artist(call)
    _credit_role(call)
    album = call.store.get("Album", call.body_get("spotify_album_id"))
    if album is None:
        message = "The selected spotify album id is invalid."
        raise call.fail(422, message, {"spotify_album_id": [message]})
    position = len(_credits_of(call, artist))
    credits: list[Record] = []
    for track_id in album.get("tracks") or ():
        track = call.store.get("Track", track_id)
        if track is None:
            continue
        fields = {"name": track["name"], "role": call.body_get("role")}
        fields.update(album_name=album["name"], release_date=album.get("release_date"))
        credits.append(_new_credit(call, artist, position + len(credits), **fields))
    call.ctx.collections["Credit"] = credits
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
    "artists.credits.delete",
    "artists.credits.list",
    "artists.credits.reorder",
    "artists.list",
    "artists.show",
    "lyrics.list",
    "playlists.create",
    "playlists.delete",
    "playlists.list",
    "playlists.show",
    "playlists.tracks.list",
    "playlists.update",
    "playlists.update_without_id",
    "tracks.comments.list",
    "tracks.delete",
    "tracks.list",
    "tracks.show",
)(generic)


@behaviour("tracks.download")
def _download(call: Call) -> int:
    """The track's audio file, tagged with its title and artists (see ``_documents.mp3``)."""
    generic(call)
    track = call.record("Track")
    artists = (call.store.get("Artist", i) for i in track.get("artists", []))
    call.ctx.content = mp3(str(track["name"]), ", ".join(str(a["name"]) for a in artists if a))
    return call.success
