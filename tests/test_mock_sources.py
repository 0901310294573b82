"""Every value in a mock answer has a source: the store, the request, the spec's rules, or a
generator the spec declares for that field. The mock notes each value it had to invent
(``MockCore.unsourced``); this walk sends a valid request to every operation as the mock user
and as a second user and collects those notes.

``KNOWN_UNSOURCED`` lists the operations whose answers still hold filler. It must equal what the
walk finds, in both directions: a new gap fails, and so does a fixed one left on the list, so
the list only ever shrinks (issue "The mock as one consistent world").
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import spec
from contract_tests._requests import build
from mockserver import BeatPassMock
from mockserver._behaviours import BEHAVIOURS, PAGES, check_registry
from mockserver._render import BodyBuilder, Context

API = spec.load()
CALLERS = (1, 2)  # the mock user (artist 1) and a second user (artist 2)

KNOWN_UNSOURCED: frozenset[str] = frozenset(
    {
        "albums.producer_analytics.show",
        "artist.collaborative_tracks.list",
        "artist.dashboard_stats.show",
        "artist.profile.show",
        "artist.profile.update",
        "artist.sales.show",
        "artist.stripe_connect.finances.show",
        "artist.stripe_connect.onboard",
        "artist.stripe_connect.status.show",
        "artist.subscription_payouts.list",
        "artist.subscription_payouts.summary.show",
        "artist.track_performance.list",
        "artist.unified_transactions.list",
        "artist.upload_insights.show",
        "artists.check_ownership",
        "artists.downloads_analytics.show",
        "artists.producer_achievements.list",
        "artists.producer_analytics.show",
        "beat_requests.create",
        "beat_requests.delete",
        "beat_requests.duration_tiers.list",
        "beat_requests.list",
        "beat_requests.statistics.show",
        "beat_requests.user.rate_limit_status.show",
        "coupons.validate",
        "exclusive_license_presets.default_config.show",
        "leaderboard.stats.show",
        "leaderboards.achievements.list",
        "leaderboards.genre.show",
        "leaderboards.global.show",
        "leaderboards.rising_stars.list",
        "platform.stats.show",
        "producer.earnings.show",
        "producer.track_breakdown.show",
        "producer.update_contributions",
        "producer_intelligence.album.charts.show",
        "producer_intelligence.artist.charts.show",
        "producer_intelligence.artist.contribution_graph.show",
        "producer_intelligence.collaboration_leaderboard.show",
        "producer_intelligence.collaboration_network.show",
        "producer_intelligence.collaboration_opportunities.list",
        "producer_intelligence.dashboard.charts.show",
        "producer_intelligence.dashboard.show",
        "producer_intelligence.export.formats.list",
        "producer_intelligence.export.json",
        "producer_intelligence.insights.albums.charts.show",
        "producer_intelligence.insights.albums.show",
        "producer_intelligence.insights.artists.charts.show",
        "producer_intelligence.insights.artists.collaborations.show",
        "producer_intelligence.insights.artists.show",
        "producer_intelligence.insights.export.formats.list",
        "producer_intelligence.insights.export.json",
        "producer_intelligence.insights.export.report",
        "producer_intelligence.insights.list",
        "producer_intelligence.insights.tracks.charts.show",
        "producer_intelligence.insights.tracks.realtime.show",
        "producer_intelligence.insights.tracks.show",
        "producer_intelligence.leaderboard.show",
        "producer_intelligence.live_analytics.show",
        "producer_intelligence.platform.contribution_graph.show",
        "producer_intelligence.producer_level.show",
        "producer_intelligence.progress_data.show",
        "producer_intelligence.report.generate",
        "producer_intelligence.social_activity_feed.list",
        "producer_intelligence.social_analytics.show",
        "producer_intelligence.track.charts.show",
        "producer_intelligence.track.growth.show",
        "producer_intelligence.track.real_time.show",
        "producer_intelligence.tracks.growth_batch",
        "producer_intelligence.trending_collaborations.list",
        "producer_intelligence.xp_sources.list",
        "search.audio",
        "tracks.check_licenses_batch",
        "tracks.contribution.show",
        "tracks.engagement_metrics.show",
        "tracks.license_certificate.show",
        "tracks.producer_analytics.show",
    }
)


def _ids(mock: BeatPassMock, user_id: int):  # type: ignore[no-untyped-def]
    def ids(resource: str, param: str) -> list[Any]:
        records = mock.records(resource)
        fields = API.resources[resource].fields
        key = param if param in ("uuid", "name", "slug") and param in fields else "id"
        owned = mock.owned(resource, user_id)
        return [r[key] for r in (owned or records)]

    return ids


def _walk() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for user_id in CALLERS:
        for op_id in sorted(API.operations):
            op = API.operations[op_id]
            mock = BeatPassMock(seed=3)
            token = mock.issue_token(user_id)
            request = build(op, _ids(mock, user_id), random.Random(op_id))
            with mock.client(token=token) as client:
                client.request(op.method, request.path, **request.send_kwargs())
            for noted_op, _status, places in mock.core.unsourced:
                found.setdefault(noted_op, set()).update(places)
    return found


def test_every_answer_is_sourced_or_a_known_gap() -> None:
    found = _walk()
    new = sorted(set(found) - KNOWN_UNSOURCED)
    fixed = sorted(KNOWN_UNSOURCED - set(found))
    assert not new, "answers with invented values: " + "; ".join(
        f"{op}: {', '.join(sorted(found[op])[:4])}" for op in new
    )
    assert not fixed, f"sourced now, remove from KNOWN_UNSOURCED: {fixed}"


def test_filler_is_noticed() -> None:
    """The mechanism itself can fail: a schema value nobody supplies is noted with its place,
    and the same value supplied by a behaviour, a const or a generator is not."""
    op = API.operations["tracks.show"]
    mock = BeatPassMock()
    frag = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "kind": {"const": "x"},
            "contact": {"type": "string", "generator": "email"},
            "given": {"type": "integer"},
        },
    }
    ctx = Context(op, "token", random.Random(0), values={"given": 3})
    builder = BodyBuilder(mock.store, ctx)
    body = builder.build(frag)
    assert builder.unsourced == ["total"]
    assert (body["given"], body["kind"]) == (3, "x")
    assert body["contact"].endswith("@example.test")


def test_the_registry_matches_the_spec_page_by_page() -> None:
    check_registry(API, complete=True)  # raises on a gap
    assert set(BEHAVIOURS) == set(API.operations)
    for op in API.operations.values():
        assert op.location.file.endswith(f"/api/{PAGES[op.id]}.yaml"), op.id


def test_an_operation_without_a_behaviour_fails_at_load() -> None:
    from spec import SpecError

    removed = BEHAVIOURS.pop("tracks.show")
    try:
        with pytest.raises(SpecError) as caught:
            BeatPassMock()
    finally:
        BEHAVIOURS["tracks.show"] = removed
    assert "content.yaml:" in str(caught.value)
    assert "tracks.show" in str(caught.value)
