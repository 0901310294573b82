"""Where contract requests go: the in-process mock (default) or production (opt-in).

A target hands out clients (with or without a token), ids of records it holds, tokens that
must be refused, and its clock. Tests are written against this interface only, so the same
properties run offline and, read-only, live.
"""

from __future__ import annotations

from typing import Any

import httpx

from mockserver import BeatPassMock
from spec import Spec


class Target:
    name = "target"
    live = False

    def __init__(self, spec: Spec, base_url: str, token: str | None) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._ids: dict[tuple[str, str], list[Any]] = {}

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

    def now(self) -> float:
        raise NotImplementedError

    def bad_tokens(self) -> dict[str, str]:
        """Tokens the API must refuse with 401, by what is wrong with them."""
        return {"invalid": "bp_not_a_real_token_0000"}


class MockTarget(Target):
    """The offline mock, driven through ``httpx.MockTransport`` (nothing is patched)."""

    name = "mock"

    def __init__(self, mock: BeatPassMock) -> None:
        super().__init__(mock.spec, str(mock.base_url), mock.token)
        self.mock = mock

    def transport(self) -> httpx.BaseTransport:
        return self.mock.transport

    def ids(self, resource: str, param: str) -> list[Any]:
        records = self.mock.records(resource)
        fields = self.spec.resources[resource].fields
        key = param if param in ("uuid", "name", "slug") and param in fields else "id"
        owned = [r[key] for r in records if r.get("_owner", r.get("_user")) == 1 and key in r]
        return owned or [r[key] for r in records if key in r]

    def now(self) -> float:
        return self.mock.clock.now()

    def bad_tokens(self) -> dict[str, str]:
        revoked = self.mock.issue_token()
        self.mock.revoke_token(revoked)
        return {
            "invalid": "bp_not_a_real_token_0000",
            "expired": self.mock.issue_token(age_days=self.spec.policies.token_lifetime_days + 1),
            "revoked": revoked,
        }
