"""The artist dashboard (dashboard.mdx): the caller's own artist, tracks and sales."""

from __future__ import annotations

from ._call import behaviour
from ._generic import generic

# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "artist.collaborative_tracks.list",
    "artist.dashboard_stats.show",
    "artist.profile.show",
    "artist.profile.update",
    "artist.track_performance.list",
    "artist.upload_insights.show",
)(generic)
