"""Isolated worlds of the served sandbox: one mock per ``X-BeatPass-Sandbox`` name.

Two CI jobs sharing one sandbox must not see each other's writes, tokens, faults or clock, so
each name gets its own :class:`~mockserver.BeatPassMock`, built from the server's seed on the
first request that names it. Worlds cost memory (a store, caches, a journal), so their number
is bounded: past ``max_worlds`` a request naming a new world is refused (503 in the error
format) rather than evicting someone else's world, whose state a running job relies on. A job
frees its world with ``DELETE /__beatpass/world``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

import spec as spec_pkg
from spec import Spec

from ._clock import SystemClock, check_advance
from ._headers import header_value
from ._mock import BeatPassMock

__all__ = [
    "DEFAULT_MAX_WORLDS",
    "DEFAULT_WORLD",
    "HEADER",
    "JOURNAL",
    "JournalEntry",
    "OffsetClock",
    "SandboxError",
    "World",
    "Worlds",
    "mock_factory",
]

HEADER = "x-beatpass-sandbox"
DEFAULT_WORLD = "default"
DEFAULT_MAX_WORLDS = 16
"""Named worlds a sandbox holds besides the default one. Each is about 1 MB of store plus its
bounded caches (answers 8 MiB, history 4 MiB, route calls 8 MiB): at most about
20 MiB, so 17 worlds stay under 400 MB whatever clients send."""
JOURNAL = 1000
"""Requests each world's journal keeps (newest last)."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class OffsetClock(SystemClock):
    """Wall-clock time that ``advance`` moves forward: latency and timeouts still cost real
    time (a served client must feel them), while a test can jump past an expiry."""

    def __init__(self) -> None:
        self.offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            check_advance(self.now(), seconds)
            self.offset += seconds


class SandboxError(Exception):
    """A sandbox request that cannot be served (a bad world name, the bound of worlds, a bad
    control body): answered with this status in the API's error format."""

    def __init__(
        self, status: int, message: str, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


@dataclass(frozen=True)
class JournalEntry:
    """One API request as ``GET /__beatpass/requests`` shows it (the target is redacted
    there, when read: most entries are never read)."""

    method: str
    path: str
    status: int | None
    """None: the connection was dropped (an injected fault)."""
    time: float


@dataclass
class World:
    """One isolated mock and the journal of the requests it answered."""

    name: str
    mock: BeatPassMock
    journal: deque[JournalEntry] = field(default_factory=lambda: deque(maxlen=JOURNAL))


class Worlds:
    """The default world plus at most ``max_worlds`` named ones, created on first use.

    ``factory(seed)`` builds a fresh mock (tokens given to ``serve`` already issued); it is
    called outside the registry lock, so a slow creation does not stall other worlds.
    """

    def __init__(
        self,
        factory: Callable[[int], BeatPassMock],
        *,
        seed: int = 0,
        max_worlds: int = DEFAULT_MAX_WORLDS,
    ) -> None:
        self.factory = factory
        self.seed = seed
        self.max_worlds = max_worlds
        self._worlds: dict[str, World] = {DEFAULT_WORLD: World(DEFAULT_WORLD, factory(seed))}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._worlds)

    @staticmethod
    def name_of(request: httpx.Request) -> str:
        """The world a request names (``X-BeatPass-Sandbox``), or the default one."""
        name = header_value(request.headers, HEADER.encode("ascii"))
        if name is None or name == "":
            return DEFAULT_WORLD
        if not _NAME.fullmatch(name):
            raise SandboxError(
                400,
                "X-BeatPass-Sandbox must be 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit.",
            )
        return name

    def peek(self, name: str) -> World | None:
        """The world of that name if it exists (never creates one)."""
        return self._worlds.get(name)

    def get(self, name: str) -> World:
        """The world of that name, created from the seed on first use."""
        world = self._worlds.get(name)
        if world is not None:
            return world
        if len(self._worlds) > self.max_worlds:
            raise self._full()
        fresh = World(name, self.factory(self.seed))
        with self._lock:
            if name in self._worlds:  # another request created it meanwhile
                return self._worlds[name]
            if len(self._worlds) > self.max_worlds:
                raise self._full()
            self._worlds[name] = fresh
        return fresh

    def reset(self, name: str, seed: int | None = None) -> World:
        """Replace the world with a fresh one (same name), from ``seed`` or its own seed."""
        current = self.get(name)
        fresh = World(name, self.factory(current.mock.seed if seed is None else seed))
        with self._lock:
            self._worlds[name] = fresh
        return fresh

    def discard(self, name: str) -> bool:
        """Forget a named world (the default one is reset instead); False if there was none."""
        if name == DEFAULT_WORLD:
            self.reset(name, self.seed)
            return True
        with self._lock:
            return self._worlds.pop(name, None) is not None

    def _full(self) -> SandboxError:
        return SandboxError(
            503,
            f"The sandbox holds its limit of {self.max_worlds} named worlds; free one with "
            "DELETE /__beatpass/world (header X-BeatPass-Sandbox: NAME) or reuse a name.",
        )


def mock_factory(
    tokens: Mapping[str, int],
    *,
    rate_limits: bool = True,
    spec: Spec | None = None,
) -> Callable[[int], BeatPassMock]:
    """Build worlds the way ``serve`` does: wall-clock time that ``clock/advance`` can move,
    and every token given on the command line valid in every world, acting as its user."""
    loaded = spec or spec_pkg.load()
    given = dict(tokens)

    def factory(seed: int) -> BeatPassMock:
        mock = BeatPassMock(
            seed=seed, tokens=(), clock=OffsetClock(), rate_limits=rate_limits, spec=loaded
        )
        for value, user_id in given.items():
            mock.issue_token(user_id, token=value)
        mock.token = next(iter(given), "")
        return mock

    return factory
