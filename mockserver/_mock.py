"""``BeatPassMock``: the whole mock as one object, routed in-process by respx.

    with BeatPassMock(seed=1) as api:
        r = httpx.get("https://open.beatpass.ca/api/v1/tracks/1", headers=api.auth_headers())
        assert api.routes["tracks.show"].called

The same core handler serves ``httpx.MockTransport(api.handler)`` and the HTTP sandbox.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any

import httpx
import respx
from respx.models import SideEffectError

import spec as spec_pkg
from spec import Spec

from . import _isolation
from ._auth import TokenStore
from ._clock import Clock, ManualClock, SystemClock
from ._core import MockCore, RouteStats
from ._faults import Fault, FaultInjector
from ._headers import add_headers
from ._seed import MOCK_USER_ID, rebase, seed_store
from ._store import Record, Store

DEFAULT_TOKEN = "mock-token"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
    ),
}
_CORS_HEADERS = httpx.Headers(CORS)  # added to every served answer: built once
CORS_PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, Prefer",
    "Access-Control-Max-Age": "600",
}


class _ActiveRoute(respx.Route):
    """The one respx route of all active mocks: a request to a host an active mock serves
    goes to the innermost such mock (the last started), so nested mocks behave like nested
    scopes; any other request is not matched, which lets another respx router (a test's own
    ``respx_mock``) answer it, or respx refuse it."""

    def match(self, request: httpx.Request) -> Any:
        mock = _ACTIVE.innermost(request.url.host)
        if mock is None:
            return None
        try:
            return mock.handler(request)
        except Exception as error:  # respx re-raises the origin to the client
            raise SideEffectError(self, origin=error) from error


class _Router(respx.MockRouter):
    """A respx router that keeps no call list: respx's grows by one call per request without
    bound (about 4 KB each); the mock keeps its own, bounded (``api.requests``, ``routes``)."""

    def record(self, request: httpx.Request, *, response: Any = None, route: Any = None) -> None:
        return None


class _Active:
    """The mocks started and not yet stopped, innermost last, and the router serving them."""

    def __init__(self) -> None:
        self.stack: list[BeatPassMock] = []
        self.router: _Router | None = None
        self.lock = threading.Lock()

    def innermost(self, host: str) -> BeatPassMock | None:
        for mock in reversed(self.stack):
            if mock.base_url.host == host:
                return mock
        return None

    def push(self, mock: BeatPassMock) -> None:
        with self.lock:
            if self.router is None:
                router = _Router(assert_all_called=False, assert_all_mocked=True)
                router.add(_ActiveRoute())
                router.start()
                self.router = router
            self.stack.append(mock)
            _isolation.guard(mock.base_url.host)

    def remove(self, mock: BeatPassMock) -> None:
        with self.lock:
            self.stack.remove(mock)
            _isolation.release(mock.base_url.host)
            if not self.stack and self.router is not None:
                self.router.stop()
                self.router = None


_ACTIVE = _Active()


class BeatPassMock:
    """A fresh, seeded, stateful BeatPass API.

    ``tokens`` are valid Bearer tokens of the mock user (user 1, owner of artist 1); with none
    given, ``mock-token`` is valid. ``clock`` defaults to a :class:`ManualClock`: time only
    moves when a test calls ``api.clock.advance(seconds)``.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        base_url: str | None = None,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        clock: Clock | None = None,
        rate_limits: bool = True,
        spec: Spec | None = None,
    ) -> None:
        self.spec = spec or spec_pkg.load()
        self.base_url = httpx.URL((base_url or self.spec.policies.base_url).rstrip("/"))
        self.seed = seed
        self.clock: Clock = clock if clock is not None else ManualClock()
        self.store = Store(self.spec)
        seed_store(self.store, seed)
        rebase(self.store, self.clock.now())
        self.tokens = TokenStore(self.clock, self.spec.policies.token_lifetime_days)
        self.token = ""
        for value in tokens:
            self.token = self.token or value
            self.tokens.issue(MOCK_USER_ID, token=value)
        self.core = MockCore(
            self.spec,
            self.store,
            self.tokens,
            self.clock,
            seed=seed,
            rate_limits=rate_limits,
            base_path=self.base_url.path.rstrip("/"),
        )
        self._started = False

    # -- the handler and its transports --------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The pure core: one request in, one response out."""
        return self.core.handle(request)

    def served_handler(self, request: httpx.Request) -> httpx.Response:
        """The core for the HTTP sandbox: an injected timeout is answered (504 after 30 s), a
        connection error raised for the server to drop the connection, and browsers get
        permissive CORS,
        as local sandboxes (Prism, WireMock) give them."""
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            asked = request.headers.get("access-control-request-headers")
            headers = {
                **CORS_PREFLIGHT,
                **({"Access-Control-Allow-Headers": asked} if asked else {}),
            }
            return httpx.Response(204, headers=headers)
        response = self.core.handle(request, served=True)
        add_headers(response.headers, _CORS_HEADERS)
        return response

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(
        self, *, token: str | None = None, anonymous: bool = False, **kwargs: Any
    ) -> httpx.Client:
        """An ``httpx.Client`` wired to this mock (no network), with the mock token by default."""
        headers = {"Accept": "application/json"}
        if not anonymous and (token or self.token):
            headers["Authorization"] = f"Bearer {token or self.token}"
        return httpx.Client(
            base_url=self.base_url, transport=self.transport, headers=headers, **kwargs
        )

    def auth_headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}

    # -- patching httpx with respx -------------------------------------------------------------

    def start(self) -> BeatPassMock:
        """Route every httpx request to the API host to the mock (any other host is refused
        unless another respx router answers it), and refuse every other client's connections
        to that host (requests, urllib, aiohttp, raw sockets): nothing reaches production.

        Mocks nest: the last started answers until it stops, then the previous one again."""
        if not self._started:
            _ACTIVE.push(self)
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            _ACTIVE.remove(self)
            self._started = False

    def __enter__(self) -> BeatPassMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests ask about ------------------------------------------------------------------

    @property
    def routes(self) -> dict[str, RouteStats]:
        """Calls per operation id, read like respx's: ``api.routes["tracks.show"].call_count``,
        ``.called``, ``.calls.last.request``, ``.calls[0].response`` (recent calls kept: the
        last 10,000 of all operations, at most 8 MiB; ``call_count`` counts all)."""
        return self.core.routes

    @property
    def requests(self) -> list[tuple[httpx.Request, httpx.Response]]:
        """The requests the mock answered, with their responses: the last 1000, at most 4 MiB
        (bodies plus 2 KiB each)."""
        return list(self.core.history)

    @property
    def undocumented(self) -> list[tuple[str, str]]:
        """Attempts at undocumented methods or paths (off-limits on the real API)."""
        return list(self.core.undocumented)

    @property
    def outbox(self) -> list[Record]:
        """Messages that would have reached real users."""
        return self.store.side_effects.outbox

    @property
    def charges(self) -> list[Record]:
        """Payments that would have charged a real card."""
        return self.store.side_effects.charges

    @property
    def uploads(self) -> list[Record]:
        """Content that would have been published."""
        return self.store.side_effects.uploads

    @property
    def events(self) -> list[Record]:
        """Analytics and activity events (plays, views, typing)."""
        return self.store.side_effects.events

    @property
    def faults(self) -> FaultInjector:
        return self.core.faults

    def inject(self, **kwargs: Any) -> Fault:
        """Inject a fault: ``api.inject(status=503, operations="tracks.show", probability=0.5)``.

        An operation id the spec does not hold is a ValueError (with a "did you mean"), not a
        fault that silently never fires."""
        operations = kwargs.get("operations")
        if operations is None:
            return self.core.faults.add(**kwargs)
        named = (operations,) if isinstance(operations, str) else tuple(operations)
        if not named:
            raise ValueError("operations=[] names no operation; leave it out to mean every one")
        kwargs["operations"] = named  # an iterator is read once, here
        for op_id in named:
            if op_id not in self.spec.operations:
                hint = difflib.get_close_matches(op_id, list(self.spec.operations), n=1)
                tip = f"; did you mean {hint[0]!r}?" if hint else ""
                raise ValueError(f"no operation {op_id!r} in the spec{tip}")
        return self.core.faults.add(**kwargs)

    def issue_token(
        self,
        user_id: int = MOCK_USER_ID,
        *,
        age_days: float = 0.0,
        lifetime_days: float | None = None,
        revoked: bool = False,
        token: str | None = None,
    ) -> str:
        """A new Bearer token; ``age_days=91`` gives one past the documented 90-day lifetime."""
        return self.tokens.issue(
            user_id, token=token, age_days=age_days, lifetime_days=lifetime_days, revoked=revoked
        )

    def revoke_token(self, token: str) -> None:
        self.tokens.revoke(token)

    def records(self, resource: str) -> list[Record]:
        """The stored records of a resource (token-tier fields; relations as ids). They are the
        live records: a test may change one to set up a case, at any time, so from now on no
        answer of this mock is served from a cache or from facts derived before it."""
        self.store.exposed = True
        self.store.touch()
        return self.store.all(resource)

    def owned(self, resource: str, user_id: int = MOCK_USER_ID) -> list[Record]:
        """The records of ``resource`` that ``user_id`` owns, by the rule the mock's 403s use
        (a track or album is owned through its artists)."""
        self.store.exposed = True
        self.store.touch()
        return self.store.owned_by(resource, user_id)


__all__ = ["DEFAULT_TOKEN", "BeatPassMock", "SystemClock"]
