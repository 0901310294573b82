"""Scrub credentials from text before it reaches a log, a terminal or an exception.

Anything the mock server prints can end up in CI logs that outlive the token, so every
log line passes through :func:`redact` first. Two layers, because neither is enough alone:

* **Known secrets** (the tokens the server was started with) are replaced wherever they
  appear, including their percent-encoded forms, since a token can travel inside a URL.
* **Shapes that carry credentials** are masked even when the secret is unknown: an
  ``Authorization``-style ``Bearer <value>`` and any query parameter whose name ends in
  ``token`` (``token=``, ``access_token=``, ``refresh_token=``...), because callers put
  tokens there and the server cannot know every token a client might send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "redact"]

#: What a redacted value is replaced with.
MASK = "***"

# "Bearer xyz" in a header dump, "Bearer%20xyz" or "Bearer+xyz" once URL-encoded.
_BEARER = re.compile(r"(?i)\b(bearer(?:\s+|%20|\+))[^\s&\"',;]+")

# A query-string style parameter whose name ends in "token": token=, access_token=, ...
# The name must start a parameter (start of text, '?', '&', ';' or whitespace) so that a
# path segment like "/tokens=" inside another value is not mangled more than needed.
_TOKEN_PARAM = re.compile(r"(?i)((?:^|[?&;\s])[\w.\-]*token=)[^&#\s]*")


def _variants(secret: str) -> set[str]:
    """Return the spellings under which *secret* may appear in a logged URL or header."""
    return {secret, quote(secret, safe=""), quote_plus(secret, safe="")}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return *text* with every secret and every credential-shaped value masked.

    Longer secrets are replaced first so that a secret containing another secret is
    masked whole rather than leaving a recognisable tail behind. Empty secrets are
    ignored (replacing "" would insert the mask between every character).
    """
    spellings: set[str] = set()
    for secret in secrets:
        if secret:
            spellings |= _variants(secret)
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, MASK)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _TOKEN_PARAM.sub(lambda m: m.group(1) + MASK, text)
