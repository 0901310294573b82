"""Facts derived from the store, each computed in one place.

A dashboard, an analytics page and a list must agree: the plays an artist has are the plays of
the tracks credited to them, whichever endpoint reports them. So behaviours never count for
themselves; they ask here. Counters kept on records (``Track.plays``, ``likes_count``,
``reposts_count``) are the facts; the writes that change what they count keep them equal, and
``_invariants`` checks that they do.

Time series (charts, growth, contribution graphs) break a total down over the days that end at
the mock clock's now: the same store gives the same series, a series sums to its total, and no
point lies after now.
"""

from __future__ import annotations

import datetime
import functools
import operator
import random
from collections.abc import Iterable
from typing import Any

from ._store import Record, Store

DAY = 86_400


# -- who owns what ----------------------------------------------------------------------------


def artist_of(store: Store, user_id: Any) -> Record | None:
    """The artist profile of a user (None: the user is no artist)."""
    if user_id is None:
        return None
    return store.memo(("artists by user",), lambda: _artists_by_user(store)).get(user_id)


def _artists_by_user(store: Store) -> dict[Any, Record]:
    index: dict[Any, Record] = {}
    for artist in store.all("Artist"):
        if artist.get("_user") is not None:
            index.setdefault(artist["_user"], artist)
    return index


def tracks_of(store: Store, artist_id: Any) -> list[Record]:
    """The tracks credited to an artist, in id order."""
    return list(_credits(store, "Track").get(artist_id, ()))


def albums_of(store: Store, artist_id: Any) -> list[Record]:
    return list(_credits(store, "Album").get(artist_id, ()))


def _credits(store: Store, resource: str) -> dict[Any, list[Record]]:
    """Every artist's records of a resource (tracks, albums), each list in the store's order:
    one pass over the records per version of the store, not one per artist asked about."""

    def build() -> dict[Any, list[Record]]:
        index: dict[Any, list[Record]] = {}
        for record in store.all(resource):
            for artist in dict.fromkeys(record.get("artists") or ()):
                index.setdefault(artist, []).append(record)
        return index

    return store.memo(("credits", resource), build)


# -- counters ---------------------------------------------------------------------------------


def plays(tracks: Iterable[Record]) -> int:
    return sum(int(t.get("plays") or 0) for t in tracks)


def likes(tracks: Iterable[Record]) -> int:
    return sum(int(t.get("likes_count") or 0) for t in tracks)


def reposts(tracks: Iterable[Record]) -> int:
    return sum(int(t.get("reposts_count") or 0) for t in tracks)


def saves_of(store: Store, kind: str, key: Any) -> int:
    """How many users saved this track, album or artist to their library (its likes)."""
    return sum(1 for _, k, i in store.edges["library"] if k == kind and i == key)


def reposts_of(store: Store, track_id: Any) -> int:
    return sum(1 for _, t in store.edges["repost"] if t == track_id)


def followers_of_artist(store: Store, artist_id: Any) -> list[Any]:
    return sorted(u for u, a in store.edges["follow_artist"] if a == artist_id)


def followers_of_user(store: Store, user_id: Any) -> list[Any]:
    return sorted(a for a, b in store.edges["follow_user"] if b == user_id)


def following_of_user(store: Store, user_id: Any) -> list[Any]:
    return sorted(b for a, b in store.edges["follow_user"] if a == user_id)


def recount(store: Store, track_id: Any) -> None:
    """Bring the counters that restate a track's records up to date after a write touched
    it: its likes (saves) and reposts, the plays of the albums that hold it (also after the
    track was deleted) and its artists' top tracks. Every write that adds a save, a repost, a
    play or a track, or changes or deletes one, ends here."""
    track = store.records["Track"].get(track_id)
    if track is not None:
        track["likes_count"] = saves_of(store, "track", track_id)
        track["reposts_count"] = reposts_of(store, track_id)
    tracks = store.records["Track"]
    for album in store.records["Album"].values():
        ids = album.get("tracks") or ()
        if track_id in ids or (track is not None and album["id"] == track.get("album")):
            album["plays"] = plays(tracks[t] for t in ids if t in tracks)
    rank_top_tracks(store)


