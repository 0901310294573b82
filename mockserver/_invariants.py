"""The rules the mock's world keeps, written down as code.

Every seeded world satisfies them, and every documented write keeps them (both are tested), so
an answer built from the store can be trusted to agree with every other answer:

- a free track has no price and is never sold; only an exclusive track has exclusive fields;
- a sold exclusive track was bought exactly once, and an available one never;
- a purchase charges the track's base plus the platform fee, and every licence comes from a
  purchase of the same track by the same user, of the type that purchase grants;
- counters equal the records they count: a track's likes are its library saves, its reposts
  its repost edges, an album's plays the plays of its tracks, a playlist's length the durations
  of its tracks;
- relations resolve: every id a record names exists;
- no timestamp of something that happened lies after the mock clock's now, nor before what it
  depends on: a purchase follows its track's upload, a licence its purchase, a payout the end of
  the month it pays for, and a conversation's messages are numbered in the order they were sent,
  its ``last_message`` the newest;
- each artist has at most one default licence preset;
- a tag is addressed by its name (``/tags/{name}/tracks``), so no two tags share one;
- the world holds only what the documented writes would have let someone make: nobody follows
  themselves or their own artist, reposts or buys their own track; a beat-request submission
  is of a track its submitter owns, to someone else's request, made before the request expired
  and after the track was uploaded, never the same track twice to one request, at most
  ``beat_requests.max_submissions_per_producer`` per producer and request;
- a user has at most one extended profile, and an artist's profile is its user's.

And what the mock invents fits its domain (:func:`domain_violations`): every seeded value of a
field with a declared generator fits that generator's schema. Values that callers write are
theirs (checked only by the request schema), so writes are held to :func:`violations` alone.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

from spec import GENERATORS

from . import _facts
from ._seed import license_type_of, price_of
from ._store import Store

_PAST = ("created_at", "purchased_at", "release_date", "unlocked_at")
"""Fields that say when something happened (``expires_at`` may lie ahead)."""


def violations(store: Store, now: float) -> list[str]:
    """Every broken invariant, one line each (empty when the world is consistent)."""
    return (
        list(_tracks(store))
        + list(_money(store))
        + list(_counters(store))
        + list(_records(store, now))
        + list(_names(store))
        + list(_timeline(store))
        + list(_allowed(store))
    )


def _allowed(store: Store) -> Iterator[str]:
    artists, tracks = store.records["Artist"], store.records["Track"]

    def owns(user: Any, track_id: Any) -> bool:
        track = tracks.get(track_id)
        return track is not None and user in (store.owners(track) or ())

    for user, other in store.edges["follow_user"]:
        if user == other:
            yield f"user {user} follows themselves"
    for user, artist in store.edges["follow_artist"]:
        if artists.get(artist, {}).get("_user") == user:
            yield f"user {user} follows their own artist {artist}"
    for user, track_id in store.edges["repost"]:
        if owns(user, track_id):
            yield f"user {user} reposted their own track {track_id}"
    for purchase in store.all("Purchase"):
        if owns(purchase.get("_owner"), purchase["track_id"]):
            yield f"Purchase {purchase['id']} is of its buyer's own track"
    yield from _submissions(store)
    yield from _profiles(store)


def _profiles(store: Store) -> Iterator[str]:
    owners = Counter(p.get("_owner") for p in store.all("Profile"))
    for owner, count in sorted(owners.items(), key=lambda item: str(item[0])):
        if count > 1:
            yield f"user {owner} owns {count} profiles"
    for artist in store.all("Artist"):
        profile = store.get("Profile", artist.get("profile"))
        if profile is not None and profile.get("_owner") != artist.get("_user"):
            yield f"Artist {artist['id']}'s profile {profile['id']} is not its user's"


def _submissions(store: Store) -> Iterator[str]:
    limit = int(store.spec.rule("beat_requests.max_submissions_per_producer"))
    per_request: Counter[tuple[Any, Any]] = Counter()
    per_track: Counter[tuple[Any, Any, Any]] = Counter()
    for submission in store.all("Submission"):
        sid, user, track_id = submission["id"], submission.get("user_id"), submission["track_id"]
        request_id = submission.get("beat_request_id")
        request = store.get("BeatRequest", request_id)
        track = store.records["Track"].get(track_id)
        per_request[(request_id, user)] += 1
        per_track[(request_id, user, track_id)] += 1
        if track is not None and user not in (store.owners(track) or ()):
            yield f"Submission {sid} is of track {track_id}, which user {user} does not own"
        if track is not None and _before(submission.get("created_at"), track.get("created_at")):
            yield f"Submission {sid} was made before track {track_id} was uploaded"
        if request is None:
            continue
        if request.get("_owner") == user:
            yield f"Submission {sid} is to its submitter's own request"
        sent = _facts.moment(submission.get("created_at"))
        if sent is not None and sent >= float(request.get("_expires", sent + 1)):
            yield f"Submission {sid} was made after request {request['id']} expired"
    for (request_id, user, track_id), count in per_track.items():
        if count > 1:
            yield f"user {user} submitted track {track_id} {count} times to request {request_id}"
    for (request_id, user), count in per_request.items():
        if count > limit:
            yield f"user {user} made {count} submissions to request {request_id}, over {limit}"


def _timeline(store: Store) -> Iterator[str]:
    tracks = store.records["Track"]
    bought: dict[tuple[Any, Any], str] = {}
    for purchase in store.all("Purchase"):
        at, track = purchase.get("purchased_at") or "", tracks.get(purchase["track_id"])
        key = (purchase.get("_owner"), purchase["track_id"])
        bought[key] = min(bought.get(key, at), at)
        if track is not None and _before(at, track.get("created_at")):
            yield f"Purchase {purchase['id']} was made before track {track['id']} was uploaded"
    for lic in store.all("License"):
        paid = bought.get((lic.get("_owner"), lic.get("track_id")))
        if paid is not None and _before(lic.get("created_at"), paid):
            yield f"License {lic['id']} was issued before its purchase"
    for payout in store.all("Payout"):
        made, period = payout.get("created_at"), payout.get("period")
        if isinstance(made, str) and isinstance(period, str) and made[:7] <= period:
            yield f"Payout {payout['id']} was made {made} for {period}, before that month ended"
    yield from _conversations(store)


def _conversations(store: Store) -> Iterator[str]:
    sent: dict[Any, list[dict[str, Any]]] = {}
    for message in sorted(store.all("Message"), key=lambda m: m["id"]):
        sent.setdefault(message.get("conversation_id"), []).append(message)
    for conversation in store.all("Conversation"):
        mine = sent.get(conversation["id"], [])
        for earlier, later in itertools.pairwise(mine):
            if _before(later.get("created_at"), earlier.get("created_at")):
                yield f"Message {later['id']} was sent before message {earlier['id']}"
        last = mine[-1] if mine else None
        newest = last and {k: last.get(k) for k in ("id", "message_text", "created_at")}
        if conversation.get("last_message") != newest:
            yield f"Conversation {conversation['id']}'s last_message is not its newest message"


def _before(text: Any, other: Any) -> bool:
    """``text`` is a moment strictly before ``other`` (False when either is no date)."""
    a, b = _facts.moment(text), _facts.moment(other)
    return a is not None and b is not None and a < b


def _names(store: Store) -> Iterator[str]:
    names = Counter(t.get("name") for t in store.all("Tag"))
    for name, count in sorted(names.items(), key=lambda item: str(item[0])):
        if count > 1:
            yield f"{count} tags share the name {name!r}"


def _tracks(store: Store) -> Iterator[str]:
    bought = Counter(p["track_id"] for p in store.all("Purchase") if p.get("status") == "completed")
    for track in store.all("Track"):
        tid, kind, status = track["id"], track.get("licensing_type"), track.get("exclusive_status")
        if kind == "free" and (track.get("price") is not None or bought[tid]):
            yield f"Track {tid} is free but has a price or a purchase"
        if kind == "exclusive":
            if status not in ("available", "sold"):
                yield f"Track {tid} is exclusive with exclusive_status {status!r}"
            if (status == "sold") != (bought[tid] == 1) or bought[tid] > 1:
                yield f"Track {tid} is {status} with {bought[tid]} purchases"
        elif status is not None or track.get("exclusive_price") is not None:
            yield f"Track {tid} is {kind} but carries exclusive fields"


def _money(store: Store) -> Iterator[str]:
    purchases = {(p.get("_owner"), p["track_id"]) for p in store.all("Purchase")}
    tracks = store.records["Track"]
    for purchase in store.all("Purchase"):
        total = round(float(purchase["artist_amount"]) + float(purchase["platform_fee"]), 2)
        if abs(total - float(purchase["total_amount"])) > 0.005:
            yield f"Purchase {purchase['id']} totals {purchase['total_amount']}, not {total}"
        _, fee = price_of(store.spec, {"price": purchase["artist_amount"]})
        if abs(fee - float(purchase["platform_fee"])) > 0.005:
            charged = purchase["platform_fee"]
            yield f"Purchase {purchase['id']} charges a fee of {charged}, not {fee}"
    for lic in store.all("License"):
        if (lic.get("_owner"), lic.get("track_id")) not in purchases:
            yield f"License {lic['id']} has no purchase of track {lic.get('track_id')} behind it"
        track = tracks.get(lic.get("track_id"))
        if track is not None and lic.get("license_type") != license_type_of(track):
            kinds = (lic.get("license_type"), track.get("licensing_type"))
            yield f"License {lic['id']} is {kinds[0]} for a {kinds[1]} track"
    defaults = Counter(p.get("_owner") for p in store.all("LicensePreset") if p.get("is_default"))
    for owner, count in defaults.items():
        if count > 1:
            yield f"user {owner} has {count} default licence presets"


def _counters(store: Store) -> Iterator[str]:
    tracks = store.records["Track"]
    for track in tracks.values():
        likes = _facts.saves_of(store, "track", track["id"])
        if track.get("likes_count") != likes:
            yield f"Track {track['id']} says {track.get('likes_count')} likes, {likes} saves exist"
        reposts = _facts.reposts_of(store, track["id"])
        if track.get("reposts_count") != reposts:
            yield f"Track {track['id']} says {track.get('reposts_count')} reposts, {reposts} exist"
    for album in store.all("Album"):
        total = _facts.plays(tracks[t] for t in album.get("tracks") or () if t in tracks)
        if album.get("plays") != total:
            yield f"Album {album['id']} says {album.get('plays')} plays, its tracks {total}"
    for playlist in store.all("Playlist"):
        lasts = _facts.duration_of(store, playlist)
        if playlist.get("totalDuration") != lasts:
            said = playlist.get("totalDuration")
            yield f"Playlist {playlist['id']} says it lasts {said} ms, its tracks {lasts}"


def domain_violations(store: Store) -> list[str]:
    """Values outside the domain of the generator their field declares (a bpm of 758)."""
    from jsonschema import Draft202012Validator

    from spec._compile import FORMAT_CHECKER

    checker = FORMAT_CHECKER()
    domains = {
        name: Draft202012Validator(schema, format_checker=checker)
        for name, schema in GENERATORS.items()
    }
    out = []
    for name, res in store.spec.resources.items():
        declared = [
            (f, fld.schema["generator"])
            for f, fld in res.fields.items()
            if "generator" in fld.schema
        ]
        for record in store.all(name):
            for field, generator in declared:
                value = record.get(field)
                if value is not None and not domains[generator].is_valid(value):
                    out.append(f"{name} {record['id']}.{field} = {value!r} is no {generator}")
    return out


def _records(store: Store, now: float) -> Iterator[str]:
    moment = _facts.iso(now)
    for name, res in store.spec.resources.items():
        relations = store.relations[name]
        for record in store.all(name):
            for field in res.fields:
                value = record.get(field)
                if value is None:
                    continue
                rel = relations.get(field)
                if rel is not None:
                    yield from _dangling(store, name, record, field, rel.target, value)
                    continue
                if field in _PAST and isinstance(value, str) and value > moment[: len(value)]:
                    yield f"{name} {record['id']}.{field} = {value} lies after now ({moment})"


def _dangling(
    store: Store, name: str, record: dict[str, Any], field: str, target: str, value: Any
) -> Iterator[str]:
    ids = value if isinstance(value, list) else [value]
    for key in ids:
        if store.get(target, key) is None:
            yield f"{name} {record['id']}.{field} names {target} {key!r}, which does not exist"
