"""Stateful properties: what a caller writes, the API reads back (one machine per flow).

Each ``RuleBasedStateMachine`` keeps a model of what the API must hold, sends writes through a
:class:`Session` (every answer also passes the standard checks), predicts each status from the
model, and reads everything back in its invariants. A broken target is reported by check name:
``write_persists`` (a read-back disagrees with the writes), ``state_rule_conformance`` (a write
got another status than the documented rule gives) or ``beat_request_allowance``.

``test_machine`` runs each machine on ``beatpass_target`` (a fresh mock of the machine's seed
per run, or of a user's ``MockTarget`` subclass); ``XxxMachine.for_target(factory)`` runs one on
any other target. Rules that need a second user's token (invitees, producers, recipients) or the
mock's clock or outbox run only when the target is a mock.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

import spec
from contract_tests._checks import _fail
from contract_tests._exchange import Exchange
from contract_tests._failures import (
    CheckFailure,
    RateLimitNotEnforced,
    WriteNotPersisted,
    WrongRejection,
)
from contract_tests._profiles import stateful_settings
from contract_tests._requests import Draft
from contract_tests._session import Session
from contract_tests._target import MockTarget, Target
from mockserver import BeatPassMock, ManualClock

HOUR = 3600
DAY = 24 * HOUR
WORDS = ("night", "drive", "velvet", "trap", "lofi", "summer", "cobalt", "echo", "drill", "soul")
NAMES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
TEXTS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
PERSISTS = "write_persists"
RULE = "state_rule_conformance"
ALLOWANCE = "beat_request_allowance"
FEW = 4  # records a machine creates: few, so rules meet each other's records

M = TypeVar("M", bound="ApiMachine")
API = spec.load()


def mock_target(seed: int = 0) -> Target:
    """The default target of a machine run: a fresh seeded mock without rate limits."""
    return MockTarget(BeatPassMock(seed=seed, rate_limits=False))


class ApiMachine(RuleBasedStateMachine):
    """A machine on one target, with helpers to send, predict and report."""

    seed: ClassVar[int] = 0
    target_factory: ClassVar[Callable[[], Target] | None] = None
    caller: ClassVar[int | None] = None
    """The user id behind the target's token (found on a mock; give it for other targets)."""

    def __init__(self) -> None:
        super().__init__()
        factory = type(self).target_factory
        self.target = factory() if factory is not None else mock_target(self.seed)
        self.session = Session(self.target)
        self.mock: BeatPassMock | None = getattr(self.target, "mock", None)
        self.me: int | None = self.caller
        if isinstance(self.target, MockTarget) and self.me is None:
            self.me = self.target.user_id
        self._tokens: dict[int, str] = {}

    @classmethod
    def for_target(
        cls: type[M], factory: Callable[[], Target], *, caller: int | None = None
    ) -> type[M]:
        """This machine on the targets ``factory`` makes (one per run); ``caller`` is the user
        id behind their token (so rules never ask a user to follow or message themselves)."""
        attrs = {"target_factory": staticmethod(factory), "caller": caller}
        return type(cls.__name__, (cls,), attrs)

    def teardown(self) -> None:
        self.session.close()

    # -- sending ----------------------------------------------------------------------------

    def call(
        self,
        op_id: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        user: int | None = None,
    ) -> Exchange:
        """Send as the target's caller (or as ``user``, mock only); apply the standard checks."""
        draft = Draft(self.session.operation(op_id), path, dict(params or {}), body)
        token = None if user is None or user == self.me else self.token_of(user)
        ex = self.session.send(draft, "token", token=token)
        self.session.check(ex)
        return ex

    def token_of(self, user: int) -> str:
        assert self.mock is not None, "another user's token needs the mock"
        if user not in self._tokens:
            self._tokens[user] = self.mock.issue_token(user)
        return self._tokens[user]

    def pool(self, resource: str) -> list[Any]:
        """Ids of ``resource`` the target holds (every record on a mock)."""
        if self.mock is not None:
            return [r["id"] for r in self.mock.records(resource)]
        return list(self.target.ids(resource, "id"))

    def pages(self, op_id: str, path: str, key: str = "pagination") -> tuple[Exchange, list[Any]]:
        """Every item of a paginated list (``perPage=100``), with the first page's exchange."""
        first: Exchange | None = None
        items: list[Any] = []
        page = 1
        while True:
            ex = self.call(op_id, path, params={"perPage": "100", "page": str(page)})
            first = first or ex
            if ex.status != 200:
                return first, items
            envelope = ex.body[key]
            items.extend(envelope["data"])
            if page >= int(envelope["last_page"]) or not envelope["data"]:
                return first, items
            page += 1

    # -- predicting and reporting -----------------------------------------------------------

    def expect(self, ex: Exchange, *statuses: int, why: str, check: str = RULE) -> None:
        """The documented rule gives one of ``statuses`` here (``why`` says which rule)."""
        if ex.status in statuses:
            return
        kind: type[CheckFailure]
        if 429 in statuses:
            kind = RateLimitNotEnforced
        elif min(statuses) < 300:
            kind = WriteNotPersisted
        else:
            kind = WrongRejection
        raise _fail(kind, check, ex, f"{' or '.join(map(str, statuses))}: {why}", ex.excerpt())

    def lost(self, ex: Exchange, expected: str, observed: Any) -> CheckFailure:
        return _fail(WriteNotPersisted, PERSISTS, ex, expected, str(observed)[:300])

    def gone(self, ex: Exchange, what: str) -> None:
        """A deleted record answers 404."""
        if ex.status != 404:
            raise self.lost(ex, f"404: {what} was deleted", ex.excerpt())

    def found(self, ex: Exchange, what: str) -> None:
        """A record created and not deleted (or the caller's own state) answers 200."""
        if ex.status != 200:
            raise self.lost(ex, f"200: {what} is readable", ex.excerpt())


needs_mock = precondition(lambda self: self.mock is not None)


def live(model: dict[Any, Any]) -> int:
    """How many modelled records are not deleted (deletes keep one, so rules meet records)."""
    return sum(not record.deleted for record in model.values())


# -- create, read, update, delete ------------------------------------------------------------


@dataclass
class Crud:
    """What a CRUD machine models of one record: its name, and whether it was deleted."""

    name: str
    deleted: bool = False


C = TypeVar("C", bound=Crud)


