"""While a mock is active nothing reaches the real API's host, whatever the client; mocks
nest; respx and pytest-httpx recipes work; call lists read like respx's and stay bounded.

Nothing here touches the network: every refused connection is refused before resolution, and
the test that proves no socket is opened watches the interpreter's own audit events.
"""

from __future__ import annotations

import asyncio
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import httpx
import pytest
import requests

from mockserver import BackgroundServer, BeatPassMock, _core
from mockserver._isolation import MockActiveError, guarded

API = "https://open.beatpass.ca/api/v1"
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_requests_fails_naming_the_mock(beatpass_mock: BeatPassMock) -> None:
    with pytest.raises(requests.ConnectionError, match="BeatPassMock is active"):
        requests.get(f"{API}/tracks/1", timeout=5)


def test_urllib_fails_naming_the_mock(beatpass_mock: BeatPassMock) -> None:
    with pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen(f"{API}/tracks/1", timeout=5)
    assert isinstance(caught.value.reason, MockActiveError)


def test_raw_sockets_fail_naming_the_mock(beatpass_mock: BeatPassMock) -> None:
    with pytest.raises(MockActiveError, match="BeatPassMock is active"):
        socket.create_connection(("open.beatpass.ca", 443), timeout=5)
    with (
        socket.socket() as sock,
        pytest.raises(MockActiveError, match=r"open\.beatpass\.ca"),
    ):
        sock.connect(("OPEN.BEATPASS.CA", 443))
    with pytest.raises(MockActiveError):
        socket.getaddrinfo("open.beatpass.ca.", 443)


def test_aiohttp_fails_naming_the_mock(beatpass_mock: BeatPassMock) -> None:
    async def fetch() -> None:
        async with aiohttp.ClientSession() as session:
            await session.get(f"{API}/tracks/1")

    with pytest.raises(aiohttp.ClientConnectionError, match="BeatPassMock is active"):
        asyncio.run(fetch())


def test_other_hosts_and_httpx_are_untouched(beatpass_mock: BeatPassMock) -> None:
    served = BeatPassMock(seed=1)
    with BackgroundServer(served.served_handler) as server:
        local = requests.get(f"{server.base_url}/tracks/1", timeout=10)
    assert local.status_code == 200
    assert socket.getaddrinfo("localhost", 80)
    mocked = httpx.get(f"{API}/tracks/1", headers=beatpass_mock.auth_headers())
    assert mocked.status_code == 200


def test_the_guard_goes_when_the_last_mock_stops() -> None:
    original = socket.getaddrinfo
    with BeatPassMock(), BeatPassMock():
        assert guarded() == {"open.beatpass.ca"}
        assert socket.getaddrinfo is not original
    assert guarded() == frozenset()
    assert socket.getaddrinfo is original


def test_the_innermost_mock_answers_then_the_outer_one_again() -> None:
    def me(token: str) -> int:
        return httpx.get(
            f"{API}/users/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code

    with BeatPassMock(tokens=["outer"]) as outer:
        assert (me("outer"), me("inner")) == (200, 401)
        with BeatPassMock(seed=2, tokens=["inner"]) as inner:
            assert (me("inner"), me("outer")) == (200, 401)
        assert (me("outer"), me("inner")) == (200, 401)
    assert inner.routes["users.show"].call_count == 2
    assert outer.routes["users.show"].call_count == 4


@pytest.mark.beatpass_mock(rate_limits=False)
def test_route_calls_read_like_respx_and_stay_bounded(
    beatpass_mock: BeatPassMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_core, "CALLS", 1000)
    route = beatpass_mock.routes["tracks.show"]
    assert not route.called
    with pytest.raises(IndexError):
        _ = route.calls.last
    with httpx.Client(headers=beatpass_mock.auth_headers()) as client:
        for n in range(1, 1201):
            client.get(f"{API}/tracks/{1 + n % 3}")
    assert route.called
    assert route.call_count == route.calls.call_count == 1200
    assert len(route.calls) == 1000
    assert route.calls.last.request.url.path == "/api/v1/tracks/1"
    assert route.calls.last.response.status_code == 200
    request, response = route.calls[0]
    assert (request.method, response.status_code) == ("GET", 200)


def test_respx_keeps_no_call_list_of_its_own(beatpass_mock: BeatPassMock) -> None:
    from mockserver._mock import _ACTIVE

    with httpx.Client() as client:
        for _ in range(50):
            client.get(f"{API}/tracks/1")
    router = _ACTIVE.router
    assert router is not None
    assert len(router.calls) == 0
    assert len(beatpass_mock.requests) == 50


def test_no_socket_is_opened_to_the_api_host(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_audit="""
        import sys

        import pytest
        import requests

        EVENTS = []
        sys.addaudithook(
            lambda event, args: EVENTS.append((event, args))
            if event in ("socket.getaddrinfo", "socket.connect") else None
        )


        def test_nothing_reaches_the_host(beatpass_mock):
            with pytest.raises(requests.ConnectionError, match="BeatPassMock is active"):
                requests.get("https://open.beatpass.ca/api/v1/tracks/1", timeout=5)
            assert not [e for e in EVENTS if "beatpass" in repr(e[1])], EVENTS
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_readme_respx_and_pytest_httpx_recipes_pass(pytester: pytest.Pytester) -> None:
    recipe = re.search(r"```python\n(import httpx\nimport pytest\n\nAPI = .*?)```", README, re.S)
    assert recipe is not None, "the README lost its respx / pytest-httpx recipes"
    pytester.makepyfile(test_recipes=recipe.group(1))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)
