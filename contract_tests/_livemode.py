"""What ``--beatpass-live`` changes in a pytest run: where it goes, what it may send, what runs.

Opt-in only. Without ``BEATPASS_TOKEN`` the run stops before any request. The controller
creates one pace file (budget and rate) that every xdist worker shares; tests that write or
that send many requests on purpose are skipped (the guard would refuse their requests anyway:
it is the second wall, not the first); error-path properties run for a few operations only.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import spec

from ._live import DEFAULT_MAX_REQUESTS, DEFAULT_RATE, Pace, state_path
from ._target import LiveTarget

TOKEN_ENV = "BEATPASS_TOKEN"
BASE_URL_ENV = "BEATPASS_BASE_URL"
#: Error-path properties that run live, each for a couple of operations only.
LIVE_SAMPLES = {
    "test_required_operation_refuses_anonymous": 2,
    "test_bad_tokens_are_refused": 2,
    "test_invalid_input_rejected": 2,
    "test_unknown_id_is_404": 2,
}
STATE_KEY = "beatpass_live_state_dir"


@dataclass
class LiveSettings:
    base_url: str
    token: str
    max_requests: int
    rate: float
    state_dir: Path
    target: LiveTarget | None = None

    def pace(self) -> Pace:
        return Pace(state_path(self.state_dir), self.max_requests, self.rate)

    def get_target(self) -> LiveTarget:
        if self.target is None:
            self.target = LiveTarget(spec.load(), self.base_url, self.token, self.pace())
        return self.target


def settings_from(config: pytest.Config) -> LiveSettings:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise pytest.UsageError(
            f"--beatpass-live needs a token: set {TOKEN_ENV} (approved BeatPass developers only). "
            "Nothing was sent."
        )
    base_url = (
        config.getoption("--beatpass-base-url")
        or os.environ.get(BASE_URL_ENV)
        or spec.load().policies.base_url
    )
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and STATE_KEY in workerinput:
        state_dir = Path(workerinput[STATE_KEY])
    else:
        state_dir = Path(tempfile.mkdtemp(prefix="beatpass-live-"))
    rate = float(config.getoption("--beatpass-rate") or DEFAULT_RATE)
    max_requests = int(config.getoption("--beatpass-max-requests") or DEFAULT_MAX_REQUESTS)
    if rate <= 0 or max_requests <= 0:
        raise pytest.UsageError("--beatpass-rate and --beatpass-max-requests must be positive")
    return LiveSettings(base_url.rstrip("/"), token, max_requests, rate, state_dir)


def deselect_for_live(items: list[pytest.Item]) -> None:
    """Skip what must not run live; keep a few error-path examples."""
    seen: dict[str, int] = {}
    for item in items:
        if item.get_closest_marker("beatpass_writes") or item.get_closest_marker(
            "beatpass_offline_only"
        ):
            item.add_marker(
                pytest.mark.skip(reason="live run: writes and load tests are offline only")
            )
            continue
        name = getattr(item, "originalname", item.name)
        if name in LIVE_SAMPLES:
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > LIVE_SAMPLES[name]:
                item.add_marker(pytest.mark.skip(reason="live run: error paths are sampled"))


class XdistHooks:
    """Registered only when pytest-xdist is active: hands the pace file to each worker."""

    def __init__(self, live: LiveSettings) -> None:
        self.live = live

    def pytest_configure_node(self, node: object) -> None:
        node.workerinput[STATE_KEY] = str(self.live.state_dir)  # type: ignore[attr-defined]
