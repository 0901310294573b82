"""Behaviour by shape, for operations whose docs state no more than their shape: a read of
the records the path names, a create, an update of the caller's own record, a delete, an
action. Page modules register these explicitly, operation by operation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _facts
from .._seed import record_for
from .._store import Record
from ._call import FORBIDDEN, Call, behaviour, caller_page


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
    """By the operation's shape: the records the path names, a create, an update, a delete."""
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
        record = target or _mine(call, resource)
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
    """A record the caller creates: theirs, made of what the body says (with the body schema's
    documented defaults), the moment it was made, zero counters, no relations until the body
    names some, and null for what nobody said. Only a required field nothing supplies is
    drawn from its schema (a declared generator where the spec gives one)."""
    res = call.store.spec.resources[resource]
    relations = call.store.relations[resource]
    body_schema = call.op.body.schema if call.op.body is not None else {}
    defaults = {
        k: v["default"]
        for k, v in body_schema.get("properties", {}).items()
        if isinstance(v, dict) and "default" in v
    }
    fields: Record = {}
    for name, fld in res.fields.items():
        schema = fld.schema
        kinds = schema.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if name == "id":
            continue
        if name in relations:
            fields[name] = [] if relations[name].many else None
        elif name in defaults:
            fields[name] = defaults[name]
        elif "const" in schema:
            fields[name] = schema["const"]
        elif name == "user_id":
            fields[name] = call.user_id
        elif name.endswith("_at") or name in ("release_date",):
            fields[name] = call.iso() if name.endswith("_at") else call.iso()[:10]
        elif "integer" in kinds and "null" not in kinds:
            fields[name] = int(schema.get("minimum", 0))  # counters start at zero
        elif "boolean" in kinds and "null" not in kinds:
            fields[name] = False
        elif "null" in kinds or not fld.required:
            fields[name] = None if "null" in kinds else fields.get(name)
    record = record_for(call.store, resource, call.ctx.rng, _owner=call.user_id, **fields)
    return {k: v for k, v in record.items() if not (v is None and not _nullable(res, k))}


def _nullable(res: Any, name: str) -> bool:
    fld = res.fields.get(name)
    if fld is None:
        return True
    kinds = fld.schema.get("type")
    return isinstance(kinds, list) and "null" in kinds


def _mine(call: Call, resource: str) -> Record:
    """The caller's own record of ``resource`` (their user record, their artist...), for a PUT
    without an id; never someone else's. None of their own: the documented refusal."""
    if resource == "User":
        record = call.store.get("User", call.user_id)
        if record is not None:
            return record
    mine = call.owned(resource)
    if mine:
        return mine[0]
    raise call.fail(403, f"You have no {resource.lower()} to change.")


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
        record = store.get(resource, key)
        store.delete(resource, key)
        if resource == "Track" and record is not None:
            _facts.recount(store, record["id"])
    return call.success


def owned_list(resource: str, *op_ids: str) -> None:
    """Register list operations that show the caller's own records of ``resource``."""

    def list_owned(call: Call) -> int:
        call.ctx.collections[resource] = call.owned(resource)
        return call.success

    behaviour(*op_ids, page=caller_page())(list_owned)
