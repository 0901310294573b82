"""A deterministic, consistent dataset: same seed, same data, byte for byte.

The core catalogue is built with its relations in mind (a track's artists and album exist, the
album lists the track back, a playlist's owner is a user); every other resource gets a handful
of records generated from its schema, with foreign keys pointing at records that exist.
User 1 owns artist 1: it is the account behind the default token, so "my" endpoints have data.
"""

from __future__ import annotations

import random
import weakref
from collections import Counter
from collections.abc import Mapping
from typing import Any

from spec import Spec

from ._generate import example, fresh_word, words
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
    "Transaction": 0,  # derived from sales and payouts (Store.derived), not stored
}
DEFAULT_COUNT = 12
MOCK_USER_ID = 1


def price_of(spec: Spec, track: Record) -> tuple[float, float]:
    """A track's base price and the platform fee on it (``commerce.platform_fee_rate``), as a
    purchase charges them."""
    base = float(track.get("price") or 0.0)
    return round(base, 2), round(base * float(spec.rule("commerce.platform_fee_rate")), 2)


def licensing(track: Record) -> None:
    """A track's price fields as its licensing type implies: a free track has no price and is
    never sold; an exclusive one is sold at its price, once (``exclusive_status``); a
    non-exclusive one has no exclusive fields."""
    kind = track.get("licensing_type")
    if kind == "free":
        track.update(price=None, exclusive_price=None, exclusive_status=None)
    elif kind == "exclusive":
        track.update(exclusive_price=track.get("price"), exclusive_status="available")
    else:
        track.update(exclusive_price=None, exclusive_status=None)


def license_type_of(track: Record) -> str:
    """The licence a purchase of ``track`` grants."""
    return "exclusive" if track.get("licensing_type") == "exclusive" else "non-exclusive"


def for_sale_to(store: Store, track: Record, buyer: Any) -> bool:
    """``buyer`` may buy ``track``: not free, not their own, not an exclusive already sold."""
    return (
        track.get("licensing_type") != "free"
        and track.get("exclusive_status") != "sold"
        and buyer not in (store.owners(track) or ())
    )


DERIVED = frozenset(
    {
        ("Track", "likes_count"),
        ("Track", "reposts_count"),
        ("Track", "exclusive_price"),
        ("Track", "exclusive_status"),
        ("Album", "plays"),
        ("Playlist", "totalDuration"),
        ("Comment", "position"),
        ("Credit", "position"),
        ("Collection", "tracks_count"),
        ("Channel", "content"),
        ("Credit", "role"),
        ("Comment", "depth"),
        ("License", "license_type"),
        ("Purchase", "artist_amount"),
        ("Purchase", "platform_fee"),
        ("Purchase", "total_amount"),
        ("Purchase", "currency"),
        ("Track", "currency"),
        ("LicensePreset", "currency"),
        ("Payout", "currency"),
        ("Transaction", "currency"),
        ("BeatRequest", "genre"),
        ("BeatRequest", "bpm_range"),
        ("Purchase", "status"),
        ("Purchase", "track_name"),
        ("BeatRequest", "user_name"),
        ("BeatRequest", "hours_remaining"),
        ("BeatRequest", "time_remaining"),
        ("Conversation", "last_message"),
        ("Conversation", "participants"),
        ("Conversation", "title"),
        ("Conversation", "unread_count"),
        ("Message", "read_by"),
        ("Message", "user"),
        ("Payout", "period"),
    }
)
"""Fields the seed derives from other records for every record (``derive``, the purchase and
conversation passes, ``rebase``): what was drawn for them first never survives."""


def derive(store: Store) -> None:
    """Counters and sums that restate other records: a track's likes are its library saves and
    its reposts its repost edges; an album's plays are its tracks' plays; a playlist lasts as
    long as its tracks; an artist's top tracks are their most played; comments are numbered
    in order on their track."""
    from ._facts import plays, rank_top_tracks, reposts_of, saves_of, settle

    currency = store.spec.rule("commerce.currency")
    for resource in ("Track", "LicensePreset", "Payout", "Transaction", "Purchase"):
        for record in store.records[resource].values():
            free = resource == "Track" and record.get("licensing_type") == "free"
            record["currency"] = None if free else currency
    tracks = store.records["Track"]
    for track in tracks.values():
        track["likes_count"] = saves_of(store, "track", track["id"])
        track["reposts_count"] = reposts_of(store, track["id"])
    for album in store.records["Album"].values():
        album["plays"] = plays(tracks[t] for t in album.get("tracks") or () if t in tracks)
    settle(store)
    rank_top_tracks(store)
    positions: dict[Any, int] = {}
    for comment in store.records["Comment"].values():
        key = comment.get("_track")
        comment["position"] = positions.get(key, 0)
        comment["depth"] = 0
        positions[key] = comment["position"] + 1


