"""A deterministic, consistent dataset: same seed, same data, byte for byte.

The core catalogue is built with its relations in mind (a track's artists and album exist, the
album lists the track back, a playlist's owner is a user); every other resource gets a handful
of records generated from its schema, with foreign keys pointing at records that exist.
User 1 owns artist 1: it is the account behind the default token, so "my" endpoints have data.
"""

from __future__ import annotations

import random
import weakref
from typing import Any

from spec import Spec

from ._generate import example, words
from ._store import Record, Store, _snake

GENRES = (
    "hip-hop",
    "trap",
    "r-and-b",
    "pop",
    "drill",
    "lo-fi",
    "afrobeats",
    "house",
    "techno",
    "reggaeton",
    "soul",
    "jazz",
)
COUNTS = {
    "User": 40,
    "Artist": 30,
    "Genre": len(GENRES),
    "Tag": 20,
    "Album": 25,
    "Track": 150,
    "Playlist": 24,
    "Comment": 120,
    "Lyric": 50,
}
DEFAULT_COUNT = 12
MOCK_USER_ID = 1


def price_of(spec: Spec, track: Record) -> tuple[float, float]:
    """A track's base price and the platform fee on it (``commerce.platform_fee_rate``), as a
    purchase charges them."""
    base = float(track.get("price") or 0.0)
    return round(base, 2), round(base * float(spec.rule("commerce.platform_fee_rate")), 2)


def record_for(store: Store, resource: str, rng: random.Random, **fixed: Any) -> Record:
    """A schema-valid record of ``resource``: relations as ids of existing records."""
    res = store.spec.resources[resource]
    relations = store.relations[resource]
    record: Record = {}
    for name, fld in res.fields.items():
        if name == "id":
            continue  # Store.add numbers records in order
        if name in fixed:
            record[name] = fixed[name]
            continue
        rel = relations.get(name)
        if rel is not None:
            pool = list(store.records[rel.target])
            if rel.many:
                record[name] = rng.sample(pool, min(len(pool), rng.randint(0, 2))) if pool else []
            else:
                record[name] = rng.choice(pool) if pool else None
            continue
        target = name[:-3] if name.endswith("_id") else None
        owner = next((r for r in store.spec.resources if _snake(r) == target), None)
        if owner is not None and store.records[owner]:
            record[name] = rng.choice(list(store.records[owner]))
            continue
        record[name] = example(fld.schema, rng, name=name)
    record.update({k: v for k, v in fixed.items() if k not in record})
    return record


_SNAPSHOTS: weakref.WeakKeyDictionary[Spec, dict[int, tuple[Any, ...]]] = (
    weakref.WeakKeyDictionary()
)
MAX_SNAPSHOTS = 16  # seeds kept per spec


def seed_store(store: Store, seed: int) -> None:
    """Fill ``store`` with the dataset of ``seed`` (built once per spec and seed, then copied)."""
    per_spec = _SNAPSHOTS.setdefault(store.spec, {})
    if seed not in per_spec:
        _build(store, seed)
        if len(per_spec) >= MAX_SNAPSHOTS:
            per_spec.clear()
        per_spec[seed] = store.snapshot()
    store.restore(per_spec[seed])


