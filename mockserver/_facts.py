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