class CrudMachine(ApiMachine):
    """Create (a few), rename, delete (keeping one) and read back one resource's records.

    A subclass names its operations by ``prefix`` (``prefix.create``, ``.update``, ``.delete``,
    ``.show``), the path ``collection`` and the response key ``key``; it says what a create
    sends (:meth:`create_body`) and models (:meth:`new_model`), and adds its own rules."""

    records = Bundle("records")
    prefix: ClassVar[str]
    collection: ClassVar[str]
    key: ClassVar[str]
    created: ClassVar[int] = 201

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, Any] = {}

    def create_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        return {"name": name}

    def new_model(self, name: str, body: dict[str, Any], ex: Exchange) -> Crud:
        return Crud(name)

    def path(self, rid: int) -> str:
        return f"{self.collection}/{rid}"

    @precondition(lambda self: len(self.model) < FEW)
    @rule(target=records, name=NAMES, data=st.data())
    def create(self, name: str, data: st.DataObject) -> int:
        body = self.create_body(name, data)
        ex = self.call(f"{self.prefix}.create", self.collection, body=body)
        self.expect(ex, self.created, why=f"a valid new {self.key}")
        rid = int(ex.body[self.key]["id"])
        self.model[rid] = self.new_model(name, body, ex)
        return rid

    def update_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        return {"name": name}

    def apply_update(self, record: Any, body: dict[str, Any]) -> None:
        record.name = body.get("name", record.name)

    @rule(rid=records, name=NAMES, data=st.data())
    def update(self, rid: int, name: str, data: st.DataObject) -> None:
        record = self.model[rid]
        body = self.update_body(name, data)
        ex = self.call(f"{self.prefix}.update", self.path(rid), body=body)
        if record.deleted:
            return self.expect(ex, 404, why=f"{self.key} {rid} was deleted")
        self.expect(ex, 200, why=f"the owner updates {self.key} {rid}")
        answered = ex.body.get(self.key) if isinstance(ex.body, dict) else None
        if isinstance(answered, dict) and "name" in body and answered.get("name") != body["name"]:
            raise self.lost(ex, f"name {body['name']!r} (just sent) in the answer", answered)
        self.apply_update(record, body)

    def deleted(self, rid: int) -> None:
        """What else a delete changes in the model (a default preset, ...)."""

    @precondition(lambda self: live(self.model) >= 2)
    @rule(rid=records)
    def delete(self, rid: int) -> None:
        record = self.model[rid]
        ex = self.call(f"{self.prefix}.delete", self.path(rid))
        if record.deleted:
            return self.expect(ex, 404, why=f"{self.key} {rid} was already deleted")
        self.expect(ex, 200, why=f"the owner deletes {self.key} {rid}")
        record.deleted = True
        self.deleted(rid)

    def read_back(self, rid: int, record: Any, ex: Exchange) -> None:
        """What else a readable record must show (beyond its name)."""

    @invariant()
    def records_read_back(self) -> None:
        for rid, record in self.model.items():
            ex = self.call(f"{self.prefix}.show", self.path(rid))
            if record.deleted:
                self.gone(ex, f"{self.key} {rid}")
                continue
            self.found(ex, f"{self.key} {rid}")
            if ex.body[self.key]["name"] != record.name:
                raise self.lost(ex, f"name {record.name!r} (last set)", ex.body[self.key]["name"])
            self.read_back(rid, record, ex)


# -- 1. playlists -----------------------------------------------------------------------------


@dataclass
class PlaylistModel(Crud):
    tracks: list[int] = field(default_factory=list)
    followed: bool = False
    invited: set[int] = field(default_factory=set)
    editors: set[int] = field(default_factory=set)


