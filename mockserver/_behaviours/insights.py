"""Insights (insights.mdx): analytics of the caller's own tracks."""

from __future__ import annotations

from ._call import behaviour
from ._generic import generic

# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "producer_intelligence.insights.albums.charts.show",
    "producer_intelligence.insights.albums.show",
    "producer_intelligence.insights.artists.charts.show",
    "producer_intelligence.insights.artists.collaborations.show",
    "producer_intelligence.insights.artists.show",
    "producer_intelligence.insights.export.csv",
    "producer_intelligence.insights.export.formats.list",
    "producer_intelligence.insights.export.json",
    "producer_intelligence.insights.export.pdf",
    "producer_intelligence.insights.export.report",
    "producer_intelligence.insights.tracks.charts.show",
    "producer_intelligence.insights.tracks.realtime.show",
    "producer_intelligence.insights.tracks.show",
)(generic)
