"""Behaviours of search and radio (search.mdx): results follow the query, the requested
types and the limit; a radio station is built from its seed (an artist, a track, a genre or a
tag, by id or by name) and is 404 for a seed that does not exist."""

from __future__ import annotations

from typing import Any

from .. import _facts as f
from .._render import render
from .._store import Record
from ._call import Call, behaviour
from ._generic import generic
from .producer_intelligence import achievement_detail

SEARCH_TYPES = {
    "album": "Album",
    "artist": "Artist",
    "playlist": "Playlist",
    "track": "Track",
    "user": "User",
}
RADIO_SIZE = 20


def _label(record: Record) -> str:
    return str(record.get("name") or record.get("display_name") or "").lower()


@behaviour("search")
def _search(call: Call) -> int:
    term = str(call.query.get("query") or "").strip().lower()
    types = str(call.query.get("types") or ",".join(SEARCH_TYPES)).split(",")
    limit = int(call.query.get("limit") or 3)
    results: dict[str, list[Any]] = {}
    for kind in types:
        resource = SEARCH_TYPES[kind]
        hits = [
            r
            for r in call.store.all(resource)
            if term in _label(r) and (resource != "Playlist" or r.get("public", True))
        ]
        results[f"{kind}s"] = [render(call.store, resource, r, call.ctx.tier) for r in hits[:limit]]
    call.ctx.values.update({"query": call.query.get("query") or "", "results": results})
    return call.success


def _seed(call: Call, resource: str, key: str) -> Record:
    record = call.store.get(resource, key) or next(
        (r for r in call.store.all(resource) if _label(r) == key.lower()), None
    )
    if record is None:
        raise call.fail(404, "Station not found.")
    return record


def _similar(call: Call, seed: Record) -> list[Record]:
    """The seed track, then the tracks that share a genre with it."""
    genres = set(seed.get("genres", []))
    others = (t for t in call.store.all("Track") if t is not seed)
    return [seed, *(t for t in others if genres & set(t.get("genres", [])))]


@behaviour("radio.show")
def _radio(call: Call) -> int:
    kind, key = call.path["type"], str(call.path["id"])
    named = dict(next(p.resource_by for p in call.op.path_params if p.name == "id"))
    seed = _seed(call, named[kind], key)
    tracks = call.store.all("Track")
    if kind == "artist":
        station = [t for t in tracks if seed["id"] in t.get("artists", [])]
    elif kind == "track":
        station = _similar(call, seed)
    else:
        field = "genres" if kind == "genre" else "tags"
        station = [t for t in tracks if seed["id"] in t.get(field, [])]
    call.ctx.collections["Track"] = station[:RADIO_SIZE]
    return call.success


@behaviour("search.audio")
def _audio_search(call: Call) -> int:
    """Tracks like the one named (sharing its genres), the named track excluded."""
    seed = call.record("Track")
    call.ctx.collections["Track"] = _similar(call, seed)[1 : RADIO_SIZE + 1]
    return call.success


behaviour("achievements.details.show")(achievement_detail)

# -- Leaderboards -----------------------------------------------------------------------------


def _entry(artist: Record, score: float) -> dict[str, Any]:
    return {
        "artist_id": artist["id"],
        "name": artist["name"],
        "score": score,
        "image": artist.get("image_small"),
    }


def _board(call: Call, rows: list[dict[str, Any]]) -> int:
    rows = sorted(rows, key=lambda r: (-r["score"], r["artist_id"]))
    call.ctx.values["producers"] = [{"rank": i + 1, **r} for i, r in enumerate(rows)]
    return call.success


def _xp(call: Call) -> dict[Any, int]:
    return {a["id"]: f.xp_of(call.store, a, call.now) for a in f.producers(call.store)}


@behaviour("leaderboards.global.show")
def _global_board(call: Call) -> int:
    """Producers by XP: each score is the XP of that producer's own dashboard."""
    xp = _xp(call)
    return _board(call, [_entry(a, xp[a["id"]]) for a in f.producers(call.store)])


