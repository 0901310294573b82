"""Keep the live token out of every output, in every spelling it can take.

A live run prints, writes and raises text built from production's answers, and a broken or
hostile production can echo the token back in any form: raw in a header, JSON-escaped
(``\\/`` for ``/``), percent-encoded (upper or lower case hex), or base64 (alone, as part of a
``Basic`` credential, at any alignment inside a longer base64 string). So the live side owns
its own redaction, independent of the mock's log scrubbing: :func:`spellings` lists every form
of a secret, :func:`redact` masks them in text and :func:`redact_bytes` in a response body.

Secrets are also *registered* for the process (:func:`register`): every writer of output
(terminal, JUnit, coverage and drift files) redacts with the registered secrets, so a path that
forgot to pass them still cannot leak. Redact *before* truncating: a cut can leave most of a
token behind a shortened tail that no longer matches.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "redact", "redact_bytes", "register", "registered", "spellings"]

MASK = "***"
#: Credential shapes masked even when the secret is unknown (a token production invented).
_BEARER = re.compile(r"(?i)\b(bearer(?:\s+|%20|\+))[^\s&\"',;<>]+")
_TOKEN_PARAM = re.compile(r"(?i)((?:^|[?&;\s])[\w.\-]*token=)[^&#\s\"'<>]*")

_REGISTERED: set[str] = set()


def register(secret: str) -> None:
    """Redact ``secret`` from every output of this process from now on."""
    if secret:
        _REGISTERED.add(secret)


def registered() -> tuple[str, ...]:
    return tuple(sorted(_REGISTERED))


def _base64_cores(data: bytes) -> set[str]:
    """The base64 characters that depend on ``data`` only, at each of the three alignments it
    can have inside a longer encoded string, in the standard and URL-safe alphabets."""
    cores: set[str] = set()
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + data).decode("ascii")
        first = -(-pad * 8 // 6)  # the first character with no pad bit in it
        last = (pad + len(data)) * 8 // 6  # past the last character fully made of data
        core = encoded[first:last]
        if len(core) >= 8:  # shorter cores would mask innocent text
            cores |= {core, core.translate(str.maketrans("+/", "-_"))}
    return cores


@lru_cache(maxsize=64)
def spellings(secret: str) -> tuple[str, ...]:
    """Every form of ``secret`` that output may hold, longest first."""
    raw = secret.encode("utf-8")
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in set(forms)}
    forms |= _base64_cores(raw) | _base64_cores(b"Bearer " + raw)
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every spelling of each secret (given or registered) and every
    credential-shaped value masked."""
    for secret in sorted({*secrets, *_REGISTERED} - {""}, key=len, reverse=True):
        for form in spellings(secret):
            text = text.replace(form, MASK)
    text = _BEARER.sub(lambda m: m.group(1) + MASK, text)
    return _TOKEN_PARAM.sub(lambda m: m.group(1) + MASK, text)


def redact_bytes(data: bytes, secrets: Iterable[str] = ()) -> bytes:
    """A response body with every spelling of each secret masked (bytes stay bytes: a body
    that is not text is scrubbed all the same)."""
    mask = MASK.encode("ascii")
    for secret in sorted({*secrets, *_REGISTERED} - {""}, key=len, reverse=True):
        for form in spellings(secret):
            data = data.replace(form.encode("utf-8"), mask)
    return data
