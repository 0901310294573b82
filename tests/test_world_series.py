"""Play series (``mockserver._facts``): every window is a slice of each track's one lifetime
series, and a set of tracks' series is the day-by-day sum of theirs.

The charts, growth figures and period totals all read these two functions; here each is held
to its definition, written the slow way, over random windows and sets of tracks.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import BeatPassMock
from mockserver import _facts as facts

API = BeatPassMock(seed=3, rate_limits=False)
NOW = API.clock.now()
TRACKS = API.store.all("Track")
DAYS = int(API.spec.rule("producer_intelligence.series_days"))

track_sets = st.lists(st.sampled_from(TRACKS), max_size=8, unique_by=lambda t: t["id"])


def day_of(series: list[int], index: int) -> int:
    """A lifetime series' plays on one day, 0 outside it (before the upload, after today)."""
    return series[index] if 0 <= index < len(series) else 0


@settings(max_examples=60, deadline=None, database=None)
@given(
    tracks=track_sets,
    days=st.integers(1, 2 * DAYS),
    skip=st.integers(0, DAYS),
)
def test_a_window_is_the_sum_of_the_tracks_days(
    tracks: list[dict[str, object]], days: int, skip: int
) -> None:
    lifetimes = [facts.play_days(t, NOW) for t in tracks]
    expected = [sum(day_of(s, len(s) - skip - days + i) for s in lifetimes) for i in range(days)]
    assert facts.plays_window(tracks, NOW, days, skip) == expected


@settings(max_examples=40, deadline=None, database=None)
@given(tracks=track_sets)
def test_a_set_of_tracks_series_sums_their_series_day_by_day(
    tracks: list[dict[str, object]],
) -> None:
    series = facts.series_of(API.store, tracks, NOW)
    assert len(series) == DAYS
    each = [facts.play_series(API.store, t, NOW) for t in tracks]
    for day, (label, count) in enumerate(series):
        assert all(s[day][0] == label for s in each)
        assert count == sum(s[day][1] for s in each)
    # The window ending today holds the same plays, however it is asked for.
    assert [c for _, c in series] == facts.plays_window(tracks, NOW, DAYS)


def test_the_series_of_no_tracks_is_all_zeros() -> None:
    assert {c for _, c in facts.series_of(API.store, [], NOW)} == {0}


@pytest.mark.parametrize("skip", [0, 30])
def test_a_window_before_a_tracks_upload_is_zero(skip: int) -> None:
    track = min(TRACKS, key=lambda t: len(facts.play_days(t, NOW)))
    lifetime = len(facts.play_days(track, NOW))
    assert facts.plays_window([track], NOW, 5, skip=lifetime + skip) == [0] * 5
