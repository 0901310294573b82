"""What a valid request of an operation needs first, as data beside the request strategies.

Some valid requests succeed only in a state the random draw does not give: an invitation to
accept, a pin to remove, a followed playlist, a playlist's exact track order, a coupon code the
docs name. Each entry of :data:`NEEDS` says, for one operation, how the strategy gets there,
with one mechanism for all:

- ``pools``: draw an id among the caller's records (``mine``) or others' (``others``) only;
- ``writes``: documented writes sent first, on the target, as the caller, the owner of the
  record the request names, a user the body names, or anonymously;
- ``values``: request values taken from what the target says (a documented read) or from the
  documented data (a spec rule), never invented.

Offline only: live, nothing is written, and a read whose precondition does not hold is judged
by the acceptance rules (``_acceptance``), as any refusal is. A write the target refuses means
the precondition cannot hold for this draw: the example is rejected (Hypothesis counts it as
filtered, and fails its health check when that happens too often), never sent as "valid".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx
from hypothesis import reject
from hypothesis import strategies as st

from spec import Operation, Spec

from ._acceptance import facts_of, path_values
from ._requests import Draft
from ._requests import query_text as _text
from ._target import Target

Pool = Literal["mine", "others"]


@dataclass(frozen=True)
class Write:
    """A documented write sent before the request.

    ``who`` sends it: ``caller``, ``owner`` (of the record the request's first path parameter
    names), ``anonymous``, or ``body.FIELD`` (the user that body field of the request names).
    ``body`` and ``path`` give its fields and path parameters from the request: ``caller``,
    ``body.FIELD`` or ``path.NAME`` (a path parameter of the same name needs no entry)."""

    op: str
    who: str = "caller"
    body: Mapping[str, str] = field(default_factory=dict)
    path: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Read:
    """Request values from a documented read: ``key`` of the items at ``items`` (a dotted key)
    of its answer; one of them, or with ``permutation`` all of them in a drawn order."""

    op: str
    items: str
    key: str = "id"
    path: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    permutation: bool = False


@dataclass(frozen=True)
class Documented:
    """A request value from a spec rule listing records: ``field`` of an item whose ``unless``
    flag is not set (``commerce.coupons``: a code that has not expired)."""

    rule: str
    field: str
    unless: str = ""


@dataclass(frozen=True)
class Needs:
    pools: Mapping[str, Pool] = field(default_factory=dict)
    """``path.NAME`` or ``body.FIELD``: which of the target's ids the strategy draws."""
    writes: tuple[Write, ...] = ()
    values: Mapping[str, Read | Documented] = field(default_factory=dict)
    """``path.NAME`` or ``body.FIELD``: set after the writes, from the target or the docs."""


_INVITED = Write("playlists.invite", who="owner", body={"user_id": "caller"})
_LICENSED = Read("user.licenses.list", "pagination.data", "track_id", params={"perPage": "100"})

NEEDS: dict[str, Needs] = {
    # playlists: an invitation of the caller (by the playlist's owner), an editor, a follow
    "playlists.accept_invite": Needs({"path.id": "others"}, (_INVITED,)),
    "playlists.decline_invite": Needs({"path.id": "others"}, (_INVITED,)),
    "playlists.invite": Needs({"body.user_id": "others"}),
    "playlists.remove_editor": Needs(
        {"body.user_id": "others"},
        (
            Write("playlists.invite", who="owner", body={"user_id": "body.user_id"}),
            Write("playlists.accept_invite", who="body.user_id"),
        ),
    ),
    "playlists.unfollow": Needs(writes=(Write("playlists.follow"),)),
    "playlists.tracks.order": Needs(
        values={
            "body.ids": Read(
                "playlists.tracks.list",
                "pagination.data",
                path={"id": "path.playlist"},
                params={"perPage": "100"},
                permutation=True,
            )
        }
    ),
    # the library: a track saved before it is removed
    "users.me.remove_from_library": Needs(
        writes=(Write("users.me.add_to_library", body={"track_id": "body.track_id"}),)
    ),
    # the artist's own records: a pin to remove, a fingerprint of the caller's
    "artists.tracks.unpin": Needs(
        {"path.artistId": "mine", "path.trackId": "mine"}, (Write("artists.tracks.pin"),)
    ),
    "fingerprints.retry": Needs({"path.fingerprint": "mine"}),
    # beat requests: one's own track, to another producer's request (no self-submission)
    "beat_requests.fulfill": Needs({"path.id": "others", "body.track_id": "mine"}),
    "artists.credits.album": Needs({"path.artist": "mine"}),
    # licences the caller holds (user.licenses.list)
    "tracks.download_license_pdf": Needs(values={"path.id": _LICENSED}),
    "tracks.license_certificate.show": Needs(values={"path.track": _LICENSED}),
    # documented data, and an account registered before it logs in
    "coupons.validate": Needs(
        values={"body.code": Documented("commerce.coupons", "code", unless="expired")}
    ),
    "auth.login": Needs(
        writes=(
            Write(
                "auth.register",
                who="anonymous",
                body={"email": "body.email", "password": "body.password"},
            ),
        )
    ),
}
"""Per operation, what its valid requests need first (see the module docstring)."""


