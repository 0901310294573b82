"""One request sent to a target and the response it got, with the context checks need."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from spec import Operation, Tier

from ._redaction import redact

_MISSING = object()


@dataclass
class Exchange:
    op: Operation
    tier: Tier
    """The tier the caller was in: ``public`` without a token, ``token`` with a valid one."""
    request: httpx.Request
    response: httpx.Response
    now: float
    """The target's clock when the response arrived (for ``X-RateLimit-Reset``)."""
    secrets: tuple[str, ...] = field(default=(), repr=False)  # never in a traceback
    valid: bool = False
    """A valid request of the caller's own tier (drawn by the valid strategies): it must be
    accepted unless a rule explains the refusal (``positive_data_acceptance``)."""
    token: str | None = field(default=None, repr=False)
    """The token it was sent with where not the session's own (another user's, a bad one):
    the checks' reads for it are sent with the same token, as the same caller."""
    _body: Any = field(default=_MISSING, repr=False)
    derived: dict[str, Any] = field(default_factory=dict, repr=False)
    """What the checks derive from this answer alone (the records it holds), computed once."""

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def body(self) -> Any:
        """The parsed JSON body, or None when it is not JSON."""
        if self._body is _MISSING:
            try:
                self._body = json.loads(self.response.content)
            except (ValueError, UnicodeDecodeError):
                self._body = None
        return self._body

    @property
    def query(self) -> Mapping[str, str]:
        """The request's query, each name's first value, as ``request.url.params.get`` reads
        it: parsed once per exchange (several checks read it; httpx parses it on each use)."""
        query: Mapping[str, str] | None = self.derived.get("query")
        if query is None:
            first: dict[str, str] = {}
            text = self.request.url.query.decode("ascii", "replace")
            for name, value in parse_qsl(text, keep_blank_values=True):
                first.setdefault(name, value)
            query = self.derived["query"] = first
        return query

    def header(self, name: str) -> str | None:
        """A response header, its name in any case (repeated ones joined with ", ", as httpx
        joins them), from a table built once per exchange: ``Headers.get`` scans every
        header on each call."""
        headers: dict[str, str] | None = self.derived.get("headers")
        if headers is None:
            headers = self.derived["headers"] = dict(self.response.headers.items())
        return headers.get(name.lower())

    def describe(self) -> str:
        """The request as a bug report shows it: method, URL, whether a token was sent; never
        the token itself."""
        auth = self.request.headers.get("authorization")
        who = (
            "with a token"
            if auth and self.tier == "token"
            else ("with a bad token" if auth else "anonymous")
        )
        text = redact(f"{self.request.method} {self.request.url} ({who})", self.secrets)
        if self.request.content:
            text += f" body={_clip(self.request.content, 300, self.secrets)}"
        return text

    def excerpt(self, limit: int = 300) -> str:
        return f"{self.status} {_clip(self.response.content, limit, self.secrets)}"


def _clip(content: bytes, limit: int, secrets: tuple[str, ...]) -> str:
    """The start of a body, redacted *before* it is cut (a cut token no longer matches)."""
    return redact(content[: limit + 4096].decode("utf-8", "replace"), secrets)[:limit]
