"""A stateful, tier-aware offline mock of the BeatPass API.

>>> from mockserver import BeatPassMock
>>> with BeatPassMock(seed=1) as api:
...     pass

``Sandbox`` is the served sandbox's handler (isolated worlds and the ``/__beatpass`` control
API). Serving over HTTP (``serve``, ``BackgroundServer``, ``ASGIAdapter``) needs the ``server``
extra (uvicorn); it is imported on first use, so the mock and the pytest plugin work without it.
"""

from typing import TYPE_CHECKING, Any

from ._auth import AuthResult, TokenStore
from ._clock import ManualClock, SystemClock
from ._control import Sandbox, control_openapi
from ._core import MockCore, RouteStats
from ._faults import Fault, FaultInjector
from ._mock import DEFAULT_TOKEN, BeatPassMock
from ._router import Match, Router
from ._store import SideEffects, Store

if TYPE_CHECKING:
    from ._asgi import ASGIAdapter
    from ._serve import BackgroundServer, serve

_SERVER = {"ASGIAdapter": "._asgi", "BackgroundServer": "._serve", "serve": "._serve"}


def __getattr__(name: str) -> Any:
    if name in _SERVER:
        import importlib

        try:
            module = importlib.import_module(_SERVER[name], __name__)
        except ModuleNotFoundError as exc:
            raise ImportError(
                f"mockserver.{name} needs the HTTP server: pip install 'beatpass-contract[server]'"
                f" ({exc})"
            ) from None
        return getattr(module, name)
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")


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
    "Sandbox",
    "SideEffects",
    "Store",
    "SystemClock",
    "TokenStore",
    "control_openapi",
    "serve",
]
