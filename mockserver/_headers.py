"""Cheap reads and builds of ``httpx.Headers`` for the per-request path.

``httpx.Headers`` normalises every name and value on construction and re-derives its encoding
on every lookup; a missing header costs a raised ``KeyError``. On a served answer those costs
added up (timed side by side with ``timeit``: ``update`` with the CORS headers 15 us against
0 when appended, a missing header 4 us against 1.2, building an answer's or a received
request's headers a quarter to a third less). The helpers below read and build httpx's own
header list directly; httpx is pinned below 0.29 (pyproject.toml), and
``tests/test_headers.py`` checks that they agree with
the public API, so a change of httpx's internals fails there, not silently.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

__all__ = ["add_headers", "ascii_headers", "header_value", "lower_items", "received_headers"]


def header_value(headers: httpx.Headers, name: bytes) -> str | None:
    """``headers.get(name)`` for a lower-case *name*: values of a repeated header joined by
    ``", "``, decoded as httpx decodes them; None when absent."""
    values = [value for _, key, value in headers._list if key == name]
    if not values:
        return None
    text = values[0] if len(values) == 1 else b", ".join(values)
    if text.isascii():  # the same text in any encoding httpx may pick, without picking one
        return text.decode("ascii")
    return text.decode(headers.encoding)


def ascii_headers(pairs: Iterable[tuple[str, str]]) -> httpx.Headers:
    """``httpx.Headers(pairs)`` for names and values that are ASCII ``str`` (ours: a
    content type, digits, constants), without normalising each one."""
    items = [
        (raw, raw.lower(), value.encode("ascii"))
        for name, value in pairs
        for raw in (name.encode("ascii"),)
    ]
    headers = httpx.Headers()
    headers._list = items
    headers.encoding = "ascii"
    return headers


def received_headers(pairs: list[tuple[bytes, bytes]]) -> httpx.Headers:
    """``httpx.Headers(pairs)`` for the byte pairs a server parsed off the wire: they are
    bytes already, so only the lower-case name is derived (the encoding is found lazily,
    as httpx does)."""
    headers = httpx.Headers()
    headers._list = [(name, name.lower(), value) for name, value in pairs]
    return headers


def lower_items(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    """``[(name.lower(), value) for name, value in headers.raw]``, from httpx's own
    lower-case names."""
    return [(key, value) for _, key, value in headers._list]


def add_headers(headers: httpx.Headers, extra: httpx.Headers) -> None:
    """``headers.update(extra)``; names that are not there yet are appended as they are."""
    present = {key for _, key, _ in headers._list}
    if present.isdisjoint(key for _, key, _ in extra._list):
        headers._list.extend(extra._list)
    else:
        headers.update(extra)
