"""A session writes the URL of an in-process request itself; it is the URL httpx would parse
from the same text, whatever the text (``contract_tests._urls``)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contract_tests._urls import QueryTexts, joined

BASE = httpx.URL("http://mock.beatpass.test/api/v1/")
PIECES = [*"/.%?#&=+ aZ09-_~!$'()*,;:@[]{}|\\^`\"<>\t\u00e9\u2603", "%2F", "%e9", "..", "/./"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=20).map("".join)


def _expected(path: str, query: str) -> httpx.URL:
    text = str(BASE).rstrip("/") + path
    return httpx.URL(text + "?" + query if query else text)


def _same(got: httpx.URL, expected: httpx.URL) -> None:
    assert str(got) == str(expected)
    assert (got.raw_path, got.path, got.query, got.fragment) == (
        expected.raw_path,
        expected.path,
        expected.query,
        expected.fragment,
    )
    assert got.params.multi_items() == expected.params.multi_items()
    assert (got.scheme, got.host, got.port) == (expected.scheme, expected.host, expected.port)


@settings(max_examples=400, database=None, deadline=None)
@given(path=TEXT.map(lambda t: "/" + t), query=TEXT)
@example(path="/tracks/./1", query="")
@example(path="/tracks/..", query="")
@example(path="/tracks/%zz", query="q=%")
@example(path="/tracks/1#top", query="")
@example(path="/tracks/1?x=1", query="page=2")
@example(path="/search", query="q=caf%C3%A9&page=1")
def test_the_url_written_is_the_one_httpx_parses(path: str, query: str) -> None:
    try:
        expected = _expected(path, query)
    except httpx.InvalidURL:
        with pytest.raises(httpx.InvalidURL):
            joined(BASE, path, query)
        return
    _same(joined(BASE, path, query), expected)


@pytest.mark.parametrize("path", ["", "tracks/1"])
def test_a_path_not_from_the_root_is_joined_as_httpx_joins_it(path: str) -> None:
    _same(joined(BASE, path), _expected(path, ""))


def test_a_url_too_long_for_httpx_is_refused_as_httpx_refuses_it() -> None:
    with pytest.raises(httpx.InvalidURL):
        joined(BASE, "/search", "q=" + "a" * 70_000)
    long_host = httpx.URL("http://" + "h" * 40_000 + ".test/api/")
    with pytest.raises(httpx.InvalidURL):
        joined(long_host, "/search", "q=" + "a" * 30_000)


@pytest.mark.parametrize(
    "base",
    ["http://h.test/a?x=1", "http://h.test/a/#top", "http://h.test/a/?", "http://h.test/a/#"],
)
def test_a_base_with_a_query_or_fragment_is_joined_as_httpx_joins_it(base: str) -> None:
    parsed = httpx.URL(base)
    text = str(parsed).rstrip("/") + "/tracks/1"
    for query in ("", "page=2"):
        got, expected = (
            joined(parsed, "/tracks/1", query),
            httpx.URL(text + "?" + query if query else text),
        )
        assert str(got) == str(expected)


def test_the_text_a_session_writes_is_not_parsed_back(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    original = httpx.URL.__init__

    def counting(self: httpx.URL, url: object = "", **kwargs: object) -> None:
        parsed.append(str(url))
        original(self, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.URL, "__init__", counting)
    query = str(httpx.QueryParams({"query": "caf\u00e9 & co", "page": 2}))
    url = joined(BASE, "/tracks/" + "a%2Fb", query)
    assert parsed == []
    assert str(url) == "http://mock.beatpass.test/api/v1/tracks/a%2Fb?query=caf%C3%A9+%26+co&page=2"
    joined(BASE, "/tracks/a b")  # text httpx would re-encode: parsed by httpx
    assert parsed == ["http://mock.beatpass.test/api/v1/tracks/a b"]


QUERY = st.dictionaries(
    st.text(max_size=6), st.one_of(st.text(max_size=8), st.integers(), st.booleans()), max_size=4
)


@settings(max_examples=300, database=None, deadline=None)
@given(first=QUERY, second=QUERY)
def test_query_text_is_the_text_httpx_writes(
    first: dict[str, object], second: dict[str, object]
) -> None:
    texts = QueryTexts()
    for params in (first, second, first, dict(first), dict(reversed(first.items()))):
        assert texts(params) == str(httpx.QueryParams(params))


def test_the_same_pairs_in_another_order_are_another_text() -> None:
    texts = QueryTexts()
    assert texts({"page": "2", "query": "x"}) == "page=2&query=x"
    assert texts({"query": "x", "page": "2"}) == "query=x&page=2"  # an equal dict


@pytest.mark.parametrize(
    "params",
    [
        httpx.QueryParams([("with", "tags"), ("with", "genres")]),
        [("query", "a"), ("query", "b")],
        "query=a&page=2",
        {"with": ["tags", "genres"]},
    ],
    ids=["repeated keys", "pairs", "text", "a list value"],
)
def test_params_of_any_form_httpx_takes_are_its_text(params: object) -> None:
    texts = QueryTexts()
    for _ in range(2):
        assert texts(params) == str(httpx.QueryParams(params))  # type: ignore[arg-type]


def test_equal_params_of_other_types_are_not_the_same_text() -> None:
    texts = QueryTexts()
    assert texts({"a": "1"}) == "a=1"
    assert texts({"a": 1}) == "a=1"
    assert texts({"a": True}) == "a=true"  # equal to {"a": 1} as a dict
    assert texts({"a": "true"}) == "a=true"


def test_the_same_params_are_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import contract_tests._urls as urls

    encoded: list[object] = []
    monkeypatch.setattr(urls, "urlencode", lambda p: encoded.append(p) or "x=1")
    texts = QueryTexts()
    params = {"query": "caf\u00e9", "page": "2"}
    assert texts(params) == texts(dict(params)) == "x=1"
    assert len(encoded) == 1
    texts({"query": "caf\u00e9", "page": "3"})
    assert len(encoded) == 2
