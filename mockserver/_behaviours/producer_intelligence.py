"""Producer intelligence (producer-intelligence.mdx): dashboards, XP, levels, charts, growth
and payouts of the caller's producer account."""

from __future__ import annotations

from ._call import behaviour
from ._generic import generic

# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "artist.subscription_payouts.list",
    "artist.subscription_payouts.show",
    "artist.subscription_payouts.summary.show",
    "artist.unified_transactions.list",
    "platform.stats.show",
    "platform.top_tracks.list",
    "producer.earnings.show",
    "producer.track_breakdown.show",
    "producer.update_contributions",
    "producer_intelligence.achievements.details.show",
    "producer_intelligence.achievements.list",
    "producer_intelligence.album.charts.show",
    "producer_intelligence.artist.charts.show",
    "producer_intelligence.artist.contribution_graph.show",
    "producer_intelligence.collaboration_leaderboard.show",
    "producer_intelligence.collaboration_network.show",
    "producer_intelligence.collaboration_opportunities.list",
    "producer_intelligence.dashboard.charts.show",
    "producer_intelligence.dashboard.show",
    "producer_intelligence.export.csv",
    "producer_intelligence.export.formats.list",
    "producer_intelligence.export.json",
    "producer_intelligence.insights.list",
    "producer_intelligence.leaderboard.show",
    "producer_intelligence.live_analytics.show",
    "producer_intelligence.platform.contribution_graph.show",
    "producer_intelligence.producer_level.show",
    "producer_intelligence.progress_data.show",
    "producer_intelligence.report.export_pdf",
    "producer_intelligence.report.generate",
    "producer_intelligence.social_activity_feed.list",
    "producer_intelligence.social_analytics.show",
    "producer_intelligence.track.charts.show",
    "producer_intelligence.track.growth.show",
    "producer_intelligence.track.real_time.show",
    "producer_intelligence.tracks.growth_batch",
    "producer_intelligence.trending_collaborations.list",
    "producer_intelligence.xp_sources.list",
    "tracks.contribution.show",
)(generic)