def rank_top_tracks(store: Store) -> None:
    """Set every artist's ``top_tracks`` to their most played tracks (``artists.top_tracks``
    of them; plays, most first, then id): a relation every answer showing the artist renders,
    so it is kept on the record, and only the writes :func:`recount` follows can move it."""
    most = int(store.spec.rule("artists.top_tracks"))
    for artist in store.records["Artist"].values():
        ranked = sorted(
            tracks_of(store, artist["id"]), key=lambda t: (-int(t.get("plays") or 0), t["id"])
        )
        artist["top_tracks"] = [t["id"] for t in ranked[:most]]


def duration_of(store: Store, playlist: Record) -> int:
    """How long a playlist lasts: the durations of its tracks added up (ms)."""
    tracks = store.records["Track"]
    return sum(
        int(tracks[t].get("duration") or 0) for t in playlist.get("tracks") or () if t in tracks
    )


def settle(store: Store) -> None:
    """Bring the sums kept on records that restate other records up to date after any write:
    a playlist's ``totalDuration`` follows its tracks whichever write moved them (an added or
    removed track, a deleted one, a track's new duration, a new playlist)."""
    for playlist in store.records["Playlist"].values():
        playlist["totalDuration"] = duration_of(store, playlist)


# -- money ------------------------------------------------------------------------------------


def earner_of(store: Store, track: Record) -> Any:
    """The one artist a track's money goes to (``commerce.sale_earner``): its first credited
    artist, so a sale of a track credited to several artists is counted once overall, not in
    full for each (None: a track credited to nobody)."""
    credited = track.get("artists") or ()
    if store.spec.rule("commerce.sale_earner") != "first_credited" or not credited:
        return None
    return credited[0]


def earning_tracks(store: Store, artist_id: Any) -> list[Record]:
    """The artist's tracks whose money is theirs (:func:`earner_of`), in id order."""
    return [t for t in tracks_of(store, artist_id) if earner_of(store, t) == artist_id]


def sales_of(store: Store, artist_id: Any) -> list[Record]:
    """Completed purchases of the tracks whose money is the artist's (:func:`earner_of`),
    oldest first: every read of an artist's sales, revenue, balance and ledger counts these."""
    mine = {t["id"] for t in earning_tracks(store, artist_id)}
    return [
        p
        for p in store.all("Purchase")
        if p.get("track_id") in mine and p.get("status", "completed") == "completed"
    ]


def earned(purchases: Iterable[Record]) -> float:
    """What the artists earned from these purchases (the base price; the fee is the
    platform's), rounded to the cent."""
    return round(sum(float(p.get("artist_amount") or 0.0) for p in purchases), 2)


def earning(purchase: Record) -> dict[str, Any]:
    """One sale as the artist's ledgers show it (Stripe finances, unified transactions): what
    the artist earned, in what currency, when."""
    return {
        "amount": float(purchase.get("artist_amount") or 0.0),
        "currency": purchase.get("currency"),
        "created_at": purchase.get("purchased_at"),
    }


def money_text(amount: float, currency: str = "USD") -> str:
    """An amount as the docs print one: ``"$245.50 USD"``."""
    return f"${amount:,.2f} {currency}"


# -- time -------------------------------------------------------------------------------------


def iso(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def day_labels(now: float, days: int) -> list[str]:
    """The ``days`` dates (YYYY-MM-DD) that end with today (now's date), oldest first."""
    today = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date()
    return [(today - datetime.timedelta(days=days - 1 - i)).isoformat() for i in range(days)]


def month_labels(now: float, months: int) -> list[str]:
    """The ``months`` months (YYYY-MM) that end with this one, oldest first."""
    today = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).date()
    out = []
    year, month = today.year, today.month
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def breakdown(key: str, total: int, parts: int) -> list[int]:
    """``total`` split over ``parts`` buckets, deterministically for ``key``: the weights come
    from the key alone, so the series keeps its shape as the total grows; it always sums to
    ``total`` exactly (largest remainders get the rest)."""
    if parts <= 0:
        return []
    draw = random.Random(key).random
    weights = [0.2 + draw() for _ in range(parts)]
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    out = [int(s) for s in shares]
    rest = total - sum(out)
    if rest:
        remainders = list(map(operator.sub, shares, out))
        # Largest remainder first, the later bucket first among equals: a stable sort of the
        # buckets taken last to first keeps that order (a key of (remainder, index) costs a
        # tuple per bucket, and a lifetime series has a bucket per day).
        for i in sorted(range(parts - 1, -1, -1), key=remainders.__getitem__, reverse=True)[:rest]:
            out[i] += 1
    return out


