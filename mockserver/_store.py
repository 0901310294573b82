"""The mock's in-memory state: resource records, relations between them, and what was "sent".

Records hold every field of the token tier; relation fields (``Track.artists``) hold ids, and
are expanded into nested records when a response is rendered, so related data never goes
stale. Keys starting with ``_`` are private bookkeeping (an owner, a hidden flag) and are never
rendered. Every write bumps :attr:`Store.version`, which keys the response cache.
"""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from spec import Spec

Record = dict[str, Any]
T = TypeVar("T")
MEMO_ENTRIES = 4096
"""Facts :meth:`Store.memo` keeps for one version of the store, at most."""


@dataclass(frozen=True)
class Relation:
    target: str
    many: bool
    paged: bool = False
    """A paginated envelope of the related records (``Artist.albums``)."""


def _nullable(schema: Mapping[str, Any]) -> bool:
    types = schema.get("type")
    return (isinstance(types, list) and "null" in types) or any(
        b.get("type") == "null" for b in schema.get("anyOf", ())
    )


class Shown(NamedTuple):
    """A field an answer of one tier shows: its name, the relation it holds (None: a plain
    value), whether it is required, and whether it may be null."""

    name: str
    relation: Relation | None
    required: bool
    nullable: bool


def relation_of(schema: Mapping[str, Any]) -> Relation | None:
    """``{resource: X}``, ``{type: array, items: {resource: X}}`` or a nullable ``anyOf``."""
    if "resource" in schema:
        return Relation(schema["resource"], False)
    if isinstance(schema.get("page_of"), Mapping) and "resource" in schema["page_of"]:
        return Relation(schema["page_of"]["resource"], True, paged=True)
    kinds = schema.get("type")
    is_array = kinds == "array" or (isinstance(kinds, list) and "array" in kinds)
    if is_array and isinstance(schema.get("items"), Mapping):
        inner = relation_of(schema["items"])
        if inner is not None and not inner.many:
            return Relation(inner.target, True)
    for branch in schema.get("anyOf", ()):
        found = relation_of(branch)
        if found is not None:
            return found
    return None


@dataclass
class SideEffects:
    """What the real API would have done to the outside world; here it is only recorded."""

    outbox: list[Record] = field(default_factory=list)
    """Messages that real users would have received."""
    charges: list[Record] = field(default_factory=list)
    """Payments that would have charged a real card."""
    uploads: list[Record] = field(default_factory=list)
    """Content that would have been published."""
    events: list[Record] = field(default_factory=list)
    """Analytics and activity events (plays, views, typing)."""

    def clear(self) -> None:
        for bucket in (self.outbox, self.charges, self.uploads, self.events):
            bucket.clear()


