"""The pytest plugin (entry point ``pytest11``): fixtures, the marker, options and the header.

    def test_track_title(beatpass_client):
        r = beatpass_client.get("/tracks/1")
        assert r.json()["track"]["name"]

``beatpass_mock`` is a fresh, seeded mock patched into httpx for the test (requests to any
other host fail loudly); ``@pytest.mark.beatpass_mock(seed=3, rate_limits=False)`` configures
it, and an unknown keyword is an error, not a silent default.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import httpx
import pytest

from mockserver import BeatPassMock


@dataclass(frozen=True)
class MockOptions:
    """What ``@pytest.mark.beatpass_mock(...)`` may set (keyword-only, so a typo fails)."""

    seed: int = 0
    tokens: tuple[str, ...] = ("mock-token",)
    rate_limits: bool = True
    faults: tuple[dict[str, Any], ...] = field(default=())
    """Each is passed to ``BeatPassMock.inject``, e.g. ``{"status": 503, "operations": "x.y"}``."""

    @classmethod
    def from_marker(cls, marker: pytest.Mark | None) -> MockOptions:
        if marker is None:
            return cls()
        if marker.args:
            raise pytest.UsageError("beatpass_mock marker takes keyword arguments only")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(marker.kwargs) - known)
        if unknown:
            raise pytest.UsageError(
                f"beatpass_mock marker: unknown option(s) {', '.join(unknown)}; "
                f"expected {', '.join(sorted(known))}"
            )
        kwargs = dict(marker.kwargs)
        for key in ("tokens", "faults"):
            if key in kwargs:
                value = kwargs[key]
                kwargs[key] = (value,) if isinstance(value, (str, dict)) else tuple(value)
        return cls(**kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "beatpass_mock(seed=0, tokens=('mock-token',), rate_limits=True, faults=()): "
        "configure the beatpass_mock fixture",
    )
    config.addinivalue_line(
        "markers", "beatpass_writes: the test sends writes (skipped in live runs)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return "beatpass-contract: target = offline mock (no network)"


@pytest.fixture
def beatpass_mock(request: pytest.FixtureRequest) -> Iterator[BeatPassMock]:
    """A fresh, seeded BeatPass mock, patched into httpx for this test."""
    options = MockOptions.from_marker(request.node.get_closest_marker("beatpass_mock"))
    mock = BeatPassMock(seed=options.seed, tokens=options.tokens, rate_limits=options.rate_limits)
    for fault in options.faults:
        mock.inject(**fault)
    with mock:
        yield mock


@pytest.fixture
def beatpass_client(beatpass_mock: BeatPassMock) -> Iterator[httpx.Client]:
    """An httpx client with the base URL and a valid token of the current target."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {beatpass_mock.token}"}
    with httpx.Client(base_url=beatpass_mock.base_url, headers=headers) as client:
        yield client
