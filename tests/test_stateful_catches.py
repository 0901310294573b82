"""The stateful machines catch a target whose writes do not persist, and name the defect: every
machine has a broken mock it fails on, and passes on the unbroken one."""

from __future__ import annotations

import copy
import re

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from contract_tests import MockTarget
from contract_tests._failures import DerivedFigureWrong, WriteNotPersisted
from contract_tests.suite.test_stateful import (
    AlbumMachine,
    ApiMachine,
    BeatRequestMachine,
    CollectionMachine,
    LibraryMachine,
    MessagingMachine,
    PlaylistMachine,
    PresetMachine,
    PurchaseMachine,
)
from mockserver import BeatPassMock


class WriteNotStored(MockTarget):
    """The mock, except that a POST matching ``pattern`` answers as usual and then leaves the
    records of ``resource`` as they were: the answer says stored, the store says otherwise."""

    def __init__(self, mock: BeatPassMock, pattern: str, resource: str) -> None:
        super().__init__(mock)
        self.pattern = re.compile(pattern)
        self.resource = resource
        """A resource name, or ``edges:KIND`` for a relationship (follows, saves)."""

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or not self.pattern.search(request.url.path):
            return self.mock.handler(request)
        store = self.mock.store
        kind, _, name = self.resource.rpartition(":")
        table = store.edges if kind == "edges" else store.records
        before = copy.deepcopy(table[name])
        response = self.mock.handler(request)
        table[name] = before
        store.touch()
        return response