class PlaylistMachine(CrudMachine):
    """Create, rename, add/remove tracks, editors, follows and delete; all read back."""

    seed = 1
    prefix, collection, key, created = "playlists", "/playlists", "playlist", 200
    playlists = CrudMachine.records
    MAX_EDITORS: ClassVar[int] = API.rule("playlists.max_editors")
    NEW_PLAYLISTS_EMPTY: ClassVar[bool] = True
    """A new playlist holds no tracks (set False for a target that seeds new playlists)."""

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, PlaylistModel] = {}
        self.tracks = self.pool("Track")[:12]  # few, so repeats (409) happen
        self.users = [u for u in self.pool("User") if u != self.me][:6]

    def create_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        return {"name": name, "public": data.draw(st.booleans(), label="public")}

    def new_model(self, name: str, body: dict[str, Any], ex: Exchange) -> PlaylistModel:
        model = PlaylistModel(name)
        if not self.NEW_PLAYLISTS_EMPTY:
            pid = int(ex.body["playlist"]["id"])
            tracks = self.pages("playlists.tracks.list", f"/playlists/{pid}/tracks")[1]
            model.tracks = [t["id"] for t in tracks]
        return model

    def _add(self, pid: int, ids: list[int], user: int | None = None) -> None:
        p = self.model[pid]
        path = f"/playlists/{pid}/tracks/add"
        ex = self.call("playlists.tracks.add", path, body={"ids": ids}, user=user)
        present = [i for i in ids if i in p.tracks]
        if p.deleted:
            self.expect(ex, 404, why=f"playlist {pid} was deleted")
        elif user is not None and user not in p.editors:
            self.expect(ex, 403, why=f"user {user} is not an editor of playlist {pid}")
        elif present:
            self.expect(ex, 409, why=f"track {present[0]} is already in playlist {pid}")
        else:
            self.expect(ex, 200, why=f"tracks {ids} are not yet in playlist {pid}")
            p.tracks.extend(ids)

    @rule(pid=playlists, data=st.data())
    def add_tracks(self, pid: int, data: st.DataObject) -> None:
        pick = st.lists(st.sampled_from(self.tracks), min_size=1, max_size=3, unique=True)
        self._add(pid, data.draw(pick, label="ids"))

    @rule(pid=playlists, data=st.data())
    def remove_tracks(self, pid: int, data: st.DataObject) -> None:
        p = self.model[pid]
        pick = st.lists(
            st.sampled_from(p.tracks or self.tracks), min_size=1, max_size=2, unique=True
        )
        ids = data.draw(pick, label="ids")
        ex = self.call(
            "playlists.tracks.remove", f"/playlists/{pid}/tracks/remove", body={"ids": ids}
        )
        missing = [i for i in ids if i not in p.tracks]
        if p.deleted:
            self.expect(ex, 404, why=f"playlist {pid} was deleted")
        elif missing:
            self.expect(ex, 404, 422, why=f"track {missing[0]} is not in playlist {pid}")
        else:
            self.expect(ex, 200, why=f"tracks {ids} are in playlist {pid}")
            p.tracks = [t for t in p.tracks if t not in ids]

    @rule(pid=playlists, data=st.data())
    def invite(self, pid: int, data: st.DataObject) -> None:
        p = self.model[pid]
        user = data.draw(st.sampled_from(self.users), label="user")
        path = f"/playlists/{pid}/invite"
        ex = self.call("playlists.invite", path, body={"user_id": user})
        if p.deleted:
            self.expect(ex, 404, why=f"playlist {pid} was deleted")
        elif user in p.invited or user in p.editors:
            self.expect(ex, 409, why=f"user {user} is already invited to playlist {pid}")
        elif len(p.invited) + len(p.editors) >= self.MAX_EDITORS:
            self.expect(ex, 429, why=f"playlist {pid} has {self.MAX_EDITORS} editors")
        else:
            self.expect(ex, 200, why=f"the owner invites user {user}")
            p.invited.add(user)

    def _member(self, data: st.DataObject, role: str) -> tuple[int, PlaylistModel, int]:
        """A playlist with invitees (``role="invited"``) or editors, and one of them or, now
        and then, a user who is not."""
        having = sorted(pid for pid, p in self.model.items() if getattr(p, role))
        pid = data.draw(st.sampled_from(having), label="pid")
        p = self.model[pid]
        members: set[int] = getattr(p, role)
        stranger = [u for u in self.users if u not in members][-1:]
        return pid, p, data.draw(st.sampled_from(sorted(members) + stranger), label="user")

    @needs_mock
    @precondition(lambda self: any(p.invited for p in self.model.values()))
    @rule(data=st.data(), accept=st.sampled_from([True, True, False]))  # editors feed 2 rules
    def answer_invitation(self, data: st.DataObject, accept: bool) -> None:
        pid, p, user = self._member(data, "invited")
        verb = "accept" if accept else "decline"
        ex = self.call(f"playlists.{verb}_invite", f"/playlists/{pid}/{verb}-invite", user=user)
        if p.deleted:
            self.expect(ex, 404, why=f"playlist {pid} was deleted")
        elif user not in p.invited:
            self.expect(ex, 404, why=f"user {user} has no pending invitation to playlist {pid}")
        else:
            self.expect(ex, 200, why=f"user {user} may {verb} a pending invitation")
            p.invited.discard(user)
            if accept:
                p.editors.add(user)

    @precondition(lambda self: any(p.editors for p in self.model.values()))
    @rule(data=st.data())
    def remove_editor(self, data: st.DataObject) -> None:
        """The owner removes an editor, who may then no longer change the tracks."""
        pid, p, user = self._member(data, "editors")
        path = f"/playlists/{pid}/remove-editor"
        ex = self.call("playlists.remove_editor", path, body={"user_id": user})
        if p.deleted:
            self.expect(ex, 404, why=f"playlist {pid} was deleted")
        elif user not in p.editors:
            self.expect(ex, 404, 422, why=f"user {user} is not an editor of playlist {pid}")
        else:
            self.expect(ex, 200, why=f"the owner removes editor {user}")
            p.editors.discard(user)

    @precondition(lambda self: any(p.tracks and not p.deleted for p in self.model.values()))
    @rule(data=st.data(), complete=st.booleans())
    def reorder(self, data: st.DataObject, complete: bool) -> None:
        """The owner reorders the tracks; a list that is not a permutation of them is 422."""
        filled = sorted(pid for pid, p in self.model.items() if p.tracks and not p.deleted)
        pid = data.draw(st.sampled_from(filled), label="pid")
        p = self.model[pid]
        ids = data.draw(st.permutations(p.tracks), label="ids")
        if not complete:
            ids = [*ids, ids[0]]  # the first track twice
        path = f"/playlists/{pid}/tracks/order"
        ex = self.call("playlists.tracks.order", path, body={"ids": ids})
        if not complete:
            return self.expect(ex, 422, why=f"{ids} is not a permutation of {p.tracks}")
        self.expect(ex, 200, why=f"{ids} is a permutation of playlist {pid}'s tracks")
        p.tracks = list(ids)

    @needs_mock
    @precondition(lambda self: any(p.editors for p in self.model.values()))
    @rule(data=st.data())
    def add_tracks_as_other(self, data: st.DataObject) -> None:
        """An editor may change the tracks; anyone else is refused."""
        pid, _, user = self._member(data, "editors")
        pick = st.lists(st.sampled_from(self.tracks), min_size=1, max_size=2, unique=True)
        self._add(pid, data.draw(pick, label="ids"), user=user)

    @rule(pid=playlists)
    def follow(self, pid: int) -> None:
        p = self.model[pid]
        ex = self.call("playlists.follow", f"/playlists/{pid}/follow")
        if p.deleted:
            return self.expect(ex, 404, why=f"playlist {pid} was deleted")
        # playlists.follow documents no 409: following twice succeeds.
        self.expect(ex, 200, why=f"following playlist {pid}")
        p.followed = True

    @rule(pid=playlists)
    def unfollow(self, pid: int) -> None:
        p = self.model[pid]
        ex = self.call("playlists.unfollow", f"/playlists/{pid}/unfollow")
        if p.deleted or not p.followed:
            return self.expect(ex, 404, why=f"playlist {pid} is deleted or not followed")
        self.expect(ex, 200, why=f"unfollowing followed playlist {pid}")
        p.followed = False

    def read_back(self, rid: int, record: Any, ex: Exchange) -> None:
        first, tracks = self.pages("playlists.tracks.list", f"/playlists/{rid}/tracks")
        ids = [t["id"] for t in tracks]
        if first.status != 200 or ids != record.tracks:
            raise self.lost(
                first,
                f"tracks {record.tracks} in the order added or last set",
                ids or first.excerpt(),
            )


# -- 2. collections ---------------------------------------------------------------------------


@dataclass
class CollectionModel(Crud):
    description: str | None = None


class CollectionMachine(CrudMachine):
    """Create, read, update and delete collections; list totals follow."""

    seed = 2
    prefix, collection, key = "collections", "/collections", "collection"

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, CollectionModel] = {}
        self.base = {op: self._total(op)[1] for op in ("collections.list", "collections.user.list")}

    def _total(self, op_id: str) -> tuple[Exchange, int]:
        path = "/collections/user" if op_id == "collections.user.list" else "/collections"
        ex = self.call(op_id, path)
        return ex, int(ex.body["pagination"]["total"]) if ex.status == 200 else -1

    def create_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        return {"name": name, "description": data.draw(st.none() | TEXTS, label="description")}

    def new_model(self, name: str, body: dict[str, Any], ex: Exchange) -> CollectionModel:
        return CollectionModel(name, description=body["description"])

    def update_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        new = data.draw(st.none() | st.just(name), label="name")
        description = data.draw(st.none() | TEXTS, label="description")
        return {k: v for k, v in (("name", new), ("description", description)) if v is not None}

    def apply_update(self, record: Any, body: dict[str, Any]) -> None:
        super().apply_update(record, body)
        record.description = body.get("description", record.description)

    def read_back(self, rid: int, record: Any, ex: Exchange) -> None:
        got = ex.body["collection"].get("description")
        if got != record.description:
            raise self.lost(ex, f"description {record.description!r} (last set)", got)

    @invariant()
    def list_totals_follow(self) -> None:
        # Only the change of each total is asserted: what a target listed before the run
        # is not the machine's to know.
        alive = [cid for cid, c in self.model.items() if not c.deleted]
        for op_id, base in self.base.items():
            ex, total = self._total(op_id)
            if total != base + len(alive):
                expected = f"total {base + len(alive)} ({base} before, {len(alive)} created live)"
                raise self.lost(ex, expected, f"total {total}")
            page = ex.body["pagination"]
            if int(page["last_page"]) == 1:
                listed = {item["id"] for item in page["data"]}
                if not set(alive) <= listed or listed & {i for i in self.model if i not in alive}:
                    raise self.lost(ex, f"the live created collections {alive} listed", listed)


@dataclass
class AlbumModel(Crud):
    description: str | None = None


