"""What ``--beatpass-live`` changes in a pytest run: where it goes, what it may send, what runs.

Opt-in only. Without ``BEATPASS_TOKEN`` the run stops before any request. The controller
creates one pace file (budget and rate) that every xdist worker shares; tests that write or
that send many requests on purpose are skipped (the guard would refuse their requests anyway:
it is the second wall, not the first); error-path properties run for a few operations only.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import spec

from ._live import Pace, env_ids, state_path
from ._liveoptions import (
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_RATE,
    LiveOptionError,
    check_base_url,
    check_token,
)
from ._redaction import register
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
    token: str = field(repr=False)  # never shown, not even with pytest --showlocals
    max_requests: int
    rate: float
    state_dir: Path
    deadline: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES
    target: LiveTarget | None = None
    owns_state_dir: bool = False
    """The controller made the pace directory and removes it at the end."""

    def pace(self) -> Pace:
        return Pace(state_path(self.state_dir), self.max_requests, self.rate)

    def get_target(self) -> LiveTarget:
        if self.target is None:
            self.target = LiveTarget(
                spec.load(),
                self.base_url,
                self.token,
                self.pace(),
                deadline=self.deadline,
                max_bytes=self.max_bytes,
            )
        return self.target


def _option(config: pytest.Config, name: str, default: float) -> float:
    """An option's value; only an absent option takes the default (0 is refused, not 100)."""
    value = config.getoption(name)
    return default if value is None else float(value)


def settings_from(config: pytest.Config) -> LiveSettings:
    """Every live option checked before any request; a refusal never shows the token."""
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
    try:
        check_token(token, TOKEN_ENV)
        register(token)
        check_base_url(base_url)
        env_ids()
    except LiveOptionError as exc:
        raise pytest.UsageError(f"--beatpass-live: {exc}") from None
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and STATE_KEY in workerinput:
        state_dir = Path(workerinput[STATE_KEY])
        owns = False
    else:
        state_dir, owns = Path(tempfile.mkdtemp(prefix="beatpass-live-")), True
    return LiveSettings(
        base_url.rstrip("/"),
        token,
        int(_option(config, "--beatpass-max-requests", DEFAULT_MAX_REQUESTS)),
        _option(config, "--beatpass-rate", DEFAULT_RATE),
        state_dir,
        deadline=_option(config, "--beatpass-deadline", DEFAULT_DEADLINE),
        max_bytes=int(_option(config, "--beatpass-max-response-bytes", DEFAULT_MAX_BYTES)),
        owns_state_dir=owns,
    )


def deselect_for_live(items: list[pytest.Item]) -> None:
    """Skip what must not run live; keep a few error-path examples."""
    seen: dict[str, int] = {}
    api = spec.load()
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
            params = getattr(item, "callspec", None)
            op_id = params.params.get("op_id") if params is not None else None
            op = api.operations.get(op_id) if isinstance(op_id, str) else None
            if op is None or not op.read_only or seen.get(name, 0) >= LIVE_SAMPLES[name]:
                item.add_marker(
                    pytest.mark.skip(reason="live run: error paths are sampled (reads only)")
                )
                continue
            seen[name] = seen.get(name, 0) + 1


class XdistHooks:
    """Registered only when pytest-xdist is active: hands the pace file to each worker."""

    def __init__(self, live: LiveSettings) -> None:
        self.live = live

    def pytest_configure_node(self, node: object) -> None:
        node.workerinput[STATE_KEY] = str(self.live.state_dir)  # type: ignore[attr-defined]