QUICK = settings(
    max_examples=30,
    stateful_step_count=10,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize(
    ("machine", "seed", "pattern", "resource", "reported_by", "expected"),
    [
        (
            PlaylistMachine,
            1,
            r"/playlists/\d+/tracks/add$",
            "Playlist",
            "playlists.tracks.list",
            "in the order added",
        ),
        (
            PlaylistMachine,
            1,
            r"/playlists/\d+/tracks/order$",
            "Playlist",
            "playlists.tracks.list",
            "or last set",
        ),
        (
            PurchaseMachine,
            7,
            r"/purchase/initiate$",
            "Purchase",
            "tracks.purchase.status.show|purchases.list",
            "purchased=True|purchases of tracks",
        ),
        (
            PurchaseMachine,
            7,
            r"/licenses/[^/]+/revoke$",
            "License",
            "licenses.verify|tracks.check_license",
            "valid=False|has_license=False",
        ),
        (
            PurchaseMachine,
            7,
            r"/tracks/\d+/generate-license$",
            "License",
            "user.licenses.list",
            "listed",
        ),
        (
            CollectionMachine,
            2,
            r"/collections$",
            "Collection",
            "collections.show|collections.(user.)?list",
            "200|total",
        ),
        (
            BeatRequestMachine,
            3,
            r"/beat-requests/[^/]+/fulfill$",
            "Submission",
            "beat_requests.submissions.list",
            "submissions",
        ),
        (
            LibraryMachine,
            4,
            r"/users/me/add-to-library$",
            "edges:library",
            "users.me.liked_tracks.list",
            "liked tracks",
        ),
        (
            PresetMachine,
            5,
            r"/exclusive-license-presets$",
            "LicensePreset",
            "exclusive_license_presets.(show|list)",
            "200|listed",
        ),
        (
            MessagingMachine,
            6,
            r"/messaging/messages$",
            "Message",
            "messaging.conversations.messages.list",
            "in order",
        ),
    ],
    ids=[
        "tracks-add",
        "tracks-order",
        "purchase",
        "licence-revoke",
        "licence-list",
        "collection-create",
        "beat-request-fulfil",
        "library-save",
        "preset-create",
        "message-send",
    ],
)
def test_a_machine_reports_a_write_that_was_not_stored(
    machine: type[ApiMachine],
    seed: int,
    pattern: str,
    resource: str,
    reported_by: str,
    expected: str,
) -> None:
    def broken() -> MockTarget:
        return WriteNotStored(BeatPassMock(seed=seed, rate_limits=False), pattern, resource)

    with pytest.raises(WriteNotPersisted) as caught:
        run_state_machine_as_test(machine.for_target(broken), settings=QUICK)
    failure = caught.value
    assert failure.check == "write_persists"
    assert re.match(reported_by, failure.operation), failure.operation
    assert re.search(expected, failure.expected), failure.expected
    assert str(failure).startswith("A write did not persist [write_persists]")


class Stale(MockTarget):
    """The mock, except for one stale answer: ``"play"``, a play is acknowledged and not
    counted; ``"update"``, a PUT answers the record as it was
    before the write (the write itself is stored); ``"detail"``, a GET of one album answers
    the body it answered the first time (a cache of bodies never invalidated; the headers,
    its rate-limit counter's among them, are the current ones)."""

    def __init__(self, mock: BeatPassMock, kind: str) -> None:
        super().__init__(mock)
        self.kind = kind
        self.first: dict[str, httpx.Response] = {}

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.kind == "play" and path.endswith("/plays"):  # acknowledged, not counted
            tracks = self.mock.store.records["Track"]
            plays = {tid: t.get("plays") for tid, t in tracks.items()}
            response = self.mock.handler(request)
            for tid, count in plays.items():
                tracks[tid]["plays"] = count
            self.mock.store.touch()
            return response
        if self.kind == "update" and request.method == "PUT":
            before = self.mock.handler(httpx.Request("GET", request.url, headers=request.headers))
            after = self.mock.handler(request)
            return httpx.Response(after.status_code, content=before.content, headers=after.headers)
        if self.kind == "detail" and request.method == "GET" and re.search(r"/albums/\d+$", path):
            fresh = self.mock.handler(request)  # counted: the headers are the server's own
            first = self.first.setdefault(path, fresh)
            return httpx.Response(first.status_code, content=first.content, headers=fresh.headers)
        return self.mock.handler(request)


@pytest.mark.parametrize(
    ("machine", "kind", "expected"),
    [
        (LibraryMachine, "play", "one play logged"),
        (AlbumMachine, "update", "just sent"),
        (PlaylistMachine, "update", "just sent"),
        (AlbumMachine, "detail", "last set"),
    ],
)
def test_a_machine_reports_a_stale_answer(
    machine: type[ApiMachine], kind: str, expected: str
) -> None:
    def broken() -> MockTarget:
        return Stale(BeatPassMock(seed=machine.seed, rate_limits=False), kind)

    with pytest.raises(WriteNotPersisted) as caught:
        run_state_machine_as_test(machine.for_target(broken), settings=QUICK)
    assert caught.value.check == "write_persists"
    assert expected in caught.value.expected, caught.value.expected


class LengthNotKept(MockTarget):
    """The mock, except that a playlist's ``totalDuration`` keeps the value it had when it was
    made: right for a new playlist, stale once a track is added or removed."""

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        playlists = self.mock.store.records["Playlist"]
        kept = {pid: p.get("totalDuration") for pid, p in playlists.items()}
        response = self.mock.handler(request)
        for pid, length in kept.items():
            if pid in playlists:
                playlists[pid]["totalDuration"] = length
        self.mock.store.touch()
        return response


def test_a_machine_reports_a_derived_figure_that_does_not_follow_a_write() -> None:
    """Each comparison is made once per state of the target: the same playlist read again
    after a write is judged again, so a length that stayed behind its tracks is reported."""

    def broken() -> MockTarget:
        return LengthNotKept(BeatPassMock(seed=1, rate_limits=False))

    with pytest.raises(DerivedFigureWrong) as caught:
        run_state_machine_as_test(PlaylistMachine.for_target(broken), settings=QUICK)
    assert caught.value.check == "derived_figure_agreement"
    assert caught.value.operation.startswith("playlists.show")
    assert "playlist.totalDuration" in caught.value.expected


@pytest.mark.parametrize(
    ("machine", "seed"),
    [
        (PlaylistMachine, 1),
        (CollectionMachine, 2),
        (BeatRequestMachine, 3),
        (LibraryMachine, 4),
        (PresetMachine, 5),
        (MessagingMachine, 6),
        (PurchaseMachine, 7),
        (AlbumMachine, 8),
    ],
)
def test_the_machine_passes_on_the_unbroken_mock(machine: type[ApiMachine], seed: int) -> None:
    unbroken = machine.for_target(lambda: MockTarget(BeatPassMock(seed=seed, rate_limits=False)))
    quick = settings(
        max_examples=3, stateful_step_count=10, derandomize=True, database=None, deadline=None
    )
    run_state_machine_as_test(unbroken, settings=quick)


def test_machines_do_not_shrink_under_ci_but_do_under_dev() -> None:
    # Shrinking a failing machine under ci would spend Hypothesis's five-minute cap per machine
    # (every step reads its records back); the failure already names check and operation.
    from hypothesis import Phase

    from contract_tests import _profiles

    before = _profiles.active()
    try:
        _profiles.activate("ci")
        assert Phase.shrink not in _profiles.stateful_settings().phases
        assert Phase.generate in _profiles.stateful_settings().phases
        _profiles.activate("dev")
        assert Phase.shrink in _profiles.stateful_settings().phases
    finally:
        _profiles.activate(before)


def test_the_shipped_machines_run_on_the_suite_target(pytester: pytest.Pytester) -> None:
    """A user's ``beatpass_target`` (here a mock that forgets saved tracks) is where the
    shipped machines run: the library machine fails on it, naming write_persists."""
    pytester.makeconftest(
        """
        import copy, httpx, pytest
        from contract_tests import MockTarget
        from mockserver import BeatPassMock

        class Forgetful(MockTarget):
            def transport(self):
                def handler(request):
                    if not request.url.path.endswith("/add-to-library"):
                        return self.mock.handler(request)
                    before = copy.deepcopy(self.mock.store.edges["library"])
                    response = self.mock.handler(request)
                    self.mock.store.edges["library"] = before
                    self.mock.store.touch()
                    return response
                return httpx.MockTransport(handler)

        @pytest.fixture
        def beatpass_target():
            return Forgetful(BeatPassMock(seed=4, rate_limits=False))
        """
    )
    result = pytester.runpytest(
        "--pyargs", "contract_tests.suite.test_stateful", "-k", "library", "-p", "no:randomly"
    )
    assert result.parseoutcomes().get("failed") == 1
    result.stdout.fnmatch_lines(["*A write did not persist [[]write_persists[]]*"])


class Configured(MockTarget):
    """A user's target with an argument of its own, and no default for it."""

    def __init__(self, mock: BeatPassMock, defect: str) -> None:
        super().__init__(mock)
        self.defect = defect


def test_a_machine_runs_on_the_users_target_as_configured_on_a_fresh_mock() -> None:
    from contract_tests.suite.test_stateful import fresh_like

    theirs = Configured(BeatPassMock(seed=4, rate_limits=False), defect="forget-deletes")
    made = fresh_like(theirs, seed=7)
    first, second = made(), made()
    assert isinstance(first, Configured)
    assert first.defect == "forget-deletes"
    assert first.mock is not theirs.mock
    assert second.mock is not first.mock  # one world per machine run
    assert first.token == first.mock.token
    assert first.base_url == str(first.mock.base_url).rstrip("/")
    assert first.mock.seed == 7
    assert theirs.mock.seed == 4  # the user's own target is left as it was


class SetUpOnItsMock(MockTarget):
    """A user's target built from its mock alone, that sets something up on it."""

    def __init__(self, mock: BeatPassMock) -> None:
        super().__init__(mock)
        self.seen: list[str] = []
        mock.store.add("Genre", {"name": "set-up", "display_name": "Set up"})


def test_a_target_built_from_its_mock_alone_is_built_again() -> None:
    theirs = SetUpOnItsMock(BeatPassMock(seed=4, rate_limits=False))
    fresh = theirs.on(BeatPassMock(seed=7, rate_limits=False))
    assert isinstance(fresh, SetUpOnItsMock)
    assert fresh.seen is not theirs.seen
    assert any(g.get("name") == "set-up" for g in fresh.mock.store.all("Genre"))
