"""Build response bodies: project records to the caller's tier and fill response schemas.

A response schema from the spec says where resources go (``{resource: Track}``), where a page
of them goes (``{page_of: ...}``) and what the rest looks like. :class:`BodyBuilder` walks it:
resources come from the store (the record the request is about, or records related to it),
pages are cut from the matching collection, and everything else is generated
deterministically from the request, so bodies are stable and always valid.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spec import Operation, Tier

from ._generate import example
from ._store import Record, Store

MAX_LIST = 50  # items in a plain (non-paginated) list of resources


def render(store: Store, resource: str, record: Record, tier: Tier, depth: int = 0) -> Record:
    """The record as the caller may see it: token-tier fields only with a token, relations
    expanded one level (deeper only where the schema requires them)."""
    out: Record = {}
    for name, rel, required, nullable in store.shown(resource, tier):
        if name not in record:
            continue
        if rel is None:
            out[name] = record[name]
            continue
        if depth >= 1 and not required:
            continue
        value = record[name]
        if rel.many:
            ids = value if isinstance(value, list) else []
            items = [
                render(store, rel.target, r, tier, depth + 1)
                for i in ids
                if (r := store.get(rel.target, i))
            ]
            out[name] = (
                envelope(store, items, 1, max(len(items), 1), len(items)) if rel.paged else items
            )
        else:
            target = store.get(rel.target, value) if value is not None else None
            if target is not None:
                out[name] = render(store, rel.target, target, tier, depth + 1)
            elif nullable:
                out[name] = None
    return out


def envelope(store: Store, data: list[Any], page: int, per_page: int, total: int) -> Record:
    """The documented pagination envelope around one page of items."""
    start = (page - 1) * per_page
    out: Record = {
        "current_page": page,
        "per_page": per_page,
        "total": total,
        "last_page": max(1, math.ceil(total / per_page)),
        "from": start + 1 if data else None,
        "to": start + len(data) if data else None,
        "data": data,
    }
    keys = store.spec.policies.pagination.get("properties", {})
    return {k: v for k, v in out.items() if k in keys or k == "data"}


@dataclass
class Context:
    """What a response is about."""

    op: Operation
    tier: Tier
    seed: str | int
    """What the answer's random generator is seeded with (see :attr:`rng`)."""
    query: Mapping[str, Any] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    """Records the request names (path ids) or created, by resource."""
    parent: tuple[str, Record] | None = None
    """The record whose children a list shows (``/artists/{id}/tracks`` -> the artist)."""
    collections: dict[str, list[Record]] = field(default_factory=dict)
    """Lists decided by a behaviour, overriding the generic choice."""
    values: dict[str, Any] = field(default_factory=dict)
    """Top-level body values decided by a behaviour (``{"following": True}``)."""
    viewer: int | None = None
    """The caller's user id (None when anonymous): private records are theirs alone."""
    now: float = 0.0
    """The mock clock's now: generated dates never lie after it."""
    content: bytes | None = None
    """A file body (CSV, PDF) decided by a behaviour, for a response without a JSON schema."""
    _rng: random.Random | None = field(default=None, init=False, repr=False)

    @property
    def rng(self) -> random.Random:
        """The answer's random generator, seeded by :attr:`seed` when first used: most
        answers draw nothing from it, and seeding one from text hashes the text first."""
        if self._rng is None:
            self._rng = random.Random(self.seed)
        return self._rng


