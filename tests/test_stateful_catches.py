"""The stateful machines catch a target whose writes do not persist, and name the defect."""

from __future__ import annotations

import re

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from contract_tests import MockTarget
from contract_tests._failures import WriteNotPersisted
from contract_tests.suite.test_stateful import PlaylistMachine
from mockserver import BeatPassMock

ADD_TRACKS = re.compile(r"/playlists/(\d+)/tracks/add$")


class TracksNotStored(MockTarget):
    """The mock, except that adding tracks to a playlist answers 200 and stores nothing."""

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        match = ADD_TRACKS.search(request.url.path)
        playlist = self.mock.store.get("Playlist", int(match[1])) if match else None
        if request.method != "POST" or playlist is None:
            return self.mock.handler(request)
        before = list(playlist["tracks"])
        response = self.mock.handler(request)
        playlist["tracks"] = before  # the answer says stored; the store says otherwise
        return response


def broken() -> MockTarget:
    return TracksNotStored(BeatPassMock(seed=1, rate_limits=False))


def test_the_playlist_machine_reports_tracks_that_were_not_stored() -> None:
    machine = PlaylistMachine.for_target(broken)
    quick = settings(
        max_examples=30,
        stateful_step_count=10,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    with pytest.raises(WriteNotPersisted) as caught:
        run_state_machine_as_test(machine, settings=quick)
    failure = caught.value
    assert failure.check == "write_persists"
    assert failure.operation.startswith("playlists.tracks.list")
    assert "in the order added" in failure.expected
    assert str(failure).startswith("A write did not persist [write_persists]")


def test_the_playlist_machine_passes_on_the_unbroken_mock() -> None:
    machine = PlaylistMachine.for_target(
        lambda: MockTarget(BeatPassMock(seed=1, rate_limits=False))
    )
    quick = settings(
        max_examples=3, stateful_step_count=10, derandomize=True, database=None, deadline=None
    )
    run_state_machine_as_test(machine, settings=quick)
