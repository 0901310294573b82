"""Preconditions as data: each operation that needs state gets it set up offline and then
succeeds; the rules for the refusals no precondition avoids explain them, and only them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

import spec
from contract_tests import MockTarget, Session
from contract_tests._checks import run_checks
from contract_tests._preconditions import NEEDS, Documented, Read
from contract_tests._requests import Draft
from mockserver import BeatPassMock

API = spec.load()
pytestmark = pytest.mark.usefixtures("isolated_coverage")


def _names(op_id: str, where: str) -> set[str]:
    op = API.operations[op_id]
    if where == "path":
        return {p.name for p in op.path_params}
    return set((op.body.schema.get("properties", {}) if op.body else {}).keys())


def _well_formed_ref(op_id: str, ref: str) -> bool:
    part, _, name = ref.partition(".")
    return ref == "caller" or (part in ("path", "body") and name in _names(op_id, part))


@pytest.mark.parametrize("op_id", sorted(NEEDS))
def test_needs_name_what_the_operations_hold(op_id: str) -> None:
    """A misspelt parameter would silently set nothing up: every name must exist."""
    needs = NEEDS[op_id]
    for where in [*needs.pools, *needs.values]:
        assert where != "caller", where
        assert _well_formed_ref(op_id, where), where
    for write in needs.writes:
        op = API.operations[write.op]
        assert not op.read_only, f"{write.op} is a read"
        assert write.who in ("caller", "owner", "anonymous") or _well_formed_ref(op_id, write.who)
        assert all(_well_formed_ref(op_id, ref) for ref in write.body.values()), write
        assert set(write.body) <= _names(write.op, "body"), write
        missing = {p.name for p in op.path_params} - set(write.path) - _names(op_id, "path")
        assert not missing, f"{write.op}: no value for {missing}"
    for source in needs.values.values():
        if isinstance(source, Read):
            assert API.operations[source.op].read_only, source.op
        else:
            assert isinstance(source, Documented)
            assert all(source.field in item for item in API.rule(source.rule))


@pytest.mark.parametrize("op_id", sorted(NEEDS))
def test_the_operation_succeeds_once_its_needs_are_set_up(op_id: str) -> None:
    """On a fresh mock, valid requests drawn with their preconditions get a success, and every
    answer passes the checks (acceptance included)."""
    op = API.operations[op_id]
    tier = "token" if "token" in op.tiers else "public"
    statuses: list[int] = []
    with Session(MockTarget(BeatPassMock(rate_limits=False))) as session:

        @settings(max_examples=8, database=None, suppress_health_check=list(HealthCheck))
        @given(draft=session.strategies.valid(op))
        def answered(draft: Draft) -> None:
            statuses.append(session.exercise(draft, tier).status)

        answered()
    assert any(s < 400 for s in statuses), statuses


def test_without_its_precondition_an_invitation_cannot_be_accepted() -> None:
    """The control: the same operation drawn without its needs is refused (404: no
    invitation), so the set-up is what makes it succeed."""
    op = API.operations["playlists.accept_invite"]
    with Session(MockTarget(BeatPassMock(rate_limits=False))) as session:
        bare = session.strategies._draft(op)

        @settings(max_examples=8, database=None)
        @given(draft=bare)
        def refused(draft: Draft) -> None:
            assert session.send(draft, "token").status == 404

        refused()


def test_a_live_target_sets_nothing_up() -> None:
    target = MockTarget(BeatPassMock(rate_limits=False))
    target.live = True  # what a live target says: writes are never sent
    with Session(target) as session:
        assert session.strategies.preconditions.needs(API.operations["auth.login"]) is None


# -- the refusals no documented precondition avoids: each rule explains them, and only them ---


class Refusing(MockTarget):
    """The mock, refusing the requests ``when`` picks with ``status``."""

    def __init__(self, when: Callable[[httpx.Request], bool], status: int) -> None:
        super().__init__(BeatPassMock(rate_limits=False))
        self.when, self.status = when, status

    def transport(self) -> httpx.BaseTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            if self.when(request):
                return httpx.Response(self.status, json={"message": "Refused."})
            return self.mock.handler(request)

        return httpx.MockTransport(handler)


def _acceptance(target: MockTarget, op_id: str, path: str, body: object = None) -> list[str]:
    with Session(target) as session:
        ex = session.send(Draft(API.operations[op_id], path, {}, body), "token")
        ex.valid = True
        return [f.check for f in run_checks(session.ctx, ex, ("positive_data_acceptance",))]


def _submission(target: MockTarget) -> tuple[str, dict[str, int]]:
    mine = target.owned_ids("Track", "id")
    others = [
        r["id"]
        for r in target.mock.records("BeatRequest")
        if r["_owner"] != target.user_id and r["_expires"] > target.now()
    ]
    return f"/beat-requests/{others[0]}/fulfill", {"track_id": mine[0]}


def test_a_duplicate_submission_is_explained_by_the_callers_submissions() -> None:
    target = MockTarget(BeatPassMock(rate_limits=False))
    path, body = _submission(target)
    assert _acceptance(target, "beat_requests.fulfill", path, body) == []  # 200
    assert _acceptance(target, "beat_requests.fulfill", path, body) == []  # 409, explained


def test_a_first_submission_refused_as_a_duplicate_fails() -> None:
    target = Refusing(lambda r: r.url.path.endswith("/fulfill"), 409)
    path, body = _submission(target)
    assert _acceptance(target, "beat_requests.fulfill", path, body) == ["positive_data_acceptance"]


def _messages(target: MockTarget, mine: bool) -> int:
    for message in target.mock.records("Message"):
        conversation = target.mock.store.get("Conversation", message["conversation_id"])
        if (target.user_id in conversation["_members"]) is mine:
            return int(message["id"])
    raise AssertionError("the seed holds both kinds")


def test_reading_a_message_of_others_conversation_is_explained() -> None:
    target = MockTarget(BeatPassMock(rate_limits=False))
    path = f"/messaging/messages/{_messages(target, mine=False)}/read"
    assert _acceptance(target, "messaging.messages.read", path) == []  # 404, explained


def test_reading_a_message_of_ones_own_conversation_refused_fails() -> None:
    target = Refusing(lambda r: r.url.path.endswith("/read"), 404)
    path = f"/messaging/messages/{_messages(target, mine=True)}/read"
    assert _acceptance(target, "messaging.messages.read", path) == ["positive_data_acceptance"]


@pytest.mark.parametrize("refused", [False, True], ids=["mock", "refuses-first-invite"])
def test_a_repeated_invitation_is_explained_a_first_one_is_not(refused: bool) -> None:
    target: MockTarget = (
        Refusing(lambda r: r.url.path.endswith("/invite"), 409)
        if refused
        else MockTarget(BeatPassMock(rate_limits=False))
    )
    playlist = target.owned_ids("Playlist", "id")[0]
    path, body = f"/playlists/{playlist}/invite", {"user_id": 7}
    first = _acceptance(target, "playlists.invite", path, body)
    assert first == (["positive_data_acceptance"] if refused else [])
    if not refused:
        assert _acceptance(target, "playlists.invite", path, body) == []  # 409, explained


@pytest.mark.parametrize("status", ["failed", "pending"])
def test_only_a_failed_fingerprint_refused_a_retry_fails(status: str) -> None:
    target = Refusing(lambda r: r.url.path.endswith("/retry"), 422)
    fingerprint = target.owned_ids("Fingerprint", "id")[0]
    target.mock.store.get("Fingerprint", fingerprint)["status"] = status
    found = _acceptance(target, "fingerprints.retry", f"/fingerprints/{fingerprint}/retry")
    assert found == (["positive_data_acceptance"] if status == "failed" else [])


def test_a_subset_run_stays_above_the_success_gate(pytester: pytest.Pytester) -> None:
    """A ``-k`` run of a few operations (coupons, credits: once, some never succeeded) passes
    the success gate: every operation it tries gets a success."""
    result = pytester.runpytest(
        "--pyargs", "contract_tests.suite.test_operations", "-k", "coupons or credits",
        "-p", "no:randomly",
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()[-2000:]
    result.stdout.no_fnmatch_line("*operations that never got a success*")
    result.stdout.fnmatch_lines(["*successes: */* operations tried with valid requests got one*"])
    line = next(x for x in result.stdout.lines if x.startswith("successes: "))
    got, tried = line.split()[1].split("/")
    assert got == tried, line