@behaviour("leaderboards.genre.show")
def _genre_board(call: Call) -> int:
    """Producers of the genre by the plays of their tracks in it."""
    genre = call.record("Genre")["id"]
    rows = []
    for artist in f.producers(call.store):
        inside = [t for t in f.tracks_of(call.store, artist["id"]) if genre in t.get("genres", [])]
        if inside:
            rows.append(_entry(artist, f.plays(inside)))
    return _board(call, rows)


def _growth(call: Call, artist: Record) -> float | None:
    tracks = f.tracks_of(call.store, artist["id"])
    return f.growth_rate(call.store, f.series_of(call.store, tracks, call.now))


@behaviour("leaderboards.rising_stars.list")
def _rising_stars(call: Call) -> int:
    """Producers by the growth rate of their plays (those with a rate), fastest first."""
    rows = []
    for artist in f.producers(call.store):
        rate = _growth(call, artist)
        if rate is not None:
            rows.append(_entry(artist, rate))
    return _board(call, rows)


@behaviour("leaderboards.achievements.list")
def _achievement_board(call: Call) -> int:
    """Producers by the number of achievements they unlocked."""
    rows = []
    for artist in f.producers(call.store):
        unlocked = [a for a in f.achievements_of(call.store, artist, call.now) if a["unlocked"]]
        rows.append(_entry(artist, len(unlocked)))
    return _board(call, rows)


@behaviour("leaderboard.stats.show")
def _leaderboard_stats(call: Call) -> int:
    """Producers, those with plays in the default period, and all their plays."""
    store = call.store
    period = call.rule("producer_intelligence.periods")
    days = int(period["days"][period["default"]])
    active = 0
    for artist in f.producers(store):
        series = f.series_of(store, f.tracks_of(store, artist["id"]), call.now)
        active += sum(c for _, c in series[-days:]) > 0
    call.ctx.values["stats"] = {
        "total_producers": len(f.producers(store)),
        "active_producers": active,
        "total_plays": f.plays(store.all("Track")),
    }
    return call.success


# -- Featured content: carousels, highlights, landing, suggestions ----------------------------


def _top(call: Call, records: list[Record], score: Any) -> list[Record]:
    ranked = sorted(records, key=lambda r: (-score(r), r["id"]))
    return ranked[: int(call.rule("search.featured_count"))]


@behaviour("carousel.tracks.list")
def _carousel_tracks(call: Call) -> int:
    call.ctx.collections["Track"] = _top(call, call.store.all("Track"), lambda t: t["plays"])
    return call.success


@behaviour("carousel.albums.list", "search.suggestions.album.list")
def _top_albums(call: Call) -> int:
    def played(album: Record) -> int:
        return f.plays(t for i in album.get("tracks") or () if (t := call.store.get("Track", i)))

    call.ctx.collections["Album"] = _top(call, call.store.all("Album"), played)
    return call.success


@behaviour("carousel.producers.list", "search.suggestions.artist.list")
def _top_producers(call: Call) -> int:
    xp = _xp(call)
    call.ctx.collections["Artist"] = _top(call, f.producers(call.store), lambda a: xp[a["id"]])
    return call.success


@behaviour("producer_highlights.list")
def _highlights(call: Call) -> int:
    rising = [(a, _growth(call, a)) for a in f.producers(call.store)]
    rates = {a["id"]: r for a, r in rising if r is not None}
    chosen = [a for a, r in rising if r is not None]
    call.ctx.collections["Artist"] = _top(call, chosen, lambda a: rates[a["id"]])
    return call.success


@behaviour("landing.artists.list")
def _landing_artists(call: Call) -> int:
    def followed(artist: Record) -> int:
        return len(f.followers_of_artist(call.store, artist["id"]))

    call.ctx.collections["Artist"] = _top(call, call.store.all("Artist"), followed)
    return call.success


# By shape only: the records the path names, or the catalogue the operation lists.
behaviour(
    "channel.list",
    "channel.show",
    "genres.list",
    "genres.show",
    "search.suggestions.album.show",
    "search.suggestions.artist.show",
    "tags.albums.list",
    "tags.tracks.list",
)(generic)
