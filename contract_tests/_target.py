"""Where contract requests go: the in-process mock (default) or production (opt-in).

A target hands out clients (with or without a token), ids of records it holds, tokens that
must be refused, and its clock. Tests are written against this interface only, so the same
properties run offline and, read-only, live.
"""

from __future__ import annotations

import copy
import inspect
import json
import time
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx

from mockserver import BeatPassMock
from spec import LiveGuardError, Spec

from ._live import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES, LiveGuard, Pace, env_ids
from ._paths import unsafe_segment
from ._redaction import redact, register


class Target:
    name = "target"
    live = False
    in_process = False
    """Whether :meth:`transport` answers within this process (no network: nothing to time
    out, no redirects or cookies), so a session may hand it requests without a client."""

    def __init__(self, spec: Spec, base_url: str, token: str | None) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.token = token

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.token,) if self.token else ()

    def transport(self) -> httpx.BaseTransport:
        raise NotImplementedError

    def client(self, token: str | None = None, *, anonymous: bool = False) -> httpx.Client:
        headers = {"Accept": "application/json"}
        value = None if anonymous else (token or self.token)
        if value:
            headers["Authorization"] = f"Bearer {value}"
        return httpx.Client(
            base_url=self.base_url, headers=headers, transport=self.transport(), timeout=30
        )

    def ids(self, resource: str, param: str) -> list[Any]:
        raise NotImplementedError

    def owned_ids(self, resource: str, param: str) -> list[Any]:
        """The ids of :meth:`ids` the caller owns (may update, delete), where the target knows."""
        return []

    def now(self) -> float:
        raise NotImplementedError

    def token_for(self, user_id: Any) -> str | None:
        """A valid token of another user, where the target can issue one (None: it cannot).
        Offline preconditions use it: an invitation is sent by the playlist's owner."""
        return None

    def bad_tokens(self) -> dict[str, str]:
        """Tokens the API must refuse with 401, by what is wrong with them."""
        return {"invalid": "bp_not_a_real_token_0000"}


_M = TypeVar("_M", bound="MockTarget")


