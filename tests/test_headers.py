"""The hot-path header helpers agree with httpx's public API (they read httpx's own header
list, so a change of httpx's internals must fail here rather than answer wrong headers)."""

from __future__ import annotations

import httpx
import pytest

from mockserver._headers import (
    add_headers,
    ascii_headers,
    header_value,
    lower_items,
    received_headers,
)

RAW = [
    (b"Host", b"127.0.0.1:8000"),
    (b"Authorization", b"Bearer t"),
    (b"X-Twice", b"a"),
    (b"x-twice", b"b"),
    (b"X-Caf\xc3\xa9", b"caf\xc3\xa9"),
]


@pytest.mark.parametrize("name", ["host", "authorization", "x-twice", "prefer", "x-caf\u00e9"])
def test_header_value_reads_as_headers_get(name: str) -> None:
    headers = httpx.Headers(RAW)
    assert header_value(headers, name.encode("utf-8")) == headers.get(name)


def test_ascii_headers_build_what_httpx_builds() -> None:
    pairs = [("Content-Type", "application/json"), ("Content-Length", "12")]
    built = ascii_headers(pairs)
    expected = httpx.Headers(pairs)
    assert built == expected
    assert built.raw == expected.raw
    assert built["content-type"] == "application/json"
    assert built.encoding == "ascii"
    with pytest.raises(UnicodeEncodeError):
        ascii_headers([("X-Name", "caf\u00e9")])  # not for such values: it refuses them


@pytest.mark.parametrize(
    "extra",
    [{"Access-Control-Allow-Origin": "*"}, {"Content-Type": "text/plain", "X-New": "1"}],
    ids=["new names", "a name already there"],
)
def test_add_headers_updates_as_headers_update(extra: dict[str, str]) -> None:
    ours = httpx.Headers({"Content-Type": "application/json", "X-A": "1"})
    theirs = ours.copy()
    add_headers(ours, httpx.Headers(extra))
    theirs.update(httpx.Headers(extra))
    assert ours.multi_items() == theirs.multi_items()


def test_lower_items_are_the_raw_items_with_lower_case_names() -> None:
    headers = httpx.Headers(RAW)
    assert lower_items(headers) == [(name.lower(), value) for name, value in headers.raw]


def test_received_headers_are_what_httpx_makes_of_the_same_bytes() -> None:
    ours = received_headers(RAW)
    theirs = httpx.Headers(RAW)
    assert ours.raw == theirs.raw
    assert ours.multi_items() == theirs.multi_items()  # the same encoding found (utf-8 here)
    assert ours.encoding == theirs.encoding == "utf-8"
