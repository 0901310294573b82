"""Validation of what a live run is told: budget, pace, bounds, base URL, token and test ids.

One set of rules for ``verify --live`` and the ``--beatpass-*`` pytest options, so that neither
can start a run the other would refuse. Every refusal happens before any request and names the
option, never the token. The number parsers are argparse ``type=`` callables (pytest's option
parser is argparse too): a bad value is a one-line usage error.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Callable

import httpx

from spec import ContractError

from ._paths import unsafe_segment

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_REQUESTS",
    "DEFAULT_RATE",
    "LiveOptionError",
    "check_base_url",
    "check_id",
    "check_token",
    "max_bytes",
    "max_requests",
    "rate",
    "seconds",
]

DEFAULT_MAX_REQUESTS = 100
DEFAULT_RATE = 60.0  # per minute: a fifth of the documented global 300/min
DEFAULT_DEADLINE = 30.0  # seconds for one whole request: connect, headers and every body byte
DEFAULT_MAX_BYTES = 8 * 1024 * 1024  # decoded bytes of one response body
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class LiveOptionError(ContractError):
    """A live option that cannot be used; nothing was sent."""


def _number(
    kind: Callable[[str], float], what: str, low: float, high: float
) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number ({what})") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is out of range ({what}: {low:g}..{high:g})")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


rate = _number(float, "requests per minute", 0.01, 6_000_000)
seconds = _number(float, "seconds", 0.1, 3600)
_count = _number(int, "requests", 1, 1_000_000)
_bytes = _number(int, "bytes", 1024, 1024**3)


def max_requests(text: str) -> int:
    return int(_count(text))


def max_bytes(text: str) -> int:
    return int(_bytes(text))


def check_base_url(base_url: str) -> httpx.URL:
    """The base URL as the guard will hold it, or a refusal that names no credential."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        raise LiveOptionError("the live base URL is not a URL") from None
    if url.userinfo:
        raise LiveOptionError(
            "the live base URL carries a user name or password: remove it (the token is the"
            " only credential a live run sends)"
        )
    if url.scheme not in ("https", "http") or not url.host:
        raise LiveOptionError("the live base URL must be an http(s) URL with a host")
    if url.scheme != "https" and url.host not in LOOPBACK:
        raise LiveOptionError(
            f"a live run refuses {url.scheme}:// for {url.host}: the token would travel in clear"
            " text (plain HTTP is allowed on loopback only)"
        )
    if url.query or url.fragment:
        raise LiveOptionError("the live base URL must not carry a query or a fragment")
    return url


def check_token(token: str, name: str = "BEATPASS_TOKEN") -> str:
    """The token, if it can travel in an HTTP header as given; the refusal says where the bad
    character is and what it is, never what the token is."""
    for index, char in enumerate(token):
        if not ("!" <= char <= "~"):
            label = unicodedata.name(char, "a control character")
            raise LiveOptionError(
                f"{name} cannot be sent: character {index + 1} is U+{ord(char):04X} ({label});"
                " a token is printable ASCII without spaces (check the copy-paste). Nothing"
                " was sent."
            )
    return token


def check_id(value: str, name: str) -> str:
    """A ``TEST_*_ID`` placeholder that is a single path segment as written."""
    problem = unsafe_segment(value)
    if problem is not None:
        raise LiveOptionError(
            f"{name} cannot be a path segment ({problem}): give an id as the API shows it"
        )
    return value