def _built_from_the_mock_alone(kind: type) -> bool:
    """Whether ``kind(mock)`` is how ``kind`` is built: its ``__init__`` takes the mock and
    nothing else (no other parameter, not even one with a default, which a user may have set)."""
    try:
        params = list(inspect.signature(kind).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(params) == 1 and params[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


class MockTarget(Target):
    """The offline mock, driven through ``httpx.MockTransport`` (nothing is patched)."""

    name = "mock"
    in_process = True

    def __init__(self, mock: BeatPassMock) -> None:
        super().__init__(mock.spec, str(mock.base_url), mock.token)
        self.mock = mock
        self.user_id = mock.tokens.check(f"Bearer {mock.token}").user_id
        self._tokens: dict[Any, str] = {}

    def on(self: _M, mock: BeatPassMock) -> _M:
        """This target on another mock. The state machines run each machine on
        ``beatpass_target.on(a fresh mock)``.

        A class built from its mock alone (``__init__(self, mock)``) is built again on ``mock``,
        so whatever its ``__init__`` sets up on the mock is set up on the new one. Any other is
        copied (a shallow copy: every attribute it set is kept, its defect, its options, and
        mutable ones are shared) with ``mock``'s mock, token and caller. A subclass that keeps
        state of its own derived from its mock (ids read from it, a client on it) overrides
        this."""
        if _built_from_the_mock_alone(type(self)):
            return type(self)(mock)
        other = copy.copy(self)
        MockTarget.__init__(other, mock)
        return other

    def transport(self) -> httpx.BaseTransport:
        return self.mock.transport

    def _key(self, resource: str, param: str) -> str:
        fields = self.spec.resources[resource].fields
        return param if param in ("uuid", "name", "slug") and param in fields else "id"

    def ids(self, resource: str, param: str) -> list[Any]:
        key = self._key(resource, param)
        # Read from the store, not through ``records``: these are only read, and records
        # handed out for changing turn the mock's caches off.
        return [r[key] for r in self.mock.store.all(resource) if key in r]

    def owned_ids(self, resource: str, param: str) -> list[Any]:
        if self.user_id is None:
            return []
        key = self._key(resource, param)
        return [r[key] for r in self.mock.store.owned_by(resource, self.user_id) if key in r]

    def now(self) -> float:
        return self.mock.clock.now()

    def token_for(self, user_id: Any) -> str | None:
        if user_id not in self._tokens:
            self._tokens[user_id] = self.mock.issue_token(user_id)
        return self._tokens[user_id]

    def bad_tokens(self) -> dict[str, str]:
        revoked = self.mock.issue_token()
        self.mock.revoke_token(revoked)
        return {
            "invalid": "bp_not_a_real_token_0000",
            "expired": self.mock.issue_token(age_days=self.spec.policies.token_lifetime_days + 1),
            "revoked": revoked,
        }


class LiveTarget(Target):
    """Production (or any server speaking the API), read-only, through the :class:`LiveGuard`.

    The token lives in the guard only: the clients handed out carry no credential (the guard
    attaches it to each request it admits), and :attr:`token` is None, so nothing holding the
    target can build an unguarded client that sends it. Ids come from the ``TEST_*_ID``
    placeholders, else from one bounded read of a list endpoint per resource (through the
    guard, so it counts against the budget).
    """

    name = "live"
    live = True
    LIST_PAGE = 5

    def __init__(
        self,
        spec: Spec,
        base_url: str,
        token: str,
        pace: Pace,
        *,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(spec, base_url, None)
        register(token)
        self.pace = pace
        self._guard = LiveGuard(
            spec, base_url, pace, token=token, deadline=deadline, max_bytes=max_bytes
        )
        self._known = env_ids()

    def transport(self) -> httpx.BaseTransport:
        return self._guard.seat(anonymous=True)

    def client(self, token: str | None = None, *, anonymous: bool = False) -> httpx.Client:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return _GuardedClient(
            base_url=self.base_url,
            headers=headers,
            transport=self._guard.seat(anonymous=anonymous),
            timeout=self._guard.deadline,
        )

    def shutdown(self) -> None:
        self._guard.shutdown()

    def ids(self, resource: str, param: str) -> list[Any]:
        if resource not in self._known:
            self._known[resource] = self._list_ids(resource)
        return self._known[resource]

    def _list_ids(self, resource: str) -> list[Any]:
        from ._checks import resources_in

        for op in self.spec.operations.values():
            response = op.responses[op.success_status].schema or _NO_SCHEMA
            if not op.read_only or op.path_params or "resource" in response:
                continue
            if not any(r == resource for r, _ in resources_in(response, _Probe())):
                continue
            params = {
                p.name: str(self.LIST_PAGE)
                for p in op.query_params
                if p.name in ("per_page", "perPage", "limit")
            }
            try:
                with self.client() as client:
                    answer = client.get(op.path, params=params)
                body = json.loads(answer.content)
            except LiveGuardError:
                return []
            except (ValueError, UnicodeDecodeError):  # not JSON: no ids from this list
                continue
            if answer.status_code != 200:
                continue
            found = [obj.get("id") for r, obj in resources_in(response, body) if r == resource]
            # A hostile list can hold ids like "..": only ids that stay one path segment.
            usable = [i for i in found if i is not None and unsafe_segment(str(i)) is None]
            return usable[: self.LIST_PAGE]
        return []

    def now(self) -> float:
        return time.time()


_NO_SCHEMA: dict[str, Any] = {}
"""One empty schema, not a new one per call (the checks' walkers are kept per schema)."""


class _Probe(dict):  # type: ignore[type-arg]
    """A stand-in body for which every schema branch "holds" a resource: lets
    :func:`resources_in` say which resources a list operation returns without a request."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: object) -> Any:
        return _Probe() if key != "data" else [_Probe()]

    def get(self, key: object, default: Any = None) -> Any:
        return self[key]


class _GuardedClient(httpx.Client):
    """A live client that refuses dot segments in the URL it is given, before httpx
    normalises them away (``/tracks/..`` would go out as ``/tracks``, past the guard's eyes)."""

    def build_request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Request:
        path = str(url).split("#")[0].split("?")[0]
        if any(unquote(s) in (".", "..") for s in path.split("/")):
            raise LiveGuardError(
                redact(f"refused {method} {path}: a dot segment in the path (httpx would drop it)")
            )
        return super().build_request(method, url, **kwargs)