def in_domain(schema: Mapping[str, Any]) -> bool:
    """A value drawn from this schema alone still fits its field's domain: the schema names a
    generator, fixes the value, lists the values, or is a boolean or a well-formed format."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return (
        "generator" in schema
        or "const" in schema
        or "enum" in schema
        or "boolean" in kinds
        or schema.get("format") in ("date-time", "date", "uuid", "email", "uri")
        or ("minimum" in schema and "maximum" in schema)
        or any(in_domain(b) for b in schema.get("anyOf", ()))
    )


def record_for(store: Store, resource: str, rng: random.Random, **fixed: Any) -> Record:
    """A schema-valid record of ``resource``: relations as ids of existing records. A field
    drawn from a schema that does not fix its domain is noted in ``store.invented``."""
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
        if not in_domain(fld.schema):
            store.invented.add((resource, name))
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
    tag_names: set[str] = set()
    for _ in range(COUNTS["Tag"]):  # a tag is addressed by its name (/tags/{name}/tracks)
        add("Tag", record_for(store, "Tag", rng, name=fresh_word(rng, tag_names)))
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
    for artist in store.records["Artist"].values():  # top_tracks: ranked by derive()
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
    for coupon in store.spec.rule("commerce.coupons"):
        add(
            "Coupon",
            record_for(
                store,
                "Coupon",
                rng,
                code=coupon["code"],
                type=coupon["type"],
                amount=coupon["amount"],
                _expired=coupon["expired"],
            ),
        )
    for template in store.spec.rule("cover_art.templates"):
        add("CoverArtTemplate", record_for(store, "CoverArtTemplate", rng, **template))
    for item in store.spec.rule("producer_intelligence.achievements"):
        fields = {k: item[k] for k in ("id", "name", "description", "xp")}
        catalogue = record_for(
            store, "Achievement", rng, unlocked=False, unlocked_at=None, **fields
        )
        add("Achievement", catalogue)  # who unlocked it is each producer's (_facts.achievements_of)
    done = {*COUNTS, "Coupon", "CoverArtTemplate", "Achievement"}
    for resource in store.spec.resources:
        if resource in done:
            continue
        for _ in range(DEFAULT_COUNT):
            add(resource, record_for(store, resource, rng, _owner=rng.choice(users[:3])))
    _profiles(store, users)
    _conversations(store, rng, users)
    for request in store.records["BeatRequest"].values():
        request["_owner"] = request["user_id"] = rng.choice(users[:3])
        request["user_name"] = store.records["User"][request["user_id"]]["display_name"]
        request["genre"] = store.records["Genre"][rng.choice(genres)]["display_name"]
        low = rng.randrange(60, 170, 5)
        request["bpm_range"] = f"{low}-{low + rng.choice((5, 10, 20))}"
        request["_expires_in"] = rng.choice((-40 * 24, -30, 5, 20, 47, 70)) * 3600.0
    _submissions(store, rng)
    for track in store.records["Track"].values():
        licensing(track)
    purchases = list(store.records["Purchase"].values())
    bought: set[tuple[Any, Any]] = set()
    for purchase in purchases:  # someone else's track for sale, once, at its price with the fee
        buyer = purchase["_owner"]
        for_sale = [
            t
            for t in tracks
            if (buyer, t) not in bought and for_sale_to(store, store.records["Track"][t], buyer)
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
            currency=store.spec.rule("commerce.currency"),
            status="completed",
        )
        if track["licensing_type"] == "exclusive":
            track["exclusive_status"] = "sold"
    for lic, purchase in zip(list(store.records["License"].values()), purchases, strict=False):
        # A licence is generated from a purchase (generate-license refuses otherwise).
        track = store.records["Track"][purchase["track_id"]]
        lic.update(
            track_id=track["id"],
            _owner=purchase["_owner"],
            revoked=False,
            license_type=license_type_of(track),
        )
    for extra in list(store.records["License"])[len(purchases) :]:
        store.delete("License", extra)
    owners_with_default: set[Any] = set()
    for preset in store.records["LicensePreset"].values():  # one default per artist
        preset["is_default"] = preset["_owner"] not in owners_with_default
        owners_with_default.add(preset["_owner"])
    for collection in store.records["Collection"].values():
        collection["user_id"] = collection["_owner"]
        collection["tracks_count"] = 0  # the mock stores no items in collections
    for channel in store.records["Channel"].values():  # a channel shows stored tracks
        channel["content"] = [{"id": t, "model_type": "track"} for t in rng.sample(tracks, 6)]
    for placement in store.records["Placement"].values():  # Audio Recon found it for a track
        placement["_track"] = rng.choice(tracks)
    positions: dict[Any, int] = {}
    roles = store.spec.rule("credits.roles")
    for credit in store.records["Credit"].values():  # a credit is its artist's, in order
        artist = store.records["Artist"][rng.choice(artists)]
        position = positions.get(artist["id"], 0)
        positions[artist["id"]] = position + 1
        credit.update(
            artist_id=artist["id"],
            _owner=artist["_user"],
            role=rng.choice(roles),
            position=position,
        )
    _a_failed_fingerprint_of_mine(store, tracks)
    for fingerprint in store.records["Fingerprint"].values():  # its track's, as lyrics are
        owners = store.owners(store.records["Track"][fingerprint["track_id"]]) or {None}
        fingerprint["_owner"] = min(owners, key=lambda o: (o is None, o))
    for lyric in store.records["Lyric"].values():
        owners = store.owners(store.records["Track"][lyric["track_id"]]) or {None}
        lyric["_owner"] = min(owners, key=lambda o: (o is None, o))
    # Follows and saves, so lists and follow-status have something to say.
    for user in users:
        for other in rng.sample(users, 3):
            if other != user:
                store.edges["follow_user"].add((user, other))
        for artist_id in rng.sample(artists, 2):  # nobody follows their own artist (422)
            if store.records["Artist"][artist_id]["_user"] != user:
                store.edges["follow_artist"].add((user, artist_id))
        for track_id in rng.sample(tracks, 4):
            store.edges["library"].add((user, "track", track_id))
        for track_id in rng.sample(tracks, 2):
            if user not in (store.owners(store.records["Track"][track_id]) or ()):
                store.edges["repost"].add((user, track_id))
    _timeline(store, rng)
    derive(store)
    store.invented -= DERIVED
    store.version = 0


def _profiles(store: Store, users: list[Any]) -> None:
    """One extended profile per user, as ``users.profile.update`` keeps it (it makes one only
    for a user who has none), linked from the user's artist: the profile
    ``GET /user-profile/{user}`` shows is the only one they have."""
    artists = {a["_user"]: a for a in store.records["Artist"].values()}
    for user, profile in zip(users, list(store.records["Profile"].values()), strict=False):
        profile["_owner"] = user
        if user in artists:
            artists[user]["profile"] = profile["id"]


def _submissions(store: Store, rng: random.Random) -> None:
    """Submissions ``beat_requests.fulfill`` would have accepted: each of a track its
    submitter owns, to someone else's request, before that request expired and after the
    track was uploaded, never the same track twice to one request, at most the rule's number
    per producer and request. A submission no such pair is left for is not seeded."""
    from ._facts import iso, moment

    limit = int(store.spec.rule("beat_requests.max_submissions_per_producer"))
    requests = list(store.records["BeatRequest"].values())
    made: Counter[tuple[Any, Any]] = Counter()
    sent: set[tuple[Any, Any]] = set()
    closes = {r["id"]: ANCHOR + min(r["_expires_in"], 0.0) - 1 for r in requests}
    catalogue: dict[Any, list[tuple[Record, float]]] = {}
    for track in store.records["Track"].values():
        for owner in store.owners(track) or ():
            catalogue.setdefault(owner, []).append((track, moment(track["created_at"]) or ANCHOR))
    for submission in list(store.records["Submission"].values()):
        user = submission["_owner"]
        options = [
            (request["id"], track, uploaded)
            for request in requests
            if request["_owner"] != user and made[(request["id"], user)] < limit
            for track, uploaded in catalogue.get(user, ())
            if (request["id"], track["id"]) not in sent and uploaded < closes[request["id"]]
        ]
        if not options:
            store.delete("Submission", submission["id"])
            continue
        request_id, track, uploaded = rng.choice(options)
        made[(request_id, user)] += 1
        sent.add((request_id, track["id"]))
        submission.update(
            beat_request_id=request_id,
            track_id=track["id"],
            track=track["id"],
            user_id=user,
            created_at=iso(rng.uniform(uploaded, closes[request_id])),
        )


def _a_failed_fingerprint_of_mine(store: Store, tracks: list[Any]) -> None:
    """The mock user's account holds a failed fingerprint run (of one of their tracks that had
    none), so that a retry (``fingerprints.retry``, failed runs only) can succeed: no documented
    write makes a run fail."""
    prints = list(store.records["Fingerprint"].values())
    printed = {f["track_id"] for f in prints}
    mine = [
        t
        for t in tracks
        if t not in printed and MOCK_USER_ID in (store.owners(store.records["Track"][t]) or ())
    ]
    failed = next((f for f in prints if f.get("status") == "failed"), None)
    if mine and failed is not None:
        failed["track_id"] = mine[0]


def _timeline(store: Store, rng: random.Random) -> None:
    """Seeded dates in causal order, none after the anchor (the seeded world's now): a
    purchase is made after its track was uploaded, a licence after its purchase, a payout in
    the month after the one it pays for. A date that keeps its rule stays as drawn; the others
    are drawn again between what they depend on and the anchor."""
    tracks = store.records["Track"]
    purchases = store.records["Purchase"].values()
    for purchase in purchases:
        _not_before(purchase, "purchased_at", tracks[purchase["track_id"]]["created_at"], rng)
    bought = {(p["_owner"], p["track_id"]): p["purchased_at"] for p in purchases}
    for lic in store.records["License"].values():
        _not_before(lic, "created_at", bought[(lic["_owner"], lic["track_id"])], rng)
    _payout_periods(store)


def _not_before(record: Record, field: str, earliest: str, rng: random.Random) -> None:
    from ._facts import iso, moment

    start, at = moment(earliest) or ANCHOR, moment(record.get(field))
    if at is None or not start <= at <= ANCHOR:
        record[field] = iso(rng.uniform(min(start, ANCHOR), ANCHOR))


def _paid_period(created_at: str) -> str:
    """The month a payout made at ``created_at`` pays for: the one before (a month is paid
    once it has ended; payout dates and periods are not documented, so this is inferred)."""
    year, month = int(created_at[:4]), int(created_at[5:7])
    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _payout_periods(store: Store) -> None:
    for payout in store.records["Payout"].values():
        if isinstance(payout.get("created_at"), str):
            payout["period"] = _paid_period(payout["created_at"])


def _shift_dates(store: Store, delta: float) -> None:
    import datetime

    step = datetime.timedelta(seconds=delta)
    days = datetime.timedelta(days=round(delta / 86_400))
    for name, res in store.spec.resources.items():
        fields = [
            (f, fld.schema.get("format") or fld.schema.get("generator"))
            for f, fld in res.fields.items()
            if (fld.schema.get("format") or fld.schema.get("generator"))
            in ("date-time", "datetime", "date")
        ]
        if not fields:
            continue
        for record in store.records[name].values():
            for field, kind in fields:
                value = record.get(field)
                if not isinstance(value, str):
                    continue
                if kind == "date":
                    day = datetime.date.fromisoformat(value[:10])
                    record[field] = (day + days).isoformat()
                else:
                    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                    record[field] = (moment + step).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    messages = list(store.records["Message"].values())
    for message in messages:
        conversation = rng.choice(conversations)
        author = rng.choice(conversation["_members"])
        message.update(
            conversation_id=conversation["id"],
            user={"id": author, "name": names[author]},
            read_by=[],
        )
    # Messages are numbered in the order they were sent: ids and times rise together, so a
    # conversation's last message (the highest id, as a new message becomes) is its newest.
    for message, sent in zip(messages, sorted(m["created_at"] for m in messages), strict=True):
        message["created_at"] = sent
    for conversation in conversations:
        conversation["unread_count"] = sum(
            m["conversation_id"] == conversation["id"] for m in messages
        )
    _last_messages(store)


def _last_messages(store: Store) -> None:
    """Each conversation's ``last_message``: a copy of its newest message (after the dates
    moved, too: the copy's date is not a field ``_shift_dates`` sees)."""
    last: dict[Any, Record] = {}
    for message in store.records["Message"].values():  # in id order: the last one wins
        last[message["conversation_id"]] = message
    for conversation in store.records["Conversation"].values():
        newest = last.get(conversation["id"])
        conversation["last_message"] = (
            {k: newest[k] for k in ("id", "message_text", "created_at")} if newest else None
        )


ANCHOR = 1_767_225_600.0
"""2026-01-01T00:00:00Z: the seeded world's "now" (the ManualClock's default start). Every
seeded date lies before it; ``rebase`` moves them all by the clock's distance from it."""


def rebase(store: Store, now: float) -> None:
    """Place the seeded world around the mock clock's present: every date moves by the same
    whole number of days (a track made 30 days before the anchor was made 30 days before
    today's midnight UTC, so a world made from one seed on one day is the same whatever the
    hour), beat-request expiries are set relative to now, and each track's plays so far are
    its history up to now (``_facts.play_days``)."""
    import datetime

    from ._facts import PLAYS_UNTIL

    days = (now - ANCHOR) // 86_400
    if days:
        _shift_dates(store, days * 86_400)
        _payout_periods(store)
        _last_messages(store)
    for track in store.records["Track"].values():
        track[PLAYS_UNTIL] = now
    for request in store.records["BeatRequest"].values():
        expires = now + request.get("_expires_in", 0.0)
        request["_expires"] = expires
        moment = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc)
        request["expires_at"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        hours = max((expires - now) / 3600, 0.0)
        request["hours_remaining"] = round(hours, 1)
        request["time_remaining"] = f"{int(hours)}h {int(hours * 60) % 60}m" if hours else "expired"
