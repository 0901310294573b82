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


# -- analytics: dashboards, insights, producer analytics --------------------------------------
# A track's lifetime plays are spread day by day from its upload to today (``play_days``);
# every window (a period's plays, a chart, month-over-month growth) is a slice of that one
# series, so a chart sums to the period figure beside it and an artist's series is the sum of
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


def _date(at: float) -> datetime.date:
    return datetime.datetime.fromtimestamp(at, datetime.timezone.utc).date()


def play_days(track: Record, now: float) -> list[int]:
    """A track's lifetime plays, day by day from its upload date to today (oldest first)."""
    days = (_date(now) - _date(uploaded_at(track, now))).days + 1
    return breakdown(f"plays:track:{track['id']}", int(track.get("plays") or 0), days)


def plays_window(tracks: Iterable[Record], now: float, days: int, skip: int = 0) -> list[int]:
    """The plays of ``tracks`` on each of the ``days`` days that end ``skip`` days before
    today (oldest first; days before an upload count 0)."""
    out = [0] * days
    for track in tracks:
        series = play_days(track, now)
        end = len(series) - skip
        for i in range(days):
            at = end - days + i
            if 0 <= at < len(series):
                out[i] += series[at]
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
    """The users the store knows listened to a track: those who saved it to their library,
    reposted it or bought it (the mock keeps no per-listen log)."""
    users = {u for u, kind, key in store.edges["library"] if kind == "track" and key == track_id}
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