class BodyBuilder:
    """Builds one answer body from its response schema, and notes every value it had to invent.

    A value is *sourced* when it comes from the store (a record the request names or one the
    behaviour chose, a collection related to the record the path names, the catalogue of the
    operation's own resource), from ``ctx.values`` (set by the behaviour from the store, the
    request or the spec's rules), from the schema itself (a ``const``) or from a generator the
    spec declares for that field. Anything else is filler: it is still built, so the answer
    stays valid, but its place is listed in :attr:`unsourced` (``data.[].plays``) so a test can
    prove an answer holds none.
    """

    def __init__(self, store: Store, ctx: Context) -> None:
        self.store = store
        self.ctx = ctx
        self.unsourced: list[str] = []

    def build(self, frag: Mapping[str, Any] | None) -> Any:
        if frag is None:
            return None
        body = self.value(frag, "", 0, "")
        for key, value in self.ctx.values.items():
            _assign(body, key.split("."), value)
        return body

    def value(self, frag: Any, name: str, depth: int, path: str) -> Any:
        values = self.ctx.values
        if path and path in values:
            return values[path]
        if not isinstance(frag, Mapping):
            return self.invented(frag, name, depth, path)
        if "resource" in frag:
            return self.one(frag["resource"], path)
        if "page_of" in frag:
            return self.page(frag["page_of"], path)
        if "anyOf" in frag:
            return self.value(frag["anyOf"][0], name, depth, path)
        kind = frag.get("type")
        if (
            kind == "array"
            and isinstance(frag.get("items"), Mapping)
            and "resource" in frag["items"]
        ):
            cap = min(frag.get("maxItems", MAX_LIST), _limit(self.ctx.query))
            items = self.collection(frag["items"]["resource"], path)[:cap]
            return [self.show(frag["items"]["resource"], r) for r in items]
        if "properties" in frag and "const" not in frag and "enum" not in frag:
            out = {}
            required = set(frag.get("required", ()))
            for key, sub in frag["properties"].items():
                if sub is False or (key not in required and depth >= 3):
                    continue
                out[key] = self.value(sub, key, depth + 1, f"{path}.{key}" if path else key)
            return out
        return self.invented(frag, name, depth, path)

    def invented(self, frag: Any, name: str, depth: int, path: str) -> Any:
        """A value from the schema alone: sourced when the schema fixes it (``const``, a
        one-value ``enum``) or names a generator for it, filler otherwise."""
        fixed = isinstance(frag, Mapping) and (
            "const" in frag or len(frag.get("enum", ())) == 1 or "generator" in frag
        )
        if not fixed:
            self.unsourced.append(path or "(body)")
        elif "const" in frag:  # the schema's own value: nothing to draw, no generator to seed
            return frag["const"]
        return example(
            frag,
            self.ctx.rng,
            name=name,
            resource=lambda r, _rng: self.one(r, f"{path}.[]"),
            depth=depth,
            now=self.ctx.now,
        )

    # -- resources ----------------------------------------------------------------------------

    def show(self, resource: str, record: Record) -> Record:
        return render(self.store, resource, record, self.ctx.tier)

    def one(self, resource: str, path: str = "") -> Record:
        record = self.ctx.records.get(resource)
        if record is None:
            self.unsourced.append(path or "(body)")  # no record the request or behaviour names
            pool = self.collection(resource, None) or self.store.all(resource)
            if not pool:
                from ._seed import record_for

                record = record_for(self.store, resource, self.ctx.rng, id=1)
            else:
                record = pool[self.ctx.rng.randrange(len(pool))]
        return self.show(resource, record)

    def collection(self, resource: str, path: str | None) -> list[Record]:
        """The records a list of ``resource`` shows: the behaviour's choice, else those related
        to the record the path names, else the catalogue when ``resource`` is what the
        operation lists. ``path`` (None: no note) is where an unsourced choice is noted."""
        if resource in self.ctx.collections:
            return self.ctx.collections[resource]
        items: list[Record] | None = None
        if self.ctx.parent is not None:
            parent_name, parent = self.ctx.parent
            if parent_name != resource:
                items = self.store.related(parent_name, parent["id"], resource)
        if items is None:
            items = self.store.all(resource)
            if self.ctx.parent is not None:  # unrelated resources: a stable sample
                rng = random.Random(f"{self.ctx.op.id}:{self.ctx.parent[1]['id']}")
                items = rng.sample(items, min(len(items), rng.randint(0, 10)))
                if path is not None:
                    self.unsourced.append(path or "(body)")
            elif path is not None and self.ctx.op.resource != resource:
                self.unsourced.append(path or "(body)")  # the whole catalogue, for no reason
        viewer = self.ctx.viewer
        items = [
            r
            for r in items
            if r.get("public", True) or viewer in (r.get("_owner"), *r.get("_editors", ()))
        ]
        term = self.ctx.query.get("query") or self.ctx.query.get("q")
        if isinstance(term, str) and term.strip():
            needle = term.strip().lower()
            items = [
                r
                for r in items
                if needle
                in str(r.get("name") or r.get("display_name") or r.get("title") or "").lower()
            ]
        return items

    def page(self, item: Mapping[str, Any], path: str = "") -> Record:
        query = self.ctx.query
        per_page = int(
            query.get("per_page")
            or query.get("perPage")
            or query.get("limit")
            or _default_per_page(self.ctx.op)
        )
        current = int(query.get("page") or 1)
        start = (current - 1) * per_page
        if "resource" in item:
            resource = item["resource"]
            everything = self.collection(resource, f"{path}.data" if path else "data")
            total = len(everything)
            if not any(p.name == "page" for p in self.ctx.op.query_params):
                per_page = max(per_page, total)  # no page to ask for: every item on one page
            data: list[Any] = [self.show(resource, r) for r in everything[start : start + per_page]]
        else:
            base = f"{path}.data" if path else "data"
            self.unsourced.append(base)  # neither the items nor their total have a source
            total = random.Random(f"{self.ctx.op.id}:total").randint(0, 45)
            count = max(0, min(per_page, total - start))
            data = [self.value(item, "", 1, f"{base}.[]") for _ in range(count)]
        return envelope(self.store, data, current, per_page, total)


def _limit(query: Mapping[str, Any]) -> int:
    """A ``limit`` query parameter caps plain lists (search results per type, suggestions)."""
    value = query.get("limit")
    return (
        int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0
        else MAX_LIST
    )


def _assign(body: Any, path: list[str], value: Any) -> None:
    """Set ``a.b.c`` in a built body where that place exists (values a behaviour decided)."""
    for key in path[:-1]:
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            return
        body = body[key]
    if isinstance(body, dict) and path[-1] in body:
        body[path[-1]] = value


def _default_per_page(op: Operation) -> int:
    for p in op.query_params:
        if p.name in ("per_page", "perPage", "limit") and "default" in p.schema:
            return int(p.schema["default"])
    return 20
