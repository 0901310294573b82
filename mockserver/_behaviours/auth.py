"""Auth (openapi.json only): login and register."""

from __future__ import annotations

from ._call import behaviour
from ._generic import generic

# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "auth.login",
    "auth.register",
)(generic)
