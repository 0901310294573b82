"""Bearer tokens for the mock: issued, expiring after the documented lifetime, revocable."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Literal

from ._clock import Clock

DAY = 86_400.0
Status = Literal["anonymous", "valid", "invalid", "expired", "revoked"]


@dataclass
class Token:
    value: str
    user_id: int
    created_at: float
    expires_at: float
    revoked: bool = False


@dataclass(frozen=True)
class AuthResult:
    status: Status
    user_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "valid"


class TokenStore:
    def __init__(self, clock: Clock, lifetime_days: int) -> None:
        self.clock = clock
        self.lifetime_days = lifetime_days
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(
        self,
        user_id: int,
        *,
        token: str | None = None,
        age_days: float = 0.0,
        lifetime_days: float | None = None,
        revoked: bool = False,
    ) -> str:
        """Create a token for ``user_id``. ``age_days`` backdates it (91 makes an expired one)."""
        value = token or f"bp_{secrets.token_hex(16)}"
        created = self.clock.now() - age_days * DAY
        lifetime = self.lifetime_days if lifetime_days is None else lifetime_days
        with self._lock:
            self._tokens[value] = Token(value, user_id, created, created + lifetime * DAY, revoked)
        return value

    def revoke(self, token: str) -> None:
        with self._lock:
            if token not in self._tokens:
                raise KeyError("unknown token")
            self._tokens[token].revoked = True

    def check(self, authorization: str | None) -> AuthResult:
        """Classify an Authorization header value."""
        if authorization is None or not authorization.strip():
            return AuthResult("anonymous")
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return AuthResult("invalid")
        token = self._tokens.get(value.strip())
        if token is None:
            return AuthResult("invalid")
        if token.revoked:
            return AuthResult("revoked", token.user_id)
        if self.clock.now() >= token.expires_at:
            return AuthResult("expired", token.user_id)
        return AuthResult("valid", token.user_id)