class AlbumMachine(CrudMachine):
    """Create, rename, describe and delete albums: each reads back as last written, and each
    update's answer shows what was sent."""

    seed = 8
    prefix, collection, key = "albums", "/albums", "album"

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, AlbumModel] = {}

    def create_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        return {"name": name, "description": data.draw(TEXTS, label="description")}

    def new_model(self, name: str, body: dict[str, Any], ex: Exchange) -> AlbumModel:
        return AlbumModel(name, description=body["description"])

    def update_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        return {"name": name, "description": data.draw(TEXTS, label="description")}

    def apply_update(self, record: Any, body: dict[str, Any]) -> None:
        super().apply_update(record, body)
        record.description = body["description"]

    def read_back(self, rid: int, record: Any, ex: Exchange) -> None:
        got = ex.body["album"].get("description")
        if got != record.description:
            raise self.lost(ex, f"description {record.description!r} (last set)", got)


# -- 3. beat requests -------------------------------------------------------------------------


def _costs_of(api: spec.Spec) -> dict[int, int]:
    return {t["hours"]: t["tokens"] for t in api.rule("beat_requests.duration_tiers")}


def _costs(target: Target) -> dict[int, int]:
    """Token cost by duration: the spec's duration tiers (24 h = 1 token, ...)."""
    return _costs_of(target.spec)


@dataclass
class RequestModel:
    hours: int
    expires: float
    submissions: list[tuple[int, int]] = field(default_factory=list)
    deleted: bool = False


class BeatRequestMachine(ApiMachine):
    """Create within the token allowance, fulfil, renew after expiry, delete (owner only)."""

    seed = 3
    requests = Bundle("beat_requests")
    RESET_DAY: ClassVar[int] = API.rule("beat_requests.allowance_reset_day")
    RENEWAL_WINDOW: ClassVar[int] = API.rule("beat_requests.renewal_window_days") * DAY
    MAX_SUBMISSIONS: ClassVar[int] = API.rule("beat_requests.max_submissions_per_producer")
    REFUNDS_ON_DELETE: ClassVar[bool] = True
    """beat_requests.delete: "spent tokens are refunded, capped at the plan allowance"."""

    def __init__(self) -> None:
        super().__init__()
        self.costs = _costs(self.target)
        self.model: dict[str, RequestModel] = {}
        status = self._status()[1]
        self.limit, self.used_before = int(status["monthly_limit"]), int(status["used_this_month"])
        self.spends: list[tuple[float, int, str]] = []  # (when, tokens, request id)
        self.started = self.target.now()  # tokens spent before the run count in its month
        # Two month boundaries and more, yet inside the tokens' lifetime (policies: 90 days).
        self.max_advance = (API.policies.token_lifetime_days - 10) * DAY
        self.advanced = 0.0
        self.producers: dict[int, list[int]] = {}
        self.my_tracks: list[int] = []
        if self.mock is not None:
            artists = self.mock.records("Artist")
            owner: dict[int, int] = {a["id"]: int(a["_user"]) for a in artists if a.get("_user")}
            for track in self.mock.records("Track"):
                for user in {owner[a] for a in track.get("artists", []) if a in owner}:
                    self.producers.setdefault(user, []).append(int(track["id"]))
            self.my_tracks = self.producers.pop(self.me, []) if self.me is not None else []
            self.producers = dict(sorted(self.producers.items())[:3])  # repeats (409) happen

    def _status(self) -> tuple[Exchange, dict[str, Any]]:
        path = "/beat-requests/user/rate-limit-status"
        ex = self.call("beat_requests.user.rate_limit_status.show", path)
        self.found(ex, "the token allowance")
        return ex, ex.body["data"]

    def month_start(self, at: float) -> float:
        """The allowance resets on the rule's day of each month, 00:00 UTC."""
        day = datetime.datetime.fromtimestamp(at, datetime.timezone.utc)
        start = day.replace(day=self.RESET_DAY, hour=0, minute=0, second=0, microsecond=0)
        if start > day:
            start = (start - datetime.timedelta(days=28)).replace(day=self.RESET_DAY)
        return start.timestamp()

    def used(self) -> int:
        month = self.month_start(self.target.now())
        before = self.used_before if self.month_start(self.started) == month else 0
        return before + sum(n for at, n, _ in self.spends if at >= month)

    def remaining(self) -> int:
        return max(self.limit - self.used(), 0)

    def expired(self, r: RequestModel) -> bool:
        return self.target.now() >= r.expires

    @rule(target=requests, hours=st.sampled_from(sorted(_costs_of(API))))
    def create(self, hours: int) -> Any:
        cost, left = self.costs[hours], self.remaining()
        body = {
            "content": "Dark trap beat, 140 bpm",
            "reference_track": "https://example.test/ref",
            "duration_hours": hours,
        }
        ex = self.call("beat_requests.create", "/beat-requests", body=body)
        if left < cost:
            self.expect(ex, 429, why=f"{cost} tokens needed, {left} left", check=ALLOWANCE)
            return multiple()
        self.expect(ex, 201, why=f"{cost} tokens needed, {left} left", check=ALLOWANCE)
        info = ex.body.get("token_info")
        if info is not None and int(info["tokens_remaining"]) != left - cost:
            raise self.lost(ex, f"token_info.tokens_remaining {left - cost}", info)
        rid = str(ex.body["data"]["id"])
        self.spends.append((self.target.now(), cost, rid))
        self.model[rid] = RequestModel(hours, self.target.now() + hours * HOUR)
        return rid

    @needs_mock
    @rule(rid=requests, data=st.data())
    def fulfil(self, rid: str, data: st.DataObject) -> None:
        r = self.model[rid]
        producer = data.draw(st.sampled_from(sorted(self.producers)), label="producer")
        track = data.draw(st.sampled_from(self.producers[producer][:6]), label="track")
        path = f"/beat-requests/{rid}/fulfill"
        ex = self.call("beat_requests.fulfill", path, body={"track_id": track}, user=producer)
        mine = [t for u, t in r.submissions if u == producer]
        if r.deleted:
            self.expect(ex, 404, why=f"beat request {rid} was deleted")
        elif self.expired(r):
            self.expect(ex, 410, why=f"beat request {rid} has expired")
        elif track in mine:
            self.expect(ex, 409, why=f"user {producer} already submitted track {track}")
        elif len(mine) >= self.MAX_SUBMISSIONS:
            self.expect(ex, 422, why=f"user {producer} has {len(mine)} submissions")
        else:
            self.expect(ex, 200, why=f"user {producer} submits own track {track}")
            r.submissions.append((producer, track))

    @needs_mock
    @precondition(lambda self: bool(self.my_tracks))
    @rule(rid=requests)
    def fulfil_own(self, rid: str) -> None:
        r = self.model[rid]
        path = f"/beat-requests/{rid}/fulfill"
        ex = self.call("beat_requests.fulfill", path, body={"track_id": self.my_tracks[0]})
        if r.deleted:
            return self.expect(ex, 404, why=f"beat request {rid} was deleted")
        statuses = (403, 410) if self.expired(r) else (403,)
        self.expect(ex, *statuses, why="the owner cannot submit to their own request")

    @rule(rid=requests)
    def renew(self, rid: str) -> None:
        r = self.model[rid]
        cost, left, now = self.costs[r.hours], self.remaining(), self.target.now()
        ex = self.call("beat_requests.renew", f"/beat-requests/{rid}/renew")
        if r.deleted:
            self.expect(ex, 404, why=f"beat request {rid} was deleted")
        elif not self.expired(r):
            self.expect(ex, 409, why=f"beat request {rid} is still active")
        elif now - r.expires > self.RENEWAL_WINDOW:
            self.expect(ex, 410, why=f"beat request {rid} expired outside the renewal window")
        elif left < cost:
            self.expect(ex, 429, why=f"renewal needs {cost} tokens, {left} left", check=ALLOWANCE)
        else:
            self.expect(ex, 200, why=f"beat request {rid} expired within the renewal window")
            self.spends.append((now, cost, rid))
            r.expires = now + r.hours * HOUR

    @needs_mock
    @precondition(lambda self: self.advanced + 241 * HOUR + 7 < self.max_advance)
    @rule(hours=st.sampled_from([1, 25, 73, 241]))
    def advance(self, hours: int) -> None:
        # The extra 7 s keep every comparison off an exact expiry or month boundary.
        clock = self.mock.clock if self.mock is not None else None
        assert isinstance(clock, ManualClock), "moving time needs the mock's manual clock"
        clock.advance(hours * HOUR + 7)
        self.advanced += hours * HOUR + 7

    @needs_mock
    @rule(rid=requests, data=st.data())
    def intrude(self, rid: str, data: st.DataObject) -> None:
        """Someone else may neither delete nor renew the request."""
        r = self.model[rid]
        user = data.draw(st.sampled_from(sorted(self.producers)), label="user")
        if data.draw(st.booleans(), label="delete"):
            ex = self.call("beat_requests.delete", f"/beat-requests/{rid}", user=user)
        else:
            ex = self.call("beat_requests.renew", f"/beat-requests/{rid}/renew", user=user)
        if r.deleted:
            return self.expect(ex, 404, why=f"beat request {rid} was deleted")
        self.expect(ex, 403, why=f"user {user} does not own beat request {rid}")

    @rule(rid=requests)
    def delete(self, rid: str) -> None:
        r = self.model[rid]
        ex = self.call("beat_requests.delete", f"/beat-requests/{rid}")
        if r.deleted:
            return self.expect(ex, 404, why=f"beat request {rid} was already deleted")
        self.expect(ex, 200, why=f"the owner deletes beat request {rid}")
        r.deleted = True
        if self.REFUNDS_ON_DELETE:
            self.spends = [s for s in self.spends if s[2] != rid]

    @invariant()
    def allowance_follows(self) -> None:
        ex, status = self._status()
        if int(status["tokens_remaining"]) != self.remaining():
            expected = f"tokens_remaining {self.remaining()} ({self.limit} less {self.used()})"
            raise self.lost(ex, expected, status)

    @invariant()
    def requests_read_back(self) -> None:
        for rid, r in self.model.items():
            ex = self.call("beat_requests.show", f"/beat-requests/{rid}")
            if r.deleted:
                self.gone(ex, f"beat request {rid}")
                continue
            self.found(ex, f"beat request {rid}")
            ex = self.call("beat_requests.submissions.list", f"/beat-requests/{rid}/submissions")
            self.found(ex, f"beat request {rid}")
            got = sorted((s.get("user_id"), s["track_id"]) for s in ex.body["data"])
            if got != sorted(r.submissions):
                raise self.lost(ex, f"(user, track) submissions {sorted(r.submissions)}", got)