class Preconditions:
    """Sets up, on one offline target, what :data:`NEEDS` says, and fills the request in."""

    def __init__(self, spec: Spec, target: Target) -> None:
        self.spec = spec
        self.target = target
        self.facts = facts_of(target)
        self._clients: dict[object, httpx.Client] = {}

    def needs(self, op: Operation) -> Needs | None:
        return None if self.target.live else NEEDS.get(op.id)

    def pool(self, op: Operation, where: str) -> Pool | None:
        needs = self.needs(op)
        return needs.pools.get(where) if needs else None

    def prepare(self, draw: Any, draft: Draft) -> Draft:
        """``draft`` once its operation's writes are done and its values filled (``draw`` is
        Hypothesis's, for the values drawn from what a read answered)."""
        needs = self.needs(draft.op)
        if needs is None:
            return draft
        for write in needs.writes:
            self._write(draft, write)
        for where, source in needs.values.items():
            value = self._value(draw, draft, source)
            draft = _set(draft, where, value)
        return draft

    # -- writes ---------------------------------------------------------------------------

    def _write(self, draft: Draft, write: Write) -> None:
        op = self.spec.operations[write.op]
        body = {k: _ref(draft, ref, self.target) for k, ref in write.body.items()}
        path = _fill(op, {**_same(op, draft), **_from(draft, write.path, self.target)})
        client = self._client(self._who(draft, write.who))
        answer = client.request(op.method, path, json=body if op.body is not None else None)
        if answer.status_code >= 300:
            reject()  # the precondition cannot hold for this draw

    def _who(self, draft: Draft, who: str) -> object:
        """The user a write is sent as: "caller", "anonymous", or a user id."""
        if who in ("caller", "anonymous"):
            return who
        if who == "owner":
            named = _first_path_record(draft)
            owners = self.facts.owners(*named) if self.facts is not None and named else None
            return min(owners) if owners else reject()
        return _ref(draft, who, self.target)

    def _client(self, who: object) -> httpx.Client:
        caller = getattr(self.target, "user_id", None)
        key = "caller" if who == caller else who
        if key not in self._clients:
            if key in ("caller", "anonymous"):
                self._clients[key] = self.target.client(anonymous=key == "anonymous")
            else:
                token = self.target.token_for(key)
                if token is None:
                    reject()  # a target that cannot act as another user
                self._clients[key] = self.target.client(token=token)
        return self._clients[key]

    # -- values ---------------------------------------------------------------------------

    def _value(self, draw: Any, draft: Draft, source: Read | Documented) -> Any:
        if isinstance(source, Documented):
            items = self.spec.rule(source.rule)
            found = [i[source.field] for i in items if not (source.unless and i[source.unless])]
        else:
            found = self._read(draft, source)
        if not found:
            reject()  # nothing the target holds fits
        if isinstance(source, Read) and source.permutation:
            return draw(st.permutations(found))
        return draw(st.sampled_from(found))

    def _read(self, draft: Draft, read: Read) -> list[Any]:
        op = self.spec.operations[read.op]
        path = _fill(op, {**_same(op, draft), **_from(draft, read.path, self.target)})
        answer = self._client("caller").request(op.method, path, params=dict(read.params))
        if answer.status_code != op.success_status:
            return []
        found: Any = answer.json()
        for key in read.items.split("."):
            found = found.get(key) if isinstance(found, Mapping) else None
        items = found if isinstance(found, list) else []
        return [i[read.key] for i in items if isinstance(i, Mapping) and read.key in i]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def _ref(draft: Draft, ref: str, target: Target) -> Any:
    """A value of the request (``body.FIELD``, ``path.NAME``) or the caller's id."""
    if ref == "caller":
        return getattr(target, "user_id", None)
    part, _, name = ref.partition(".")
    if part == "body":
        return draft.json_body.get(name) if isinstance(draft.json_body, Mapping) else None
    value = path_values(draft.op, draft.path).get(name)
    return int(value) if value is not None and value.isdigit() else value


def _from(draft: Draft, mapping: Mapping[str, str], target: Target) -> dict[str, Any]:
    return {name: _ref(draft, ref, target) for name, ref in mapping.items()}


def _same(op: Operation, draft: Draft) -> dict[str, Any]:
    """The request's path values for the parameters ``op`` names the same way."""
    values = path_values(draft.op, draft.path)
    return {p.name: values[p.name] for p in op.path_params if p.name in values}


def _fill(op: Operation, values: Mapping[str, Any]) -> str:
    path = op.path
    for name, value in values.items():
        path = path.replace("{" + name + "}", _text(value))
    return path


def _first_path_record(draft: Draft) -> tuple[str, Any] | None:
    values = path_values(draft.op, draft.path)
    for p in draft.op.path_params:
        if p.resource is not None and p.name in values:
            raw = values[p.name]
            return p.resource, int(raw) if raw.isdigit() else raw
    return None


def _set(draft: Draft, where: str, value: Any) -> Draft:
    part, _, name = where.partition(".")
    if part == "body":
        body = dict(draft.json_body) if isinstance(draft.json_body, Mapping) else {}
        return replace(draft, json_body={**body, name: value}, content=None)
    values = {**path_values(draft.op, draft.path), name: value}
    return replace(draft, path=_fill(draft.op, values))
