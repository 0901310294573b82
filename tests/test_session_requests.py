"""An in-process target gets, straight from the session, the request its client would send."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_tests import MockTarget, Session
from contract_tests._requests import Draft
from mockserver import BeatPassMock
from spec import Tier

MOCK = BeatPassMock(seed=2, rate_limits=False)
DRAWS = settings(max_examples=5, database=None, deadline=None)


class Recording(MockTarget):
    """The mock, keeping every request its transport is handed."""

    def __init__(self, mock: BeatPassMock) -> None:
        super().__init__(mock)
        self.seen: list[httpx.Request] = []

    def transport(self) -> httpx.BaseTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            return self.mock.handler(request)

        return httpx.MockTransport(handler)


def _same(sent: httpx.Request, built: httpx.Request) -> None:
    assert (sent.method, sent.url, sent.content) == (built.method, built.url, built.content)
    assert sent.headers.multi_items() == built.headers.multi_items()


@pytest.mark.parametrize("op_id", sorted(MOCK.spec.operations))
def test_the_request_sent_is_the_one_the_client_builds(op_id: str) -> None:
    target = Recording(MOCK)
    session = Session(target)
    op = MOCK.spec.operations[op_id]
    invalid = session.strategies.invalid(op)
    drafts = (
        session.strategies.valid(op)
        if invalid is None
        else st.one_of(session.strategies.valid(op), invalid)
    )

    @DRAWS
    @given(draft=drafts, tier=st.sampled_from(op.tiers))
    def same_request(draft: Draft, tier: Tier) -> None:
        ex = session.send(draft, tier)
        built = session.client(tier).build_request(op.method, draft.path, **draft.send_kwargs())
        _same(target.seen[-1], built)
        assert ex.request is target.seen[-1]
        assert ex.response.content == ex.response.read()

    same_request()
    session.close()


@pytest.mark.parametrize(
    "params",
    [{}, {"query": "a b&c=d/é?#%+;"}, {"with": "tags,genres", "page": "2"}, {"x": ""}],
    ids=repr,
)
def test_query_text_is_written_as_the_client_writes_it(params: dict[str, str]) -> None:
    target = Recording(MOCK)
    with Session(target) as session:
        session.request("public", "GET", "/search", params=params)
        _same(
            target.seen[-1], session.client("public").build_request("GET", "/search", params=params)
        )


def test_each_request_is_written_with_its_own_params_in_their_order() -> None:
    """A query written once is kept for the next request with the same params (the two tiers
    of a read); the same pairs in another order, or other forms of params, are not those."""
    target = Recording(MOCK)
    sent = [
        {"query": "a", "limit": "1"},
        {"limit": "1", "query": "a"},
        [("types", "track"), ("types", "album")],
        "query=a&limit=2",
    ]
    with Session(target) as session:
        for params in sent:
            session.request("token", "GET", "/search", params=params)
            built = session.client("token").build_request("GET", "/search", params=params)
            _same(target.seen[-1], built)


def test_a_target_over_the_network_is_sent_through_its_client() -> None:
    class Remote(Recording):
        in_process = False

    hooked: list[httpx.Request] = []
    target = Remote(MOCK)
    with Session(target) as session:
        session.client("token").event_hooks["request"].append(hooked.append)
        session.read("tracks.show", "/tracks/1")
    assert hooked == target.seen[-1:]