# -- 4. library and follows -------------------------------------------------------------------


class LibraryMachine(ApiMachine):
    """Save/remove tracks, log plays, follow/unfollow users and artists; lists, counts and
    status agree."""

    seed = 4

    def __init__(self) -> None:
        super().__init__()
        self.liked = set(self._liked()[1])
        self.tracks = self.pool("Track")[:10]
        self.users = [u for u in self.pool("User") if u != self.me][:6]
        # Which artist is the caller's own is known on a mock only; elsewhere, users alone.
        self.my_artists = sorted(
            a["id"]
            for a in (self.mock.records("Artist") if self.mock else [])
            if a.get("_user") == self.me
        )
        artists = self.pool("Artist") if self.mock is not None else []
        self.artists = [a for a in artists if a not in self.my_artists][:6]
        self.following: dict[tuple[str, int], bool] = {}

    def _liked(self) -> tuple[Exchange, list[int]]:
        first, items = self.pages("users.me.liked_tracks.list", "/users/me/liked-tracks")
        self.found(first, "the caller's library")
        return first, [t["id"] for t in items]

    def _status(self, kind: str, key: int) -> tuple[Exchange, bool]:
        op_id = f"{kind}.follow_status.show"
        ex = self.call(op_id, f"/{kind}/{key}/follow-status")
        self.found(ex, f"{kind[:-1]} {key}")
        return ex, bool(ex.body["following"])

    @rule(data=st.data(), save=st.booleans())
    def library(self, data: st.DataObject, save: bool) -> None:
        track = data.draw(st.sampled_from(self.tracks), label="track")
        op_id, verb = (
            ("add_to_library", "add-to") if save else ("remove_from_library", "remove-from")
        )
        ex = self.call(f"users.me.{op_id}", f"/users/me/{verb}-library", body={"track_id": track})
        if save and track in self.liked:
            return self.expect(ex, 409, why=f"track {track} is already saved")
        if not save and track not in self.liked:
            return self.expect(ex, 404, why=f"track {track} is not in the library")
        self.expect(ex, 200, why=f"{verb.split('-')[0]} track {track}")
        (self.liked.add if save else self.liked.discard)(track)

    @rule(data=st.data(), kind=st.sampled_from(["users", "artists"]), on=st.booleans())
    def follow(self, data: st.DataObject, kind: str, on: bool) -> None:
        kind = kind if self.artists else "users"
        key = data.draw(
            st.sampled_from(self.users if kind == "users" else self.artists), label="id"
        )
        if (kind, key) not in self.following:
            self.following[kind, key] = self._status(kind, key)[1]
        verb = "follow" if on else "unfollow"
        ex = self.call(f"{kind}.{verb}", f"/{kind}/{key}/{verb}")
        was = self.following[kind, key]
        if on and was:
            return self.expect(ex, 409, why=f"{kind[:-1]} {key} is already followed")
        if not on and not was:
            return self.expect(ex, 404, why=f"{kind[:-1]} {key} is not followed")
        self.expect(ex, 200, why=f"{verb} {kind[:-1]} {key}")
        self.following[kind, key] = on

    def _plays(self, track: int) -> tuple[Exchange, int]:
        ex = self.call("tracks.show", f"/tracks/{track}")
        self.found(ex, f"track {track}")
        return ex, int(ex.body["track"]["plays"])

    @rule(data=st.data())
    def play(self, data: st.DataObject) -> None:
        """A logged play is counted once on the track (``side_effect: event``)."""
        track = data.draw(st.sampled_from(self.tracks), label="track")
        before = self._plays(track)[1]
        ex = self.call("tracks.plays.create", f"/tracks/{track}/plays")
        self.expect(ex, 200, why=f"a play of track {track}")
        after, plays = self._plays(track)
        if plays != before + 1:
            raise self.lost(after, f"plays {before + 1} (one play logged)", f"plays {plays}")

    @precondition(lambda self: self.me is not None)
    @rule(artist=st.booleans())
    def follow_self(self, artist: bool) -> None:
        kind, key = (
            ("artists", self.my_artists[0]) if artist and self.my_artists else ("users", self.me)
        )
        ex = self.call(f"{kind}.follow", f"/{kind}/{key}/follow")
        self.expect(ex, 422, why=f"{kind[:-1]} {key} is the caller's own")

    @invariant()
    def library_lists_what_was_saved(self) -> None:
        ex, ids = self._liked()
        if set(ids) != self.liked or len(ids) != len(set(ids)):
            raise self.lost(ex, f"liked tracks {sorted(self.liked)}", sorted(ids))

    @invariant()
    def follow_status_agrees(self) -> None:
        for (kind, key), on in self.following.items():
            ex, following = self._status(kind, key)
            if following != on:
                raise self.lost(ex, f"following={on}", f"following={following}")
        first, users = self.pages("users.me.followed_users.list", "/users/me/followed-users")
        listed = {u["id"] for u in users}
        for (kind, key), on in self.following.items():
            if kind == "users" and (key in listed) != on:
                raise self.lost(first, f"user {key} {'' if on else 'not '}listed", sorted(listed))