class Store:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.records: dict[str, dict[Any, Record]] = {name: {} for name in spec.resources}
        self.relations: dict[str, dict[str, Relation]] = {
            name: {f: rel for f, fld in res.fields.items() if (rel := relation_of(fld.schema))}
            for name, res in spec.resources.items()
        }
        self._shown: dict[tuple[str, str], tuple[Shown, ...]] = {}
        self.edges: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
        """Relationships that are not fields: follows, library saves, reposts, editors, ..."""
        self.side_effects = SideEffects()
        self.derived: frozenset[str] = frozenset({"Transaction"})
        """Resources the store does not keep: answers derive them from other records (the
        unified ledger from sales and payouts), so their ids name no stored record."""
        self.invented: set[tuple[str, str]] = set()
        """(resource, field) pairs that seeding drew from a schema with no declared domain."""
        self.version = 0
        self.lock = threading.RLock()
        self._next: dict[str, int] = defaultdict(int)
        self._memo: dict[Hashable, Any] = {}
        self._memo_version = -1
        self.exposed = False
        """Records were handed out to change in place (``BeatPassMock.records``): nothing
        derived from them is reused, since a change may come without a write to note it."""

    # -- records ------------------------------------------------------------------------------

    def id_is_text(self, resource: str) -> bool:
        schema = self.spec.resources[resource].fields["id"].schema
        return schema.get("type") == "string"

    def new_id(self, resource: str) -> Any:
        self._next[resource] += 1
        n = self._next[resource]
        return f"req_{n:05d}" if self.id_is_text(resource) else n

    def add(self, resource: str, record: Record) -> Record:
        with self.lock:
            if "id" not in record:
                record["id"] = self.new_id(resource)
            self.records[resource][record["id"]] = record
            self.version += 1
        return record

    def get(self, resource: str, key: Any) -> Record | None:
        """The record with this id; ``key`` may be the text of an integer id."""
        table = self.records[resource]
        if key in table:
            return table[key]
        if isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 18:
            return table.get(int(key))
        return None

    def find(self, resource: str, field: str, value: Any) -> Record | None:
        """The record a path parameter names: by id, or by the field of the same name
        (``{uuid}`` -> License.uuid, ``{name}`` -> Tag.name, ``{channel}`` -> Channel.slug),
        case aside, as an upload finds a genre or tag by name."""
        record = self.get(resource, value)
        if record is not None:
            return record
        fields = self.spec.resources[resource].fields
        wanted = str(value).casefold()
        for key in (field, "slug", "name", "uuid"):
            if key in fields and key != "id":
                for candidate in self.records[resource].values():
                    if str(candidate.get(key)).casefold() == wanted:
                        return candidate
        return None

    def snapshot(self) -> tuple[Any, ...]:
        state: tuple[Any, ...] = _copy((self.records, dict(self.edges), dict(self._next)))
        return state

    def restore(self, state: tuple[Any, ...]) -> None:
        records, edges, counters = _copy(state)
        self.records = records
        self.edges = defaultdict(set, edges)
        self._next = defaultdict(int, counters)
        self._memo.clear()
        self.version = 0

    def _private_keys(self, resource: str) -> set[str]:
        """Bookkeeping keys (``_owner``, ``_track`` ...) any record of the resource carries."""
        return self.memo(
            ("private keys", resource),
            lambda: {k for r in self.records[resource].values() for k in r if k.startswith("_")},
        )

    def delete(self, resource: str, key: Any) -> bool:
        """Remove a record and every reference to it (a deleted track leaves its playlists and
        its artist's top tracks), so no relation ever names a record that is gone."""
        with self.lock:
            record = self.get(resource, key)
            if record is None:
                return False
            gone = record["id"]
            del self.records[resource][gone]
            for name, relations in self.relations.items():
                for field, rel in relations.items():
                    if rel.target != resource:
                        continue
                    for other in self.records[name].values():
                        value = other.get(field)
                        if rel.many and isinstance(value, list) and gone in value:
                            other[field] = [v for v in value if v != gone]
                        elif not rel.many and value == gone:
                            other[field] = None
            self.version += 1
            return True

    def touch(self) -> None:
        """Note a change made to a record in place."""
        with self.lock:
            self.version += 1

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A fact derived from the records (an index, a play series), computed once per
        version of the store; a key of a fact that depends on the clock names the day.
        Callers must not change what they get (copy it first)."""
        if self._memo_version != self.version or len(self._memo) >= MEMO_ENTRIES:
            self._memo.clear()
            self._memo_version = self.version
        try:
            value: T = self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
        return value

    def all(self, resource: str) -> list[Record]:
        return list(self.records[resource].values())

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def owners(self, record: Record) -> set[Any] | None:
        """The users who own ``record``: its ``_owner`` (an artist's ``_user``), or for a record
        credited to artists (a track, an album) the users behind those artists; None for what
        nobody owns (genres, tags). One rule for the 403s and for the ids tests draw."""
        owner = record.get("_owner", record.get("_user"))
        if owner is not None:
            return {owner}
        credited = record.get("artists")
        if not isinstance(credited, list):
            return None
        artists = self.records["Artist"]
        return {artists[a]["_user"] for a in credited if "_user" in artists.get(a, {})}

    def owned_by(self, resource: str, user_id: Any) -> list[Record]:
        return [r for r in self.all(resource) if user_id in (self.owners(r) or ())]

    # -- relations ----------------------------------------------------------------------------

    def shown(self, resource: str, tier: str) -> tuple[Shown, ...]:
        """The fields of ``resource`` an answer of ``tier`` shows (the token tier all of them),
        in the spec's order: fixed by the spec, so worked out once per resource and tier."""
        key = (resource, tier)
        fields = self._shown.get(key)
        if fields is None:
            relations = self.relations[resource]
            fields = self._shown[key] = tuple(
                Shown(name, relations.get(name), fld.required, _nullable(fld.schema))
                for name, fld in self.spec.resources[resource].fields.items()
                if tier != "public" or fld.tier != "token"
            )
        return fields

    def related(self, parent: str, parent_id: Any, child: str) -> list[Record] | None:
        """Records of ``child`` linked to one ``parent`` record, in either direction.

        None when the two resources are not related at all (the caller then chooses). Worked
        out once per version of the store: finding the records that name a parent reads them
        all, and list answers ask on every request.
        """
        found = self.memo(
            ("related", parent, parent_id, child), lambda: self._related(parent, parent_id, child)
        )
        return None if found is None else list(found)

    def _related(self, parent: str, parent_id: Any, child: str) -> list[Record] | None:
        parent_record = self.get(parent, parent_id)
        if parent_record is None:
            return []
        pid = parent_record["id"]
        for name, rel in self.relations[parent].items():
            if rel.target == child:
                ids = parent_record.get(name)
                ids = ids if isinstance(ids, list) else [ids] if ids is not None else []
                return [r for i in ids if (r := self.get(child, i)) is not None]
        back = [n for n, rel in self.relations[child].items() if rel.target == parent]
        fk = f"{_snake(parent)}_id"
        owner = f"_{_snake(parent)}"
        # A user's things: what they own (``_owner``), as well as what names them.
        owners = (owner, "_owner") if parent == "User" else (owner,)
        if (
            not back
            and fk not in self.spec.resources[child].fields
            and not set(owners) & self._private_keys(child)
        ):
            return None
        out = []
        for record in self.records[child].values():
            if record.get(fk) == pid or any(record.get(key) == pid for key in owners):
                out.append(record)
                continue
            for name in back:
                value = record.get(name)
                if value == pid or (isinstance(value, list) and pid in value):
                    out.append(record)
                    break
        return out


def _copy(value: Any) -> Any:
    """A deep copy of the store's plain data (dicts, lists and sets of JSON-like values; tuples
    hold only values): what ``copy.deepcopy`` gives, without its memo, several times faster. A
    fresh mock copies its seeded store, so every test pays this."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, set):
        return set(value)  # edges: sets of tuples of ids
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


@functools.lru_cache(maxsize=256)
def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