def _build(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    add = store.add

    for _ in range(COUNTS["User"]):
        add("User", record_for(store, "User", rng, display_name=words(rng, 2)))
    for i in range(COUNTS["Artist"]):
        add(
            "Artist",
            record_for(
                store,
                "Artist",
                rng,
                name=words(rng, 2),
                albums=[],
                top_tracks=[],
                similar=[],
                _user=i + 1,
            ),
        )
    for name in GENRES:
        add(
            "Genre",
            record_for(store, "Genre", rng, name=name, display_name=name.replace("-", " ").title()),
        )
    for _ in range(COUNTS["Tag"]):
        add("Tag", record_for(store, "Tag", rng, name=words(rng, 1).lower()))
    artists = list(store.records["Artist"])
    genres = list(store.records["Genre"])
    tags = list(store.records["Tag"])
    for _ in range(COUNTS["Album"]):
        add(
            "Album",
            record_for(
                store,
                "Album",
                rng,
                name=words(rng, 2),
                tracks=[],
                artists=[rng.choice(artists)],
                genres=rng.sample(genres, 1),
                tags=rng.sample(tags, 2),
            ),
        )
    albums = list(store.records["Album"].values())
    for _ in range(COUNTS["Track"]):
        album = rng.choice(albums) if rng.random() < 0.7 else None
        lead = album["artists"][0] if album else rng.choice(artists)
        featured = [a for a in rng.sample(artists, 1) if a != lead][: rng.randint(0, 1)]
        minutes, seconds = rng.randint(1, 5), rng.randint(0, 59)
        track = add(
            "Track",
            record_for(
                store,
                "Track",
                rng,
                name=words(rng, 2),
                artists=[lead, *featured],
                album=album["id"] if album else None,
                genres=rng.sample(genres, rng.randint(1, 2)),
                tags=rng.sample(tags, rng.randint(0, 3)),
                duration=(minutes * 60 + seconds) * 1000,
                duration_text=f"{minutes}:{seconds:02d}",
            ),
        )
        if album is not None:
            album["tracks"].append(track["id"])
    for artist in store.records["Artist"].values():
        own = [t["id"] for t in store.records["Track"].values() if artist["id"] in t["artists"]]
        artist["top_tracks"] = own[:5]
        artist["albums"] = [a["id"] for a in albums if artist["id"] in a["artists"]]
    users = list(store.records["User"])
    tracks = list(store.records["Track"])
    for i in range(COUNTS["Playlist"]):
        owner = MOCK_USER_ID if i < 4 else rng.choice(users)
        add(
            "Playlist",
            record_for(
                store,
                "Playlist",
                rng,
                name=words(rng, 2),
                tracks=rng.sample(tracks, rng.randint(0, 12)),
                _owner=owner,
                public=rng.random() < 0.75,
                collaborative=rng.random() < 0.3,
            ),
        )
    for _ in range(COUNTS["Comment"]):
        add(
            "Comment",
            record_for(store, "Comment", rng, _track=rng.choice(tracks), content=words(rng, 5)),
        )
    for track_id in rng.sample(tracks, COUNTS["Lyric"]):
        add("Lyric", record_for(store, "Lyric", rng, track_id=track_id))
    done = set(COUNTS)
    for resource in store.spec.resources:
        if resource in done:
            continue
        for _ in range(DEFAULT_COUNT):
            add(resource, record_for(store, resource, rng, _owner=rng.choice(users[:3])))
    _conversations(store, rng, users)
    for request in store.records["BeatRequest"].values():
        request["_owner"] = request["user_id"] = rng.choice(users[:3])
        request["user_name"] = store.records["User"][request["user_id"]]["display_name"]
        request["_expires_in"] = rng.choice((-40 * 24, -30, 5, 20, 47, 70)) * 3600.0
    for submission in store.records["Submission"].values():
        submission["beat_request_id"] = rng.choice(list(store.records["BeatRequest"]))
        submission["track"] = submission["track_id"]
        submission["user_id"] = submission["_owner"]
    purchases = list(store.records["Purchase"].values())
    bought: set[tuple[Any, Any]] = set()
    for purchase in purchases:  # someone else's track, once, at its price with the fee
        buyer = purchase["_owner"]
        for_sale = [
            t
            for t in tracks
            if (buyer, t) not in bought
            and buyer not in (store.owners(store.records["Track"][t]) or ())
        ]
        track = store.records["Track"][rng.choice(for_sale)]
        bought.add((buyer, track["id"]))
        purchase["track_id"] = track["id"]
        base, fee = price_of(store.spec, track)
        purchase.update(
            track_name=track["name"],
            artist_amount=base,
            platform_fee=fee,
            total_amount=round(base + fee, 2),
            currency=track.get("currency") or "USD",
            status="completed",
        )
    for lic, purchase in zip(list(store.records["License"].values()), purchases, strict=False):
        # A licence is generated from a purchase (generate-license refuses otherwise).
        lic.update(track_id=purchase["track_id"], _owner=purchase["_owner"], revoked=False)
        lic["license_type"] = rng.choice(("non-exclusive", "exclusive"))
    for extra in list(store.records["License"])[len(purchases) :]:
        store.delete("License", extra)
    owners_with_default: set[Any] = set()
    for preset in store.records["LicensePreset"].values():  # one default per artist
        preset["is_default"] = preset["_owner"] not in owners_with_default
        owners_with_default.add(preset["_owner"])
    for collection in store.records["Collection"].values():
        collection["user_id"] = collection["_owner"]
    # Follows and saves, so lists and follow-status have something to say.
    for user in users:
        for other in rng.sample(users, 3):
            if other != user:
                store.edges["follow_user"].add((user, other))
        for artist_id in rng.sample(artists, 2):
            store.edges["follow_artist"].add((user, artist_id))
        for track_id in rng.sample(tracks, 4):
            store.edges["library"].add((user, "track", track_id))
    store.version = 0


def _conversations(store: Store, rng: random.Random, users: list[Any]) -> None:
    """Conversations with members and messages that agree with each other."""
    names = {u: store.records["User"][u]["display_name"] for u in users}
    conversations = list(store.records["Conversation"].values())
    for i, conversation in enumerate(conversations):
        first = MOCK_USER_ID if i < len(conversations) // 2 else rng.choice(users)
        other = rng.choice([u for u in users if u != first])
        conversation.update(
            type="direct",
            _members=[first, other],
            title=None,
            participants=[{"id": m, "name": names[m]} for m in (first, other)],
        )
    for message in store.records["Message"].values():
        conversation = rng.choice(conversations)
        author = rng.choice(conversation["_members"])
        message.update(
            conversation_id=conversation["id"],
            user={"id": author, "name": names[author]},
            read_by=[],
        )
    for conversation in conversations:
        mine = [
            m
            for m in store.records["Message"].values()
            if m["conversation_id"] == conversation["id"]
        ]
        last = mine[-1] if mine else None
        conversation["last_message"] = (
            {
                "id": last["id"],
                "message_text": last["message_text"],
                "created_at": last["created_at"],
            }
            if last
            else None
        )
        conversation["unread_count"] = len(mine)


def rebase(store: Store, now: float) -> None:
    """Place time-relative records (beat-request expiry) around the mock clock's present."""
    import datetime

    for request in store.records["BeatRequest"].values():
        expires = now + request.get("_expires_in", 0.0)
        request["_expires"] = expires
        moment = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc)
        request["expires_at"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        hours = max((expires - now) / 3600, 0.0)
        request["hours_remaining"] = round(hours, 1)
        request["time_remaining"] = f"{int(hours)}h {int(hours * 60) % 60}m" if hours else "expired"
