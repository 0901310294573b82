"""What each operation does to the store, beyond rendering its response.

``generic`` covers every operation by its shape (list, show, create, update, delete, action);
the functions registered in ``BEHAVIOURS`` add the semantics the docs state for stateful flows:
follows, reposts, library, playlists and their editors, messaging, beat requests, purchases
and licences. A behaviour returns the status to answer with (one the operation documents) or
raises :class:`RequestError` with the documented error.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from spec import Operation

from ._render import Context
from ._seed import record_for
from ._store import Record, Store
from ._validation import RequestError

FORBIDDEN = "This action is unauthorized."
BEAT_REQUEST_TOKENS = 5  # monthly allowance of the mock account (the docs tie it to a plan)
TOKENS_BY_DURATION = {24: 1, 48: 2, 72: 3}


@dataclass
class Call:
    op: Operation
    store: Store
    ctx: Context
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    user_id: int | None
    now: float

    def fail(
        self, status: int, message: str, errors: dict[str, list[str]] | None = None
    ) -> RequestError:
        return RequestError(status, message, errors)

    @property
    def success(self) -> int:
        return self.op.success_status

    def record(self, resource: str) -> Record:
        return self.ctx.records[resource]

    def mine(self, record: Record) -> bool:
        """The caller owns the record (or may edit it: playlist editors)."""
        owners = self.store.owners(record)
        return (
            owners is None or self.user_id in owners or self.user_id in record.get("_editors", ())
        )

    def my_artist(self) -> Record | None:
        return next((a for a in self.store.all("Artist") if a.get("_user") == self.user_id), None)

    def iso(self, offset_hours: float = 0.0) -> str:
        moment = datetime.datetime.fromtimestamp(
            self.now + offset_hours * 3600, datetime.timezone.utc
        )
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def body_record(self, resource: str, key: str) -> Record:
        """The record a body field names (``track_id``), or the 422 Laravel gives for it."""
        record = self.store.get(resource, self.body_get(key))
        if record is None:
            label = key.replace("_", " ")
            raise self.fail(
                422,
                f"The selected {label} is invalid.",
                {key: [f"The selected {label} is invalid."]},
            )
        return record

    def owned(self, resource: str) -> list[Record]:
        return self.store.owned_by(resource, self.user_id)

    def set_edge(
        self, kind: str, edge: tuple[Any, ...], on: bool, *, exists: str, missing: str
    ) -> int:
        """Add or remove a relationship (a follow, a save): 409 ``exists`` when adding one that
        is there, 404 ``missing`` when removing one that is not."""
        edges = self.store.edges[kind]
        if on and edge in edges:
            raise self.fail(409, exists)
        if not on and edge not in edges:
            raise self.fail(404, missing)
        (edges.add if on else edges.discard)(edge)
        self.store.touch()
        return self.success

    def body_get(self, key: str, default: Any = None) -> Any:
        return self.body.get(key, default) if isinstance(self.body, dict) else default

    def note_side_effect(self, **details: Any) -> None:
        entry = {"operation": self.op.id, "user_id": self.user_id, "at": self.now, **details}
        bucket = {
            "message": self.store.side_effects.outbox,
            "charge": self.store.side_effects.charges,
            "publish": self.store.side_effects.uploads,
            "event": self.store.side_effects.events,
        }.get(self.op.side_effect)
        if bucket is not None:
            bucket.append(entry)


Behaviour = Callable[[Call], int]
BEHAVIOURS: dict[str, Behaviour] = {}


def behaviour(*op_ids: str) -> Callable[[Behaviour], Behaviour]:
    def register(func: Behaviour) -> Behaviour:
        for op_id in op_ids:
            if op_id in BEHAVIOURS:
                raise ValueError(f"{op_id} already has a behaviour")
            BEHAVIOURS[op_id] = func
        return func

    return register


# -- generic ----------------------------------------------------------------------------------


def _scope(call: Call) -> None:
    """Lists under /users/me, /user/ and /artist/ are about the caller (or the caller's artist)."""
    path, ctx, store = call.op.path, call.ctx, call.store
    if call.user_id is not None and (
        "/me/" in path or path.endswith("/me") or path.startswith("/user/")
    ):
        user = store.get("User", call.user_id)
        if user is not None:
            ctx.records.setdefault("User", user)
            ctx.parent = ctx.parent or ("User", user)
    if path.startswith("/artist/") and "Artist" not in ctx.records and call.user_id is not None:
        artist = call.my_artist()
        if artist is not None:
            ctx.records["Artist"] = artist
            ctx.parent = ctx.parent or ("Artist", artist)
    if ctx.parent is None and ctx.records:
        name = next(iter(ctx.records))
        ctx.parent = (name, ctx.records[name])


def _overlay(call: Call, resource: str, record: Record) -> None:
    """Copy body fields onto a record where the resource has a field of that name and type."""
    if not isinstance(call.body, dict):
        return
    res = call.store.spec.resources[resource]
    relations = call.store.relations[resource]
    for key, value in call.body.items():
        fld = res.fields.get(key)
        if fld is None or key == "id":
            continue
        rel = relations.get(key)
        if rel is not None:
            ids = value if isinstance(value, list) else [value]
            found = [call.store.get(rel.target, i) for i in ids]
            if all(f is not None for f in found):
                record[key] = [f["id"] for f in found if f] if rel.many else ids[0]
            continue
        if _field_accepts(call, resource, key, value):
            record[key] = value


def _field_accepts(call: Call, resource: str, key: str, value: Any) -> bool:
    """The value is valid for that (non-relation) field of the resource's token tier."""
    name = f"resources/{resource}.token"
    schemas = call.store.spec.schemas
    return not any(e.path and e.path[0] == key for e in schemas.errors(name, {key: value}))


def _check_owner(call: Call, record: Record) -> None:
    """Only the owner updates or deletes (editors of a playlist change its tracks only)."""
    if not call.mine(record) or call.user_id in record.get("_editors", ()):
        raise call.fail(403, FORBIDDEN)


def generic(call: Call) -> int:
    _scope(call)
    op, store, ctx = call.op, call.store, call.ctx
    if op.method == "GET":
        playlist = ctx.records.get("Playlist")
        if playlist is not None and not playlist.get("public", True) and not call.mine(playlist):
            raise call.fail(403, FORBIDDEN)
        return call.success
    resource = op.resource
    if op.method == "DELETE":
        return _delete(call)
    target = ctx.records.get(resource) if resource else None
    if op.method == "PUT" and resource is not None:
        if target is not None:
            _check_owner(call, target)
        record = target or _mine_or_first(call, resource)
        _overlay(call, resource, record)
        store.touch()
        ctx.records[resource] = record
    elif (
        op.method == "POST"
        and resource is not None
        and (call.success == 201 or op.id.endswith(".create"))
        and target is None
    ):
        record = _new_record(call, resource)
        _overlay(call, resource, record)
        store.add(resource, record)
        ctx.records[resource] = record
        call.note_side_effect(resource=resource, id=record["id"])
        return call.success
    call.note_side_effect(body=call.body, path=call.path)
    return call.success


def _new_record(call: Call, resource: str) -> Record:
    """A record the caller creates: theirs, with no relations until the body names some."""
    record = record_for(call.store, resource, call.ctx.rng, _owner=call.user_id)
    for name, rel in call.store.relations[resource].items():
        record[name] = [] if rel.many else None
    fields = call.store.spec.resources[resource].fields
    if "user_id" in fields:
        record["user_id"] = call.user_id
    if "created_at" in fields:
        record["created_at"] = call.iso()
    return record


def _mine_or_first(call: Call, resource: str) -> Record:
    records = call.store.all(resource)
    mine = call.owned(resource)
    if mine:
        return mine[0]
    if records:
        return records[0]
    return call.store.add(
        resource, record_for(call.store, resource, call.ctx.rng, _owner=call.user_id)
    )


def _delete(call: Call) -> int:
    op, store = call.op, call.store
    targets: list[tuple[str, Any]] = []
    for p in op.path_params:
        if p.resource is None:
            continue
        value = call.path[p.name]
        keys: Iterable[Any] = str(value).split(",") if p.name == "ids" else [value]
        targets = [(p.resource, k) for k in keys]
    for resource, key in targets:
        record = store.get(resource, key)
        if record is None:
            raise call.fail(404, f"{resource} not found.")
        _check_owner(call, record)
    for resource, key in targets:
        store.delete(resource, key)
    return call.success


# -- follows, reposts, library ----------------------------------------------------------------


def _toggle_edge(call: Call, kind: str, target: Any, on: bool, *, self_id: Any = None) -> int:
    if call.user_id is None:
        raise call.fail(401, "Unauthenticated.")
    if on and self_id is not None and target == self_id:
        message = "You cannot follow yourself."
        raise call.fail(422, message, {"id": [message]})
    edge = (call.user_id, target)
    return call.set_edge(kind, edge, on, exists="Already following.", missing="Not following.")


@behaviour("users.follow")
def _follow_user(call: Call) -> int:
    return _toggle_edge(call, "follow_user", call.record("User")["id"], True, self_id=call.user_id)


@behaviour("users.unfollow")
def _unfollow_user(call: Call) -> int:
    return _toggle_edge(call, "follow_user", call.record("User")["id"], False)


@behaviour("artists.follow")
def _follow_artist(call: Call) -> int:
    mine = call.my_artist()
    return _toggle_edge(
        call, "follow_artist", call.record("Artist")["id"], True, self_id=mine and mine["id"]
    )


@behaviour("artists.unfollow")
def _unfollow_artist(call: Call) -> int:
    return _toggle_edge(call, "follow_artist", call.record("Artist")["id"], False)


@behaviour("users.follow_status.show", "artists.follow_status.show")
def _follow_status(call: Call) -> int:
    kind, resource = (
        ("follow_user", "User") if call.op.id.startswith("users") else ("follow_artist", "Artist")
    )
    target = call.record(resource)["id"]
    call.ctx.values["following"] = (call.user_id, target) in call.store.edges[kind]
    return call.success


def _followers(call: Call, kind: str, resource: str, *, followed: bool) -> int:
    _scope(call)
    target = call.ctx.records.get(resource) or call.ctx.records.get("User")
    if target is None:
        return call.success
    edges = call.store.edges[kind]
    ids = (
        [b for a, b in edges if a == target["id"]]
        if followed
        else [a for a, b in edges if b == target["id"]]
    )
    call.ctx.collections["User"] = [u for i in sorted(ids) if (u := call.store.get("User", i))]
    return call.success


@behaviour("users.followers.list", "users.me.followers.list")
def _user_followers(call: Call) -> int:
    return _followers(call, "follow_user", "User", followed=False)


@behaviour(
    "users.followed_users.list", "users.me.followed_users.list", "messaging.followed_users.list"
)
def _user_followed(call: Call) -> int:
    return _followers(call, "follow_user", "User", followed=True)


@behaviour("artists.followers.list")
def _artist_followers(call: Call) -> int:
    return _followers(call, "follow_artist", "Artist", followed=False)


@behaviour("reposts.toggle")
def _repost(call: Call) -> int:
    track = call.body_record("Track", "track_id")
    artist = call.my_artist()
    if artist is not None and artist["id"] in track.get("artists", []):
        raise call.fail(400, "You cannot repost your own track.")
    edge = (call.user_id, track["id"])
    edges = call.store.edges["repost"]
    reposted = edge not in edges
    (edges.add if reposted else edges.discard)(edge)
    track["reposts_count"] = max(0, int(track.get("reposts_count") or 0) + (1 if reposted else -1))
    call.store.touch()
    call.ctx.values["reposted"] = reposted
    return call.success


@behaviour("users.reposts.list")
def _reposts(call: Call) -> int:
    user = call.record("User")
    ids = sorted(t for u, t in call.store.edges["repost"] if u == user["id"])
    call.ctx.collections["Track"] = [t for i in ids if (t := call.store.get("Track", i))]
    return call.success


def _library_item(call: Call) -> tuple[str, Any]:
    for kind, resource in (("track", "Track"), ("album", "Album"), ("artist", "Artist")):
        if call.body_get(f"{kind}_id") is not None:
            return kind, call.body_record(resource, f"{kind}_id")["id"]
    raise call.fail(
        422, "The track id field is required.", {"track_id": ["The track id field is required."]}
    )


@behaviour("users.me.add_to_library")
def _library_add(call: Call) -> int:
    return _library(call, on=True)


@behaviour("users.me.remove_from_library")
def _library_remove(call: Call) -> int:
    return _library(call, on=False)


def _library(call: Call, *, on: bool) -> int:
    kind, key = _library_item(call)
    edge = (call.user_id, kind, key)
    return call.set_edge(
        "library", edge, on, exists="Track already saved.", missing="Not in your library."
    )


def _liked(kind: str, resource: str) -> Behaviour:
    def list_liked(call: Call) -> int:
        _scope(call)
        user = call.ctx.records.get("User")
        if user is not None:
            ids = sorted(
                k for u, t, k in call.store.edges["library"] if u == user["id"] and t == kind
            )
            call.ctx.collections[resource] = [r for i in ids if (r := call.store.get(resource, i))]
        return call.success

    return list_liked


for _kind, _resource in (("track", "Track"), ("album", "Album"), ("artist", "Artist")):
    behaviour(f"users.liked_{_kind}s.list", f"users.me.liked_{_kind}s.list")(
        _liked(_kind, _resource)
    )


def owned_list(resource: str, *op_ids: str) -> None:
    """Register list operations that show the caller's own records of ``resource``."""

    def list_owned(call: Call) -> int:
        call.ctx.collections[resource] = call.owned(resource)
        return call.success

    behaviour(*op_ids)(list_owned)
