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
    return next((a for a in store.all("Artist") if a.get("_user") == user_id), None)


def tracks_of(store: Store, artist_id: Any) -> list[Record]:
    """The tracks credited to an artist, in id order."""
    return [t for t in store.all("Track") if artist_id in (t.get("artists") or ())]


def albums_of(store: Store, artist_id: Any) -> list[Record]:
    return [a for a in store.all("Album") if artist_id in (a.get("artists") or ())]


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
    it: its likes (saves) and reposts, and the plays of the albums that hold it (also after the
    track was deleted). Every write that adds a save, a repost or a play ends here."""
    track = store.records["Track"].get(track_id)
    if track is not None:
        track["likes_count"] = saves_of(store, "track", track_id)
        track["reposts_count"] = reposts_of(store, track_id)
    tracks = store.records["Track"]
    for album in store.records["Album"].values():
        ids = album.get("tracks") or ()
        if track_id in ids or (track is not None and album["id"] == track.get("album")):
            album["plays"] = plays(tracks[t] for t in ids if t in tracks)


# -- money ------------------------------------------------------------------------------------


def sales_of(store: Store, artist_id: Any) -> list[Record]:
    """Completed purchases of an artist's tracks, oldest first."""
    mine = {t["id"] for t in tracks_of(store, artist_id)}
    return [
        p
        for p in store.all("Purchase")
        if p.get("track_id") in mine and p.get("status", "completed") == "completed"
    ]


def earned(purchases: Iterable[Record]) -> float:
    """What the artists earned from these purchases (the base price; the fee is the
    platform's), rounded to the cent."""
    return round(sum(float(p.get("artist_amount") or 0.0) for p in purchases), 2)


def money_text(amount: float, currency: str = "USD") -> str:
    """An amount as the docs print one: ``"$245.50 USD"``."""
    return f"${amount:,.2f} {currency}"


# -- time -------------------------------------------------------------------------------------


def iso(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def timestamp_of(text: str) -> float:
    """The moment an ISO 8601 date or timestamp of the store names (UTC)."""
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


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
    rng = random.Random(key)
    weights = [0.2 + rng.random() for _ in range(parts)]
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    out = [int(s) for s in shares]
    rest = total - sum(out)
    by_remainder = sorted(range(parts), key=lambda i: (shares[i] - out[i], i), reverse=True)
    for i in by_remainder[:rest]:
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
    """A track's plays spread over the rule's window of days ending today (sums to its plays)."""
    days = int(store.spec.rule("producer_intelligence.series_days"))
    today = int(now // DAY) * DAY
    counts = _play_counts(track["id"], int(track.get("plays") or 0), days)
    return list(zip(_labels(today, days), counts, strict=True))


@functools.lru_cache(maxsize=4096)
def _play_counts(track_id: Any, total: int, days: int) -> tuple[int, ...]:
    """The weights of a track's series come from its id alone (``breakdown``), as ``daily``."""
    return tuple(breakdown(f"track:{track_id}:plays", total, days))


@functools.lru_cache(maxsize=64)
def _labels(today: float, days: int) -> tuple[str, ...]:
    return tuple(day_labels(today, days))


def series_of(store: Store, tracks: Iterable[Record], now: float) -> list[tuple[str, int]]:
    """The day-by-day sum of these tracks' play series (sums to their plays)."""
    days = int(store.spec.rule("producer_intelligence.series_days"))
    totals = [0] * days
    for track in tracks:
        counts = _play_counts(track["id"], int(track.get("plays") or 0), days)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return list(zip(_labels(int(now // DAY) * DAY, days), totals, strict=True))


def growth_rate(store: Store, series: list[tuple[str, int]]) -> float | None:
    """Plays of the last ``growth_days`` against the same span before, in percent (None when
    the earlier span had no plays)."""
    span = int(store.spec.rule("producer_intelligence.growth_days"))
    recent = sum(c for _, c in series[-span:])
    before = sum(c for _, c in series[-2 * span : -span])
    return None if before == 0 else round((recent - before) * 100.0 / before, 2)


def producer_counts(store: Store, artist: Record) -> dict[str, int]:
    """What a producer's XP and achievements count: uploads, albums, plays, likes, reposts of
    their tracks, and the followers of their user account."""
    tracks = tracks_of(store, artist["id"])
    return {
        "uploads": len(tracks),
        "albums": len(albums_of(store, artist["id"])),
        "plays": plays(tracks),
        "likes": likes(tracks),
        "reposts": reposts(tracks),
        "followers": len(followers_of_user(store, artist.get("_user"))),
    }


def achievements_of(store: Store, artist: Record | None, now: float) -> list[dict[str, Any]]:
    """The achievement catalogue (a rule), each unlocked when the producer's count reaches its
    threshold, on the day it did: the created day of the upload or album that reached it; for
    plays the day the play series did, for likes and reposts the day the plays reached the same
    share of the total (they follow the plays); followers keep no date (null)."""
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
