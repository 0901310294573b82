"""The URL of an in-process request, written without parsing it back.

A session sends each request to ``base URL + path + ?query``, text it wrote itself: path ids
quoted, the query encoded as httpx encodes it. ``httpx.URL(text)`` parses that text again,
checking and percent-encoding it a character at a time in Python, which costs more than the
mock's routing of the request. Text that httpx would leave as it is (every character one that
no httpx this package supports re-encodes, every ``%`` a complete escape, no ``.`` or ``..``
segment) gets the base's parsed URL with that path and query; any other text goes to httpx, so
the URL is the same either way. ``tests/test_urls.py`` pins both helpers to httpx.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx

_PATH = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%"
"""Unreserved characters, sub-delimiters, ``:@/`` and ``%``: what httpx 0.27 and 0.28 keep in a
path (``%`` only as part of an escape, :data:`_LONE_PERCENT`)."""
_QUERY = _PATH + "?"
_LONE_PERCENT = re.compile("%(?![0-9A-Fa-f]{2})")
_LONG = 32768
"""Longer text goes to httpx: it refuses URLs over 65,536 characters."""


def joined(base: httpx.URL, path: str, query: str = "") -> httpx.URL:
    """``httpx.URL(str(base).rstrip("/") + path + ("?" + query if query else ""))``.

    ``base`` is a client's ``base_url``; one with a query or a fragment goes to httpx."""
    parsed = base._uri_reference
    root = parsed.path.rstrip("/")
    if (
        parsed.query is None
        and parsed.fragment is None
        and path.startswith("/")
        and not path.rstrip(_PATH)
        and not query.rstrip(_QUERY)
        and not _LONE_PERCENT.search(path)
        and not _LONE_PERCENT.search(query)
        and len(parsed.userinfo) + len(parsed.host) + len(root) + len(path) + len(query) < _LONG
        and not _dot_segment(path)
    ):
        url = httpx.URL.__new__(httpx.URL)
        url._uri_reference = parsed._replace(path=root + path, query=query or None)
        return url
    text = str(base).rstrip("/") + path
    return httpx.URL(text + "?" + query if query else text)


def _dot_segment(path: str) -> bool:
    """Whether httpx would drop or resolve a segment of the path (``/a/./b``, ``/a/..``)."""
    if "." not in path:
        return False
    segments = path.split("/")
    return "." in segments or ".." in segments


class QueryTexts:
    """``str(httpx.QueryParams(params))``, written once for the requests that share their
    params (a read sent in each tier, a replay). A dict of texts to texts (a draft's query) is
    URL-encoded as httpx encodes it once every value is text, and kept, with its items in their
    order, for the next call: the same pairs in another order are another text. Anything else
    goes to httpx each time: numbers and booleans (``1`` and ``True`` are equal keys of a dict,
    not the same text), lists, ``QueryParams`` with repeated keys, pairs, text."""

    def __init__(self) -> None:
        self._last: tuple[tuple[tuple[str, str], ...], str] | None = None

    def __call__(self, params: Any) -> str:
        if type(params) is not dict:
            return str(httpx.QueryParams(params))
        items = tuple(params.items())
        last = self._last
        if last is not None and last[0] == items:
            return last[1]
        if not all(type(k) is str and type(v) is str for k, v in items):
            return str(httpx.QueryParams(params))
        text = urlencode(items)
        self._last = (items, text)
        return text
