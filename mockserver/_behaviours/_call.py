"""The request as a behaviour sees it (:class:`Call`), and the registry of behaviours.

A behaviour is a function ``Call -> status``: it reads and changes the store, decides what the
answer says (``call.ctx.records``, ``collections``, ``values``) and returns a status the
operation documents, or raises :class:`RequestError` with the documented error. Behaviours
live in the module named for the docs page (and ``spec/api/`` file) of their operation, and
:func:`check_registry` refuses a spec operation without one.
"""

from __future__ import annotations

import datetime
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spec import Operation, Spec, SpecError, SpecErrorKind

from .._auth import TokenStore
from .._render import Context
from .._store import Record, Store
from .._validation import RequestError

FORBIDDEN = "This action is unauthorized."


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
    tokens: TokenStore | None = None
    """Where a login issues its token (the mock's own, shared with ``issue_token``)."""

    def fail(
        self, status: int, message: str, errors: dict[str, list[str]] | None = None
    ) -> RequestError:
        return RequestError(status, message, errors)

    def rule(self, name: str) -> Any:
        """A rule of the spec (``beat_requests.monthly_tokens``): figures are data, not code."""
        return self.store.spec.rule(name)

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
PAGES: dict[str, str] = {}
"""Operation id -> the page module that registered its behaviour (``content``, ``social``)."""


def caller_page(depth: int = 1) -> str:
    """The page module (``content``) of the function ``depth`` frames above the caller."""
    return str(sys._getframe(depth + 1).f_globals["__name__"]).rpartition(".")[2]


def behaviour(*op_ids: str, page: str | None = None) -> Callable[[Behaviour], Behaviour]:
    """Register ``func`` as the behaviour of ``op_ids``. They belong to ``page``, by default
    the module that calls this (checked against the spec by :func:`check_registry`)."""
    page = page or caller_page()

    def register(func: Behaviour) -> Behaviour:
        for op_id in op_ids:
            if op_id in BEHAVIOURS:
                raise ValueError(f"{op_id} already has a behaviour")
            BEHAVIOURS[op_id] = func
            PAGES[op_id] = page
        return func

    return register


_CHECKED: weakref.WeakSet[Spec] = weakref.WeakSet()


def check_registry(spec: Spec, *, complete: bool) -> None:
    """Every operation of ``spec`` has a behaviour, registered in the module of its page; with
    ``complete`` (the packaged spec), every behaviour also names an operation the spec holds.
    A gap is a :class:`SpecError` at the operation's file and line, not a silent fallback.
    (Checked once per spec and registry: every fresh mock asks.)"""
    if spec in _CHECKED and len(BEHAVIOURS) == _CHECKED_SIZE.get(id(spec)):
        return
    _check(spec, complete)
    _CHECKED.add(spec)
    _CHECKED_SIZE[id(spec)] = len(BEHAVIOURS)


_CHECKED_SIZE: dict[int, int] = {}


def _check(spec: Spec, complete: bool) -> None:
    for op in spec.operations.values():
        page = Path(op.location.file).stem
        if op.id not in BEHAVIOURS:
            raise SpecError(
                SpecErrorKind.MISSING_BEHAVIOUR,
                f"operation {op.id} has no behaviour in mockserver/_behaviours/{page}.py",
                file=op.location.file,
                line=op.location.line,
                key="id",
            )
        if complete and PAGES[op.id] != page:
            raise SpecError(
                SpecErrorKind.MISSING_BEHAVIOUR,
                f"the behaviour of {op.id} is registered in {PAGES[op.id]}.py, not in the "
                f"module of its page ({page}.py)",
                file=op.location.file,
                line=op.location.line,
                key="id",
            )
    if complete:
        unknown = sorted(set(BEHAVIOURS) - set(spec.operations))
        if unknown:
            raise SpecError(
                SpecErrorKind.MISSING_BEHAVIOUR,
                f"behaviours name operations the spec does not hold: {', '.join(unknown)}",
                key=unknown[0],
            )
