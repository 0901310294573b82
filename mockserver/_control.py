"""The served sandbox: the API in isolated worlds, plus a control API under ``/__beatpass``.

A Python test drives the mock through ``BeatPassMock`` (reset, tokens, clock, side effects,
faults). A Node script, a mobile app or Postman only has HTTP, so the same operations are
offered as JSON endpoints outside ``/api/v1`` (a request under ``/api/v1/__beatpass/`` is an
undocumented API path, answered 404 like any other). One table, :data:`OPERATIONS`, gives each
endpoint its handler, the JSON Schema its body is checked against, and its description: the
router, the validation and the OpenAPI document (``beatpass-contract openapi --control``) are
all read from it, so they cannot disagree.

Every request (API or control) may name a world with ``X-BeatPass-Sandbox: NAME``; see
:mod:`mockserver._worlds`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from spec import Spec

from ._clock import ManualClock
from ._faults import MESSAGES
from ._mock import DEFAULT_TOKEN
from ._redact import redact
from ._seed import MOCK_USER_ID
from ._validation import parse_json
from ._worlds import (
    DEFAULT_MAX_WORLDS,
    DEFAULT_WORLD,
    HEADER,
    JournalEntry,
    OffsetClock,
    SandboxError,
    World,
    Worlds,
    mock_factory,
)

__all__ = ["OPERATIONS", "PREFIX", "Sandbox", "control_openapi"]

PREFIX = "/__beatpass"
Body = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """One control endpoint: what it does, what it takes, what it answers."""

    method: str
    path: str
    summary: str
    run: Callable[[Sandbox, World, Body], tuple[int, Any]]
    body: dict[str, Any] | None = None
    """JSON Schema of the request body (None: no body is read)."""
    answer: dict[str, Any] | None = None
    """JSON Schema of the success answer, for the OpenAPI document."""
    existing: bool = False
    """Acts on a world that exists (404 otherwise) instead of making it on first use."""


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat().replace("+00:00", "Z")


def _now(world: World) -> Body:
    now = world.mock.clock.now()
    return {"now": _iso(now), "timestamp": now}


def _version() -> str:
    try:
        return metadata.version("beatpass-contract")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "0+unknown"


# -- the operations ------------------------------------------------------------------------


def _health(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    return 200, {
        "status": "ok",
        "version": sandbox.version,
        "seed": world.mock.seed,
        **_now(world),
        "world": world.name,
        "worlds": len(sandbox.worlds),
        "max_worlds": sandbox.worlds.max_worlds,
    }


def _reset(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    fresh = sandbox.worlds.reset(world.name, body.get("seed"))
    return 200, {"status": "reset", "world": fresh.name, "seed": fresh.mock.seed, **_now(fresh)}


def _tokens(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    user_id = body.get("user_id", MOCK_USER_ID)
    if world.mock.store.get("User", user_id) is None:
        message = f"The selected user id is invalid (no user {user_id} in this world)."
        raise SandboxError(422, message, {"user_id": [message]})
    token = world.mock.issue_token(
        user_id, age_days=body.get("age_days", 0.0), revoked=body.get("revoked", False)
    )
    check = world.mock.tokens.check(f"Bearer {token}")
    return 201, {"token": token, "user_id": user_id, "status": check.status}


def _advance(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    clock = world.mock.clock
    if not isinstance(clock, (OffsetClock, ManualClock)):
        raise SandboxError(409, "This world's clock is the system clock; it cannot be advanced.")
    try:
        clock.advance(body["seconds"])
    except ValueError as exc:  # past the last date an answer can show
        message = f"{str(exc)[0].upper()}{str(exc)[1:]}."
        raise SandboxError(422, message, {"seconds": [message]}) from None
    return 200, _now(world)


def _side_effects(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    mock = world.mock
    with mock.store.lock:
        return 200, {
            "outbox": list(mock.outbox),
            "charges": list(mock.charges),
            "uploads": list(mock.uploads),
            "events": list(mock.events),
        }


def _requests(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    entries = list(world.journal)
    return 200, {
        "requests": [
            {
                "method": e.method,
                "path": redact(e.path, sandbox.secrets),
                "status": e.status,
                "time": _iso(e.time),
            }
            for e in entries
        ]
    }


def _undocumented(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    attempts = world.mock.undocumented
    return 200, {
        "undocumented": [
            {"method": method, "path": redact(path, sandbox.secrets)} for method, path in attempts
        ]
    }


def _add_fault(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    kwargs = dict(body)
    if "drop" in kwargs:
        kwargs["connect_error"] = kwargs.pop("drop")
    if not any(kwargs.get(k) for k in ("status", "latency", "timeout", "connect_error")):
        message = "A fault needs one of status, latency, timeout or drop."
        raise SandboxError(422, message, {"fault": [message]})
    try:
        fault = world.mock.inject(**kwargs)
    except ValueError as exc:
        raise SandboxError(422, str(exc), {"fault": [str(exc)]}) from None
    return 201, {"fault": _fault_json(fault), "active": len(world.mock.faults)}


def _list_faults(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    return 200, {"faults": [_fault_json(f) for f in world.mock.faults.active()]}


def _clear_faults(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    cleared = len(world.mock.faults.active())
    world.mock.faults.clear()
    return 200, {"cleared": cleared}


def _discard(sandbox: Sandbox, world: World, body: Body) -> tuple[int, Any]:
    sandbox.worlds.discard(world.name)
    return 200, {"discarded": world.name}


def _fault_json(fault: Any) -> Body:
    out: Body = {
        "status": fault.status,
        "latency": fault.latency,
        "timeout": fault.timeout,
        "drop": fault.connect_error,
        "probability": fault.probability,
        "operations": sorted(fault.operations) if fault.operations is not None else None,
        "times": fault.times,
        "fired": fault.fired[0],
    }
    if fault.retry_after is not None:
        out["retry_after"] = fault.retry_after
    return out


_NOW_FIELDS: dict[str, Any] = {
    "now": {"type": "string", "format": "date-time"},
    "timestamp": {"type": "number"},
}
_NOW = {"type": "object", "properties": _NOW_FIELDS}
_LIST = {"type": "array", "items": {"type": "object"}}
_FAULT_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "latency": {"type": "number", "minimum": 0, "maximum": 600},
        "timeout": {"type": "boolean"},
        "drop": {"type": "boolean", "description": "close the connection without an answer"},
        "operations": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "operation ids (see openapi); all operations when left out",
        },
        "times": {"type": "integer", "minimum": 1},
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "retry_after": {"type": "integer", "minimum": 0},
    },
}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "GET",
        "/health",
        "Liveness, the world's seed and clock, the package version.",
        _health,
        answer={
            "type": "object",
            "required": ["status", "seed", "now", "version"],
            "properties": {
                "status": {"const": "ok"},
                "version": {"type": "string"},
                "seed": {"type": "integer"},
                **_NOW_FIELDS,
                "world": {"type": "string"},
                "worlds": {"type": "integer"},
                "max_worlds": {"type": "integer"},
            },
        },
    ),
    Operation(
        "POST",
        "/reset",
        "A fresh world from the seed (the world's own, or the one given): store, tokens "
        "issued here, faults, clock, side effects and journal start over.",
        _reset,
        body={
            "type": "object",
            "additionalProperties": False,
            "properties": {"seed": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}},
        },
        answer={"type": "object", "properties": {"seed": {"type": "integer"}, **_NOW_FIELDS}},
    ),
    Operation(
        "POST",
        "/tokens",
        "A Bearer token acting as a user of this world; age_days backdates it (past the "
        "documented lifetime it is expired), revoked makes it revoked.",
        _tokens,
        body={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "user_id": {"type": "integer", "minimum": 1},
                "age_days": {"type": "number", "minimum": 0, "maximum": 36500},
                "revoked": {"type": "boolean"},
            },
        },
        answer={
            "type": "object",
            "required": ["token", "user_id"],
            "properties": {
                "token": {"type": "string"},
                "user_id": {"type": "integer"},
                "status": {"enum": ["valid", "expired", "revoked"]},
            },
        },
    ),
    Operation(
        "POST",
        "/clock/advance",
        "Move this world's clock forward (rate-limit windows, expiries); nothing sleeps.",
        _advance,
        body={
            "type": "object",
            "additionalProperties": False,
            "required": ["seconds"],
            "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": 3.2e9}},
        },
        answer=_NOW,
    ),
    Operation(
        "GET",
        "/side-effects",
        "What would have reached the outside world: messages, charges, uploads, events.",
        _side_effects,
        answer={
            "type": "object",
            "properties": {k: _LIST for k in ("outbox", "charges", "uploads", "events")},
        },
    ),
    Operation(
        "GET",
        "/requests",
        "The journal of API requests this world answered (newest last; tokens redacted).",
        _requests,
        answer={"type": "object", "properties": {"requests": _LIST}},
    ),
    Operation(
        "GET",
        "/undocumented",
        "Attempts at undocumented methods or paths (answered 404).",
        _undocumented,
        answer={"type": "object", "properties": {"undocumented": _LIST}},
    ),
    Operation(
        "POST",
        "/faults",
        "Inject a fault: a status in the documented error format, latency (real time), a "
        "timeout (held, then 504) or a dropped connection.",
        _add_fault,
        body=_FAULT_BODY,
        answer={"type": "object", "properties": {"fault": {"type": "object"}}},
    ),
    Operation("GET", "/faults", "The active faults.", _list_faults, answer={"type": "object"}),
    Operation("DELETE", "/faults", "Remove every fault.", _clear_faults, answer={"type": "object"}),
    Operation(
        "DELETE",
        "/world",
        "Forget the named world (the default world is reset instead).",
        _discard,
        answer={"type": "object"},
        existing=True,
    ),
)

_TABLE = {(op.method, PREFIX + op.path): op for op in OPERATIONS}
_VALIDATORS = {
    key: Draft202012Validator(op.body) for key, op in _TABLE.items() if op.body is not None
}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    content = json.dumps(body, separators=(",", ":"), default=str).encode()
    return httpx.Response(
        status,
        content=content,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, message: str, errors: dict[str, list[str]] | None = None) -> httpx.Response:
    body: Body = {"message": message}
    if errors:
        body["errors"] = errors
    return _json(status, body)


class Sandbox:
    """A handler (``httpx.Request -> httpx.Response``) serving worlds and the control API.

    ``secrets`` are tokens to redact from the journal and the undocumented list.
    """

    def __init__(self, worlds: Worlds, *, secrets: Iterable[str] = ()) -> None:
        self.worlds = worlds
        self.secrets = tuple(secrets)
        self.version = _version()

    @classmethod
    def create(
        cls,
        tokens: Mapping[str, int] | None = None,
        *,
        seed: int = 0,
        max_worlds: int = DEFAULT_MAX_WORLDS,
        rate_limits: bool = True,
        spec: Spec | None = None,
    ) -> Sandbox:
        """The sandbox ``beatpass-contract serve`` serves: ``tokens`` maps each valid token
        to the user it acts as (default ``{"mock-token": 1}``), in every world. A token for a
        user the seeded world lacks is a ``ValueError``: every request with it would answer
        404 "User not found."."""
        given = dict(tokens) if tokens else {DEFAULT_TOKEN: MOCK_USER_ID}
        factory = mock_factory(given, rate_limits=rate_limits, spec=spec)
        worlds = Worlds(factory, seed=seed, max_worlds=max_worlds)
        users = worlds.get(DEFAULT_WORLD).mock.store.records["User"]
        unknown = sorted(set(given.values()) - set(users))
        if unknown:
            raise ValueError(
                f"no user {', '.join(map(str, unknown))} in the world of seed {seed}"
                f" (its users are {min(users)}-{max(users)})"
            )
        return cls(worlds, secrets=given)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        try:
            name = request.extensions.get("beatpass_world") or Worlds.name_of(request)
            if request.url.path.startswith(PREFIX + "/"):
                return self._control(request, name)
            world = self.worlds.get(name)
        except SandboxError as exc:
            return _error(exc.status, exc.message)
        status: int | None = None
        try:
            response = world.mock.served_handler(request)
            status = response.status_code
        finally:  # a dropped connection is journalled too, with no status
            target = request.url.raw_path.decode("ascii", "replace")  # redacted when read
            world.journal.append(
                JournalEntry(request.method, target, status, world.mock.clock.now())
            )
        return response

    def may_block(self, request: httpx.Request) -> bool:
        """Whether answering may take long (a fault, a new world, a control call): such
        requests run in a worker thread, every other one on the event loop."""
        if request.url.path.startswith(PREFIX + "/"):
            return True
        try:
            name = request.extensions["beatpass_world"] = Worlds.name_of(request)
        except SandboxError:
            return False
        world = self.worlds.peek(name)
        return world is None or len(world.mock.faults) > 0

    def _control(self, request: httpx.Request, name: str) -> httpx.Response:
        path = request.url.path.rstrip("/")
        op = _TABLE.get((request.method, path))
        if op is None:
            allowed = sorted(m for m, p in _TABLE if p == path)
            if allowed:
                response = _error(405, f"{request.method} is not allowed on {path}.")
                response.headers["Allow"] = ", ".join(allowed)
                return response
            known = ", ".join(sorted({f"{m} {p}" for m, p in _TABLE}))
            message = f"Not found: {request.method} {path} is no control operation; there are: "
            return _error(404, f"{message}{known}.")
        try:
            body = self._body(request, op)
            world = self.worlds.peek(name) if op.existing else self.worlds.get(name)
            if world is None:  # making it only to act on it would take a slot for nothing
                raise SandboxError(404, f"No world named {name!r}: nothing to discard.")
            status, answer = op.run(self, world, body)
        except SandboxError as exc:
            return _error(exc.status, exc.message, exc.errors)
        return _json(status, answer, {HEADER: name})

    @staticmethod
    def _body(request: httpx.Request, op: Operation) -> Body:
        if op.body is None:
            return {}
        content = request.content
        if not content.strip():
            data: Any = {}
        else:
            try:
                data = parse_json(content)
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                raise SandboxError(400, f"Malformed JSON in the request body: {exc}.") from None
        errors: dict[str, list[str]] = {}
        for error in _VALIDATORS[(op.method, PREFIX + op.path)].iter_errors(data):
            where = [str(p) for p in error.absolute_path]
            if error.validator == "required" and isinstance(error.instance, dict):
                for name in error.validator_value:  # named after the missing field
                    if name not in error.instance:
                        field = ".".join([*where, name])
                        errors.setdefault(field, []).append(f"The {field} field is required.")
                continue
            errors.setdefault(".".join(where) or "body", []).append(error.message)
        if errors:
            first = next(iter(errors.items()))
            raise SandboxError(422, f"The {first[0]} field is invalid: {first[1][0]}", errors)
        assert isinstance(data, dict)
        return data


def control_openapi() -> dict[str, Any]:
    """An OpenAPI 3.1 document of the control API, read from :data:`OPERATIONS`."""
    error = {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array"}},
        },
    }
    world = {
        "name": "X-BeatPass-Sandbox",
        "in": "header",
        "required": False,
        "description": "The isolated world to act on (created from the seed on first use).",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
    }
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        success = "201" if op.run in (_tokens, _add_fault) else "200"
        entry: dict[str, Any] = {
            "operationId": f"control.{op.path.strip('/').replace('/', '.').replace('-', '_')}"
            f".{op.method.lower()}",
            "summary": op.summary,
            "parameters": [{"$ref": "#/components/parameters/World"}],
            "responses": {
                success: {
                    "description": "done",
                    "content": {"application/json": {"schema": op.answer or {"type": "object"}}},
                },
                **{
                    str(status): {
                        "description": MESSAGES.get(status, "error"),
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    }
                    for status in ((400, 422, 503) if op.body is not None else (400, 503))
                },
            },
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": op.body}},
            }
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BeatPass sandbox control API",
            "version": _version(),
            "description": "Drive a served BeatPass sandbox (beatpass-contract serve) over "
            "HTTP: reset, tokens, clock, side effects, journal, faults, isolated worlds.",
        },
        "servers": [{"url": "http://127.0.0.1:8000"}],
        "paths": paths,
        "components": {"schemas": {"Error": error}, "parameters": {"World": world}},
    }
