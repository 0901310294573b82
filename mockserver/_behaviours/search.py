"""Behaviours of search and radio (search.mdx): results follow the query, the requested
types and the limit; a radio station is built from its seed (an artist, a track, a genre or a
tag, by id or by name) and is 404 for a seed that does not exist."""

from __future__ import annotations

from typing import Any

from .._render import render
from .._store import Record
from ._call import Call, behaviour
from ._generic import generic

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


@behaviour("radio.show")
def _radio(call: Call) -> int:
    kind, key = call.path["type"], str(call.path["id"])
    named = dict(next(p.resource_by for p in call.op.path_params if p.name == "id"))
    seed = _seed(call, named[kind], key)
    tracks = call.store.all("Track")
    if kind == "artist":
        station = [t for t in tracks if seed["id"] in t.get("artists", [])]
    elif kind == "track":
        genres = set(seed.get("genres", []))
        station = [
            seed,
            *(t for t in tracks if t is not seed and genres & set(t.get("genres", []))),
        ]
    else:
        field = "genres" if kind == "genre" else "tags"
        station = [t for t in tracks if seed["id"] in t.get(field, [])]
    call.ctx.collections["Track"] = station[:RADIO_SIZE]
    return call.success


# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "achievements.details.show",
    "carousel.albums.list",
    "carousel.producers.list",
    "carousel.tracks.list",
    "channel.list",
    "channel.show",
    "genres.list",
    "genres.show",
    "landing.artists.list",
    "leaderboard.stats.show",
    "leaderboards.achievements.list",
    "leaderboards.genre.show",
    "leaderboards.global.show",
    "leaderboards.rising_stars.list",
    "producer_highlights.list",
    "search.audio",
    "search.suggestions.album.list",
    "search.suggestions.album.show",
    "search.suggestions.artist.list",
    "search.suggestions.artist.show",
    "tags.albums.list",
    "tags.tracks.list",
)(generic)