# -- 5. exclusive licence presets -------------------------------------------------------------


class PresetMachine(CrudMachine):
    """Preset CRUD and the default preset."""

    seed = 5
    prefix, collection, key = (
        "exclusive_license_presets",
        "/exclusive-license-presets",
        "preset",
    )
    presets = CrudMachine.records
    CHECKS_DEFAULT: ClassVar[bool] = True
    """The default is the preset last set (set False for a target without defaults)."""

    def __init__(self) -> None:
        super().__init__()
        self.default: int | None = None
        self.default_known = False

    def create_body(self, name: str, data: st.DataObject) -> dict[str, Any]:
        price = data.draw(st.integers(0, 500), label="price")
        return {"name": name, "price": price, "terms": "Exclusive rights"}

    @rule(pid=presets, artist_route=st.booleans())
    def set_default(self, pid: int, artist_route: bool) -> None:
        p = self.model[pid]
        if artist_route:
            path = "/artist/exclusive-license-default"
            ex = self.call("artist.exclusive_license_default.set", path, body={"preset_id": pid})
            refused: tuple[int, ...] = (404, 422)
        else:
            path = f"/exclusive-license-presets/{pid}/set-default"
            ex = self.call("exclusive_license_presets.set_default", path)
            refused = (404,)
        if p.deleted:
            return self.expect(ex, *refused, why=f"preset {pid} was deleted")
        self.expect(ex, 200, why=f"preset {pid} becomes the default")
        self.default, self.default_known = pid, True

    def deleted(self, rid: int) -> None:
        if self.default == rid:
            self.default_known = False  # what becomes the default then is not documented

    @invariant()
    def presets_listed(self) -> None:
        ex = self.call("exclusive_license_presets.list", "/exclusive-license-presets")
        listed = {item["id"] for item in ex.body["presets"]}
        live = {pid for pid, p in self.model.items() if not p.deleted}
        if not live <= listed or listed & (set(self.model) - live):
            raise self.lost(ex, f"live presets {sorted(live)} listed, deleted ones not", listed)

    @precondition(lambda self: self.CHECKS_DEFAULT and self.default_known)
    @invariant()
    def default_is_last_set(self) -> None:
        ex = self.call("artist.exclusive_license_default.show", "/artist/exclusive-license-default")
        got = (ex.body.get("preset") or {}).get("id") if ex.status == 200 else ex.excerpt()
        if got != self.default:
            raise self.lost(ex, f"preset {self.default} (the one last set as default)", got)


# -- 6. messaging -----------------------------------------------------------------------------


@dataclass
class MessageModel:
    id: int
    sender: int | None
    text: str
    read_by: set[int | None] = field(default_factory=set)


@dataclass
class ConversationModel:
    members: list[int | None]
    messages: list[MessageModel] = field(default_factory=list)