def daily(key: str, total: int, now: float, days: int) -> list[tuple[str, int]]:
    """A total broken down over the ``days`` days ending today: ``[(date, count), ...]``."""
    return list(zip(day_labels(now, days), breakdown(key, total, days), strict=True))


# -- producer intelligence --------------------------------------------------------------------
# A producer is an artist; their figures are counts over the store, and XP, levels and
# achievements are the spec's rules (``producer_intelligence.*``) applied to those counts, so
# a dashboard, a leaderboard and a report say the same of the same producer.


def play_series(store: Store, track: Record, now: float) -> list[tuple[str, int]]:
    """A track's plays on each of the rule's window of days ending today: the last
    ``series_days`` of its lifetime series (:func:`play_days`; zeros before its upload)."""
    days = int(store.spec.rule("producer_intelligence.series_days"))
    window = plays_window([track], now, days)
    return list(zip(_labels(int(now // DAY) * DAY, days), window, strict=True))


@functools.lru_cache(maxsize=64)
def _labels(today: float, days: int) -> tuple[str, ...]:
    return tuple(day_labels(today, days))


def series_of(store: Store, tracks: Iterable[Record], now: float) -> list[tuple[str, int]]:
    """The day-by-day sum of these tracks' play series (sums to their plays in the window)."""
    tracks = list(tracks)
    key = ("series", tuple(t["id"] for t in tracks), int(now // DAY))
    return list(store.memo(key, lambda: _series_of(store, tracks, now)))


def _series_of(store: Store, tracks: list[Record], now: float) -> list[tuple[str, int]]:
    days = int(store.spec.rule("producer_intelligence.series_days"))
    totals = plays_window(tracks, now, days)  # the window that ends today
    return list(zip(_labels(int(now // DAY) * DAY, days), totals, strict=True))


def growth_rate(store: Store, series: list[tuple[str, int]]) -> float | None:
    """Plays of the last ``growth_days`` against the same span before, in percent (None when
    the earlier span had no plays)."""
    span = int(store.spec.rule("producer_intelligence.growth_days"))
    recent = sum(c for _, c in series[-span:])
    before = sum(c for _, c in series[-2 * span : -span])
    return None if before == 0 else round((recent - before) * 100.0 / before, 2)


def producer_counts(store: Store, artist: Record) -> dict[str, int]:
    """What a producer's XP, achievements, dashboard and social analytics count: uploads,
    albums, plays, likes, reposts of their tracks, and the followers of their artist profile
    (``GET /artists/{id}/followers``, the figure the producer analytics show too), not of the
    user account behind it."""
    return dict(store.memo(("counts", artist["id"]), lambda: _producer_counts(store, artist)))


def _producer_counts(store: Store, artist: Record) -> dict[str, int]:
    tracks = tracks_of(store, artist["id"])
    return {
        "uploads": len(tracks),
        "albums": len(albums_of(store, artist["id"])),
        "plays": plays(tracks),
        "likes": likes(tracks),
        "reposts": reposts(tracks),
        "followers": len(followers_of_artist(store, artist["id"])),
    }


def achievements_of(store: Store, artist: Record | None, now: float) -> list[dict[str, Any]]:
    """The achievement catalogue (a rule), each unlocked when the producer's count reaches its
    threshold, on the day it did: the created day of the upload or album that reached it; for
    plays the day the play series did, for likes and reposts the day the plays reached the same
    share of the total (they follow the plays); followers keep no date (null)."""
    key = ("achievements", artist["id"] if artist else None, int(now // DAY))
    return [dict(a) for a in store.memo(key, lambda: _achievements(store, artist, now))]


def _achievements(store: Store, artist: Record | None, now: float) -> list[dict[str, Any]]:
    counts = producer_counts(store, artist) if artist else {}
    tracks = tracks_of(store, artist["id"]) if artist else []
    records = {
        "uploads": sorted(t.get("created_at") or "" for t in tracks),
        "albums": sorted(
            a.get("created_at") or "" for a in (albums_of(store, artist["id"]) if artist else [])
        ),
    }
    series = series_of(store, tracks, now) if artist else []
    out = []
    for item in store.spec.rule("producer_intelligence.achievements"):
        metric, threshold = item["metric"], int(item["threshold"])
        total = counts.get(metric, 0)
        unlocked = total >= threshold
        when: str | None = None
        if unlocked and metric in records:
            when = records[metric][threshold - 1] or None
        elif unlocked and metric != "followers":
            need = threshold * counts["plays"] / total
            running = 0
            for day, count in series:
                running += count
                if running >= need:
                    when = f"{day}T00:00:00Z"
                    break
        out.append(
            {
                "id": item["id"],
                "model_type": "achievement",
                "name": item["name"],
                "description": item["description"],
                "xp": item["xp"],
                "unlocked": unlocked,
                "unlocked_at": when,
            }
        )
    return out


def xp_sources(store: Store, artist: Record | None, now: float) -> list[dict[str, Any]]:
    """The XP a producer earned from each source of the rule (count times XP each)."""
    counts = producer_counts(store, artist) if artist else {}
    unlocked = sum(a["xp"] for a in achievements_of(store, artist, now) if a["unlocked"])
    counts["achievements"] = unlocked
    return [
        {"source": s["source"], "xp": counts.get(s["source"], 0) * int(s["xp_each"])}
        for s in store.spec.rule("producer_intelligence.xp_sources")
    ]


def xp_of(store: Store, artist: Record | None, now: float) -> int:
    return sum(s["xp"] for s in xp_sources(store, artist, now))


def level_of(store: Store, xp: int) -> tuple[int, int | None]:
    """The level reached with ``xp`` (1 at the first threshold) and the XP of the next one."""
    thresholds = store.spec.rule("producer_intelligence.level_xp")
    level = sum(1 for t in thresholds if xp >= t)
    return level, (thresholds[level] if level < len(thresholds) else None)


def producers(store: Store) -> list[Record]:
    """Artists with at least one track: the producers platform and leaderboard stats count."""
    credited = {a for t in store.all("Track") for a in t.get("artists") or ()}
    return [a for a in store.all("Artist") if a["id"] in credited]


# -- analytics: dashboards, insights, producer analytics --------------------------------------
# A track's lifetime plays, day by day (``play_days``): the plays it had when the world was
# made are spread from its upload to that day, and each play recorded since counts on the day
# it was recorded. So a past day never changes as the clock moves, today's plays show today,
# and every window (a period's plays, a chart, month-over-month growth) is a slice of that one
# series: a chart sums to the period figure beside it, and an artist's series is the sum of
# their tracks' series.


def moment(text: Any) -> float | None:
    """An ISO timestamp (``2025-01-22T07:26:46Z``) as epoch seconds (None: no date)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def uploaded_at(record: Record, now: float) -> float:
    """When a track (or album) was uploaded: its ``created_at``, never after now."""
    created = moment(record.get("created_at"))
    return now if created is None else min(created, now)


EPOCH_DATE = datetime.date(1970, 1, 1)


def _date(at: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(at, datetime.timezone.utc).date()


PLAYS_UNTIL = "_plays_until"
"""A track's moment the world was made: its ``plays`` then happened between upload and it."""
PLAY_LOG = "_play_log"
"""A track's plays recorded since, by day (days since the epoch -> plays)."""
PLAY_HOURS = "_play_hours"
"""The same plays by hour, each as the user who played it (hours since the epoch -> user ids):
what the real-time figures and the listeners count."""
HOUR = 3_600


def record_play(track: Record, now: float, user_id: Any = None) -> None:
    """Count a play by ``user_id`` on the track, on today's date in its series and in the hour
    in progress."""
    track["plays"] = int(track.get("plays") or 0) + 1
    days = track.setdefault(PLAY_LOG, {})
    day = int(now // DAY)
    days[day] = days.get(day, 0) + 1
    track.setdefault(PLAY_HOURS, {}).setdefault(int(now // HOUR), []).append(user_id)


def players_of(track: Record) -> set[Any]:
    """The users whose plays of the track were recorded (the seeded plays name nobody)."""
    return {u for users in (track.get(PLAY_HOURS) or {}).values() for u in users} - {None}


def plays_today(track: Record, now: float) -> int:
    """A track's plays of today so far: the last day of its play series (today's chart point)."""
    return _lifetime(track, now)[-1]


def plays_this_hour(track: Record, now: float) -> int:
    """A track's plays of the hour in progress: those recorded in it, plus, in the hour the
    world was made, the share of today's history (:func:`play_days`) that falls in it. That
    history is spread over today's hours up to the moment the world was made, so no play lies
    after now and an hour's plays never change once it is over."""
    day = int(now // DAY)
    recorded = len((track.get(PLAY_HOURS) or {}).get(int(now // HOUR), ()))
    history = max(plays_today(track, now) - (track.get(PLAY_LOG) or {}).get(day, 0), 0)
    until = track.get(PLAYS_UNTIL)
    made = min(uploaded_at(track, now) if until is None else float(until), now)
    last = int(made % DAY // HOUR)  # the hour of today the history ends in
    if not history or int(made // DAY) != day or int(now % DAY // HOUR) != last:
        return recorded
    return recorded + breakdown(f"plays:track:{track['id']}:day:{day}", history, last + 1)[-1]


def live(tracks: Iterable[Record], now: float) -> dict[str, int]:
    """The real-time figures of these tracks, one definition for every endpoint that shows
    them: plays today so far, plays of the hour in progress, and active listeners: the users
    who played one of them in the hour in progress (the seeded plays name no user, so they
    are plays but nobody's listening)."""
    tracks = list(tracks)
    hour = int(now // HOUR)
    active = {u for t in tracks for u in (t.get(PLAY_HOURS) or {}).get(hour, ())} - {None}
    return {
        "plays_today": sum(plays_today(t, now) for t in tracks),
        "plays_this_hour": sum(plays_this_hour(t, now) for t in tracks),
        "active_listeners": len(active),
    }


def play_days(track: Record, now: float) -> list[int]:
    """A track's lifetime plays, day by day from its upload date to today (oldest first): the
    one play series every chart, growth figure and contribution graph slices. It always sums
    to the track's ``plays``; plays no write recorded (the seed's, or a counter set by hand)
    are the history before the world was made."""
    return list(_lifetime(track, now))


def _lifetime(track: Record, now: float) -> tuple[int, ...]:
    """:func:`play_days` as a tuple, from the track's fields the series is made of: the same
    series is sliced by every chart and summed by every producer figure, so it is computed
    once per track, state and day, whatever answer asks."""
    log = track.get(PLAY_LOG)
    return _lifetime_of(
        track["id"],
        moment(track.get("created_at")),
        int(track.get("plays") or 0),
        track.get(PLAYS_UNTIL),
        tuple(log.items()) if log else (),
        int(now // DAY),
    )


@functools.lru_cache(maxsize=1024)
def _lifetime_of(
    track_id: Any,
    created: float | None,
    plays: int,
    until: float | None,
    log: tuple[tuple[int, int], ...],
    day: int,
) -> tuple[int, ...]:
    # Only dates matter below, so the start of today stands for now.
    now = day * DAY
    upload = _date(now if created is None else min(created, now))
    days = (_date(now) - upload).days + 1
    history = max(plays - sum(count for _, count in log), 0)
    span = (_date(min(until, now)) - upload).days + 1 if until is not None else 1
    series = [*_play_days(track_id, history, max(span, 1)), *[0] * max(days - span, 0)]
    for logged, count in log:
        at = (EPOCH_DATE + datetime.timedelta(days=logged) - upload).days
        if 0 <= at < len(series):
            series[at] += count
    return tuple(series[:days])


@functools.lru_cache(maxsize=8192)
def _play_days(track_id: Any, total: int, days: int) -> tuple[int, ...]:
    return tuple(breakdown(f"plays:track:{track_id}", total, days))


def plays_window(tracks: Iterable[Record], now: float, days: int, skip: int = 0) -> list[int]:
    """The plays of ``tracks`` on each of the ``days`` days that end ``skip`` days before
    today (oldest first; days before an upload count 0)."""
    out = [0] * days
    for track in tracks:
        series = _lifetime(track, now)
        first = len(series) - skip - days  # the series index of the window's first day
        lo, hi = max(first, 0), min(first + days, len(series))
        if hi > lo:
            out[lo - first : hi - first] = map(
                operator.add, out[lo - first : hi - first], series[lo:hi]
            )
    return out


def change_percent(current: int, before: int) -> float:
    """Growth of ``current`` over ``before`` in percent, one decimal (0.0 from nothing to
    nothing, 100.0 from nothing to something)."""
    if before == 0:
        return 0.0 if current == 0 else 100.0
    return round((current - before) * 100.0 / before, 1)


def purchases_of(store: Store, track_ids: Iterable[Any]) -> list[Record]:
    """Completed purchases of these tracks: each one is a download of the file bought."""
    wanted = set(track_ids)
    return [
        p
        for p in store.all("Purchase")
        if p.get("track_id") in wanted and p.get("status", "completed") == "completed"
    ]


def listeners_of(store: Store, track_id: Any) -> set[Any]:
    """The users the store knows listened to a track: those whose plays of it were recorded
    (:func:`players_of`), and those who saved it to their library, reposted it or bought it."""
    track = store.records["Track"].get(track_id)
    users = players_of(track) if track is not None else set()
    users |= {u for u, kind, key in store.edges["library"] if kind == "track" and key == track_id}
    users |= {u for u, t in store.edges["repost"] if t == track_id}
    users |= {p.get("_owner") for p in purchases_of(store, [track_id])}
    return users - {None}


def contribution_value(store: Store, track: Record) -> float:
    """A track's share of all plays on the platform (0..1, six decimals): what subscription
    payouts split by. An artist's total is the share of their tracks' plays together."""
    platform = plays(store.all("Track"))
    return round(int(track.get("plays") or 0) / platform, 6) if platform else 0.0


def months_between(start: float, end: float) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 within the first month)."""
    a, b = _date(start), _date(end)
    months = (b.year - a.year) * 12 + b.month - a.month - (1 if b.day < a.day else 0)
    return max(months, 0)


def month_of(at: float) -> str:
    return _date(at).strftime("%Y-%m")


def member_since(store: Store, artist: Record, now: float) -> float:
    """When an artist profile was created: its own record of it, else its first upload (an
    artist with no uploads and no record of it joined at now)."""
    own = moment(artist.get("_created_at"))
    if own is not None:
        return min(own, now)
    uploads = [uploaded_at(r, now) for r in tracks_of(store, artist["id"])]
    uploads += [uploaded_at(r, now) for r in albums_of(store, artist["id"])]
    return min(uploads, default=now)


def upload_access(store: Store, artist: Record) -> bool:
    """Whether an artist profile may upload and manage tracks: stored on the artist record
    (``_upload_access``), else ``dashboard.upload_access_default``. ``GET /artist/profile``
    shows it and ``GET /artist/upload-insights`` refuses on it: one fact."""
    stored = artist.get("_upload_access")
    return bool(store.spec.rule("dashboard.upload_access_default") if stored is None else stored)


# -- accounts ---------------------------------------------------------------------------------


def email_of(store: Store, user: Record) -> str:
    """A user's email: the one they registered with, else the seeded users' rule
    (``auth.seeded_email``, e.g. ``user7@example.test``). Login and contact-info agree."""
    registered = user.get("_email")
    if isinstance(registered, str):
        return registered
    return str(store.spec.rule("auth.seeded_email")).format(id=user["id"])


def user_by_email(store: Store, email: str) -> Record | None:
    wanted = email.strip().casefold()
    return next((u for u in store.all("User") if email_of(store, u).casefold() == wanted), None)
