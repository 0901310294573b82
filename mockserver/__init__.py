"""A stateful, tier-aware offline mock of the BeatPass API.

>>> from mockserver import BeatPassMock
>>> with BeatPassMock(seed=1) as api:
...     pass
"""

from ._asgi import ASGIAdapter
from ._auth import AuthResult, TokenStore
from ._clock import ManualClock, SystemClock
from ._core import MockCore, RouteStats
from ._faults import Fault, FaultInjector
from ._mock import DEFAULT_TOKEN, BeatPassMock
from ._router import Match, Router
from ._serve import BackgroundServer, serve
from ._store import SideEffects, Store

__all__ = [
    "DEFAULT_TOKEN",
    "ASGIAdapter",
    "AuthResult",
    "BackgroundServer",
    "BeatPassMock",
    "Fault",
    "FaultInjector",
    "ManualClock",
    "Match",
    "MockCore",
    "RouteStats",
    "Router",
    "SideEffects",
    "Store",
    "SystemClock",
    "TokenStore",
    "serve",
]