class MessagingMachine(ApiMachine):
    """Conversations, messages and read marks; unread counts and the outbox follow."""

    seed = 6
    conversations = Bundle("conversations")

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[int, ConversationModel] = {}
        # A pair has one direct conversation (messaging.one_direct_conversation_per_pair): the
        # peers are users the caller has none with yet, so the model knows every message.
        ex = self.call(
            "messaging.conversations.list", "/messaging/conversations", params={"limit": "200"}
        )
        self.found(ex, "the caller's conversations")
        talked = {
            p.get("id")
            for c in ex.body["data"]
            if c.get("type") == "direct"
            for p in c.get("participants") or ()
        }
        self.peers = [u for u in self.pool("User") if u != self.me and u not in talked][:4]
        self.base_unread: dict[int | None, int] = {self.me: self._unread(self.me)[1]}
        self.base_outbox = len(self.mock.outbox) if self.mock is not None else 0

    def _unread(self, user: int | None) -> tuple[Exchange, int]:
        ex = self.call("messaging.unread_count.show", "/messaging/unread-count", user=user)
        self.found(ex, "the unread count")
        return ex, int(ex.body["data"]["unread_count"])

    def _involve(self, users: list[int]) -> None:
        """Read a user's unread count before the machine first writes to them (mock only)."""
        for user in users:
            if self.mock is not None and user not in self.base_unread:
                self.base_unread[user] = self._unread(user)[1]

    def _record(self, cid: int, ex: Exchange, message: dict[str, Any], sender: int | None) -> None:
        if message.get("message_text") is None or not isinstance(message.get("id"), int):
            raise self.lost(ex, "the sent message with its id", ex.excerpt())
        conversation = self.model[cid]
        text = str(message["message_text"])
        conversation.messages.append(MessageModel(message["id"], sender, text))

    @precondition(lambda self: len(self.model) < FEW)
    @rule(target=conversations, data=st.data(), text=TEXTS)
    def start(self, data: st.DataObject, text: str) -> int:
        peers = data.draw(
            st.lists(st.sampled_from(self.peers), min_size=1, max_size=2, unique=True)
        )
        self._involve(peers)
        body: dict[str, Any] = {"message_text": text}
        body.update({"user_id": peers[0]} if len(peers) == 1 else {"user_ids": peers})
        ex = self.call("messaging.conversations.start", "/messaging/conversations/start", body=body)
        self.expect(ex, 201, why=f"a conversation with users {peers}")
        cid = int(ex.body["data"]["conversation"]["id"])
        if len(peers) == 1 and cid in self.model:  # the pair's direct conversation, again
            if self.model[cid].members != [self.me, *peers]:
                raise self.lost(ex, "a new conversation (no direct one with these users)", cid)
        else:
            if cid in self.model:
                raise self.lost(ex, "a new group conversation", f"conversation {cid} again")
            self.model[cid] = ConversationModel([self.me, *peers])
        self._record(cid, ex, ex.body["data"]["message"], self.me)
        return cid

    def _send(self, cid: int, text: str, sender: int | None) -> None:
        body = {"conversation_id": cid, "message_text": text}
        ex = self.call("messaging.messages.create", "/messaging/messages", body=body, user=sender)
        self.expect(ex, 201, why=f"user {sender} writes in conversation {cid}")
        self._record(cid, ex, ex.body["data"], sender)

    @rule(cid=conversations, text=TEXTS)
    def send(self, cid: int, text: str) -> None:
        self._send(cid, text, self.me)

    @needs_mock
    @rule(cid=conversations, data=st.data(), text=TEXTS)
    def reply(self, cid: int, data: st.DataObject, text: str) -> None:
        peers = [m for m in self.model[cid].members if m != self.me]
        self._send(cid, text, data.draw(st.sampled_from(peers), label="sender"))

    def _reader(self, cid: int, data: st.DataObject) -> int | None:
        members = self.model[cid].members if self.mock is not None else [self.me]
        return data.draw(st.sampled_from(members), label="reader")

    @rule(cid=conversations, data=st.data(), read=st.booleans())
    def mark(self, cid: int, data: st.DataObject, read: bool) -> None:
        """Mark a whole conversation read, or unread, for one participant."""
        reader = self._reader(cid, data)
        verb = "read" if read else "unread"
        path = f"/messaging/conversations/{cid}/{verb}"
        ex = self.call(f"messaging.conversations.{verb}", path, user=reader)
        self.expect(ex, 200, why=f"user {reader} takes part in conversation {cid}")
        for message in self.model[cid].messages:
            if read and message.sender != reader:
                message.read_by.add(reader)
            elif not read:
                message.read_by.discard(reader)

    @rule(cid=conversations, data=st.data())
    def read_message(self, cid: int, data: st.DataObject) -> None:
        reader = self._reader(cid, data)
        message = data.draw(st.sampled_from(self.model[cid].messages), label="message")
        path = f"/messaging/messages/{message.id}/read"
        ex = self.call("messaging.messages.read", path, user=reader)
        self.expect(ex, 200, why=f"user {reader} reads a message of their conversation")
        if message.sender != reader:
            message.read_by.add(reader)

    @needs_mock
    @rule(cid=conversations, data=st.data())
    def outsider_reads(self, cid: int, data: st.DataObject) -> None:
        outsiders = [u for u in self.peers if u not in self.model[cid].members]
        if not outsiders:
            return
        user = data.draw(st.sampled_from(outsiders), label="outsider")
        path = f"/messaging/conversations/{cid}/messages"
        ex = self.call("messaging.conversations.messages.list", path, user=user)
        self.expect(ex, 403, why=f"user {user} is not a participant of conversation {cid}")

    @invariant()
    def messages_read_back(self) -> None:
        for cid, conversation in self.model.items():
            path = f"/messaging/conversations/{cid}/messages"
            ex = self.call("messaging.conversations.messages.list", path, params={"limit": "200"})
            self.found(ex, f"conversation {cid}")
            got = [(m["id"], m["message_text"]) for m in ex.body["data"]]
            sent = [(m.id, m.text) for m in conversation.messages]
            if got != sent:
                raise self.lost(ex, f"the messages sent, in order: {sent}", got)

    @invariant()
    def unread_counts_follow(self) -> None:
        for user, base in self.base_unread.items():
            unread = sum(
                1
                for c in self.model.values()
                if user in c.members
                for m in c.messages
                if m.sender != user and user not in m.read_by
            )
            ex, count = self._unread(user)
            if count != base + unread:
                expected = f"unread_count {base + unread} for user {user} ({base} before)"
                raise self.lost(ex, expected, f"unread_count {count}")

    @needs_mock
    @invariant()
    def outbox_gains_one_per_recipient(self) -> None:
        assert self.mock is not None
        sent = sorted(
            (m.id, r)
            for c in self.model.values()
            for m in c.messages
            for r in c.members
            if r != m.sender
        )
        got = sorted(
            (e["message_id"], e["to_user_id"]) for e in self.mock.outbox[self.base_outbox :]
        )
        if got != sent:
            ex = self._unread(self.me)[0]
            raise self.lost(ex, f"outbox entries (message, recipient) {sent}", got)


# -- 7. purchases and licences ---------------------------------------------------------------


@dataclass
class LicenceModel:
    track: int
    revoked: bool = False


class PurchaseMachine(ApiMachine):
    """Buy tracks (never your own, never twice, never a sold exclusive), generate, check, verify
    and revoke licences: each purchase is one captured charge, and the lists agree.

    Which tracks are the caller's, sold or already licensed is read from the mock; on another
    target the pool is its first five tracks, each assumed for sale and not yet bought."""

    seed = 7
    licences = Bundle("licences")

    def __init__(self) -> None:
        super().__init__()
        mock = self.mock
        tracks = mock.records("Track") if mock is not None else []
        own = mock.owned("Track", self.me) if mock is not None and self.me is not None else []
        # Tracks with a seeded licence of the caller's are left out: which one a second
        # generate-license answers with is not documented.
        licensed = {
            lic["track_id"]
            for lic in (mock.records("License") if mock is not None else [])
            if lic.get("_owner") == self.me
        }
        owned = {t["id"] for t in own}
        self.own = sorted(owned - licensed)[:1]
        others = [t for t in tracks if t["id"] not in owned and t["id"] not in licensed]
        self.sold = {t["id"] for t in others if t.get("exclusive_status") == "sold"}
        for_sale = [t["id"] for t in others if t["id"] not in self.sold]
        pool = for_sale[:4] + sorted(self.sold)[:1] if mock is not None else self.pool("Track")[:5]
        self.tracks = sorted(self.own + pool)
        self.bought = {t for t in self.tracks if self._purchased(t)[1]}
        self.generated: set[int] = set()
        self.model: dict[str, LicenceModel] = {}
        self.base_charges = len(mock.charges) if mock is not None else 0
        self.charged: list[int] = []

    def _purchased(self, track: int) -> tuple[Exchange, bool]:
        ex = self.call("tracks.purchase.status.show", f"/tracks/{track}/purchase/status")
        self.found(ex, f"the purchase status of track {track}")
        body = ex.body
        return ex, bool(body["purchased"] if "purchased" in body else body["data"]["has_purchased"])

    @rule(data=st.data())
    def price(self, data: st.DataObject) -> None:
        track = data.draw(st.sampled_from(self.tracks), label="track")
        ex = self.call(
            "tracks.purchase.calculate_price", f"/tracks/{track}/purchase/calculate-price"
        )
        self.found(ex, f"the price of track {track}")
        quote = ex.body.get("data", ex.body)
        total = quote.get("total_price", quote.get("total_amount"))
        if abs(quote["base_price"] + quote["platform_fee"] - total) > 0.011:
            raise _fail(CheckFailure, RULE, ex, "total = base price + platform fee", quote)

    @rule(data=st.data())
    def buy(self, data: st.DataObject) -> None:
        track = data.draw(st.sampled_from(self.tracks), label="track")
        ex = self.call("tracks.purchase.initiate", f"/tracks/{track}/purchase/initiate")
        if track in self.own:
            return self.expect(ex, 422, why=f"track {track} is the caller's own")
        if track in self.bought:  # 409 in the error catalogue, 422 on commerce.mdx
            return self.expect(ex, 409, 422, why=f"track {track} was already purchased")
        if track in self.sold:
            return self.expect(ex, 410, why=f"track {track} is an exclusive already sold")
        self.expect(ex, 200, why=f"track {track} is for sale and not yet bought")
        self.bought.add(track)
        self.charged.append(track)

    @precondition(lambda self: any(t not in self.generated for t in self.tracks))
    @rule(target=licences, data=st.data())
    def generate(self, data: st.DataObject) -> Any:
        fresh = [t for t in self.tracks if t not in self.generated]
        bought = [t for t in fresh if t in self.bought]  # mostly these: licences need them
        pick = (
            st.sampled_from(bought) | st.sampled_from(fresh) if bought else st.sampled_from(fresh)
        )
        track = data.draw(pick, label="track")
        path = f"/tracks/{track}/generate-license"
        ex = self.call("tracks.generate_license", path, body={})
        if track not in self.bought:
            self.expect(ex, 403, why=f"track {track} was not purchased")
            return multiple()
        self.expect(ex, 200, why=f"track {track} was purchased")
        licence = ex.body["license"]
        if licence["track_id"] != track:
            raise self.lost(ex, f"a licence for track {track}", licence)
        self.generated.add(track)
        self.model[licence["uuid"]] = LicenceModel(track)
        return licence["uuid"]

    @rule(uuid=licences)
    def verify(self, uuid: str) -> None:
        ex = self.call("licenses.verify", f"/verify-license/{uuid}")
        self.found(ex, f"licence {uuid}")
        if ex.body["valid"] == self.model[uuid].revoked:
            raise self.lost(ex, f"valid={not self.model[uuid].revoked}", ex.body)

    @rule(uuid=licences)
    def revoke(self, uuid: str) -> None:
        ex = self.call("licenses.revoke", f"/licenses/{uuid}/revoke")
        self.expect(ex, 200, why=f"the holder revokes licence {uuid}")
        self.model[uuid].revoked = True

    @needs_mock
    @rule(uuid=licences, data=st.data())
    def revoke_as_other(self, uuid: str, data: st.DataObject) -> None:
        assert self.mock is not None
        users = [u["id"] for u in self.mock.records("User") if u["id"] != self.me][:3]
        user = data.draw(st.sampled_from(users), label="user")
        ex = self.call("licenses.revoke", f"/licenses/{uuid}/revoke", user=user)
        self.expect(ex, 403, why=f"user {user} does not hold licence {uuid}")

    @invariant()
    def licences_follow(self) -> None:
        for track in self.tracks:
            held = any(m.track == track and not m.revoked for m in self.model.values())
            ex = self.call("tracks.check_license", f"/tracks/{track}/check-license")
            self.found(ex, f"the licence status of track {track}")
            if ex.body["has_license"] != held:
                raise self.lost(ex, f"has_license={held} for track {track}", ex.body)

    @invariant()
    def purchases_read_back(self) -> None:
        for track in self.tracks:
            ex, purchased = self._purchased(track)
            if purchased != (track in self.bought):
                raise self.lost(ex, f"purchased={track in self.bought} for track {track}", ex.body)

    @invariant()
    def purchase_list_agrees(self) -> None:
        """``purchases.list`` holds a purchase of each track bought, of no track not bought."""
        ex = self.call("purchases.list", "/purchases")
        self.found(ex, "the caller's purchases")
        listed = {p["track_id"] for p in ex.body["data"]} & set(self.tracks)
        if listed != self.bought:
            raise self.lost(ex, f"purchases of tracks {sorted(self.bought)}", sorted(listed))

    @invariant()
    def licence_list_agrees(self) -> None:
        """``user.licenses.list`` holds every licence generated and not revoked, for its track."""
        first, items = self.pages("user.licenses.list", "/user/licenses")
        self.found(first, "the caller's licences")
        listed = {item["uuid"]: item.get("track_id") for item in items if "uuid" in item}
        for uuid, licence in self.model.items():
            if not licence.revoked and listed.get(uuid) != licence.track:
                expected = f"licence {uuid} of track {licence.track} listed"
                raise self.lost(first, expected, sorted(listed.items())[:10])

    @precondition(lambda self: self.mock is not None)
    @invariant()
    def one_charge_per_purchase(self) -> None:
        assert self.mock is not None
        got = [c["track_id"] for c in self.mock.charges[self.base_charges :]]
        if got != self.charged:
            ex = self._purchased(self.tracks[0])[0]
            raise self.lost(ex, f"one captured charge per purchase, for tracks {self.charged}", got)


# -- the test cases ---------------------------------------------------------------------------


MACHINES = [
    pytest.param(PlaylistMachine, 30, 40, id="playlists"),
    pytest.param(CollectionMachine, 15, 25, id="collections"),
    pytest.param(BeatRequestMachine, 20, 35, id="beat-requests"),
    pytest.param(LibraryMachine, 15, 25, id="library"),
    pytest.param(PresetMachine, 15, 25, id="presets"),
    pytest.param(MessagingMachine, 20, 25, id="messaging"),
    pytest.param(PurchaseMachine, 15, 25, id="purchases"),
    pytest.param(AlbumMachine, 10, 20, id="albums"),
]


def fresh_like(target: Target, seed: int) -> Callable[[], Target]:
    """Targets like ``beatpass_target``, one per machine run: a machine needs a world nobody
    else has written to, so a mock target (the default, or a user's subclass of
    ``MockTarget``, configured as the user configured it) is moved to a fresh mock of the
    machine's seed (``MockTarget.on``); any other target is used as it is."""
    if isinstance(target, MockTarget):
        return lambda: target.on(BeatPassMock(seed=seed, rate_limits=False))
    return lambda: target


@pytest.mark.beatpass_writes
@pytest.mark.parametrize(("machine", "examples", "steps"), MACHINES)
def test_machine(
    beatpass_target: Target, machine: type[ApiMachine], examples: int, steps: int
) -> None:
    """Each machine on the suite's target (``beatpass_target``: the mock unless overridden)."""
    runnable = machine.for_target(fresh_like(beatpass_target, machine.seed))
    run_state_machine_as_test(
        runnable, settings=stateful_settings(max_examples=examples, stateful_step_count=steps)
    )
