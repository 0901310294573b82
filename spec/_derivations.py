"""Read and check an operation's ``derived:`` block: the figures of its answer that the docs
derive from others (a profile's track count, a price's fee), as data a check can recompute.

A derivation names operations, rules and fields that are only all known once every api page is
read, so the loader checks these blocks last; each mistake is a :class:`SpecError` naming the
file, line and key (an unknown ``how``, a figure or source path no schema has, a read that is
not a documented read, a rule that is not defined).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import _checks as c
from ._errors import SpecErrorKind
from ._model import HOWS, Derivation, Location, Operation, Resource, Rule
from ._yaml import Node

_KEYS = ("figure", "how", "of", "field", "read", "params", "query", "rule", "source", "doc", "note")
_PARAM_REF = re.compile(r"^\{([^}/]+)\}$")


class Known:
    """What a derivation may name: operations and rules, and what a path may walk through
    (the resources and the pagination envelope)."""

    def __init__(
        self,
        resources: Mapping[str, Resource],
        pagination: Mapping[str, Any],
        operations: Mapping[str, Operation],
        rules: Mapping[str, Rule],
    ) -> None:
        self.resources = resources
        self.pagination = pagination
        self.operations = operations
        self.rules = rules

    def at(self, frag: Any, path: str) -> list[Mapping[str, Any]]:
        """The schema fragments a dotted path can reach from ``frag`` (empty: none)."""
        found = [frag] if isinstance(frag, Mapping) else []
        for key in path.split("."):
            found = [sub for f in found for sub in self._step(f, key)]
        return found

    def _step(self, frag: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
        if "resource" in frag:
            fld = self.resources[frag["resource"]].fields.get(key)
            if fld is not None:
                yield fld.schema
            return
        if "page_of" in frag:
            if key == "data":
                yield {"type": "array", "items": frag["page_of"]}
            elif key in self.pagination.get("properties", {}):
                yield self.pagination["properties"][key]
            return
        for branch in frag.get("anyOf", ()):
            yield from self._step(branch, key)
        sub = frag.get("properties", {}).get(key)
        if isinstance(sub, Mapping):
            yield sub

    def items(self, frag: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The item fragments of a list fragment (a page's data, an array, through anyOf)."""
        if "page_of" in frag:
            return [frag["page_of"]]
        if isinstance(frag.get("items"), Mapping):
            return [frag["items"]]
        return [i for branch in frag.get("anyOf", ()) for i in self.items(branch)]


def derivations(node: Node, op: Operation, frames: Known) -> Operation:
    """``op`` with the derivations of its ``derived:`` list, each checked."""
    raw = node.get("derived")
    if raw is None:
        return op
    if not isinstance(raw, list) or not raw:
        c.fail(SpecErrorKind.BAD_VALUE, "derived must be a non-empty list", node, "derived")
    found = tuple(
        _derivation(c.mapping(e, node, "derived", "a derivation"), op, frames) for e in raw
    )
    return dataclasses.replace(op, derived=found)


def _derivation(entry: Node, op: Operation, frames: Known) -> Derivation:
    c.keys(entry, _KEYS, ("figure", "how", "of"), "a derivation")
    how = c.choice(entry, "how", tuple(HOWS))
    own = op.responses[op.success_status].schema
    figure = c.string(entry, "figure")
    if not frames.at(own, figure):
        c.fail(
            SpecErrorKind.BAD_VALUE,
            f"{op.id}'s success answer has no field {figure!r}",
            entry,
            "figure",
        )
    source = own
    read = entry.get("read", "")
    if read:
        other = frames.operations.get(read)
        if other is None or not other.read_only:
            what = "no operation" if other is None else f"a {other.method}, not a read"
            c.fail(SpecErrorKind.UNDEFINED_REFERENCE, f"{read!r} is {what}", entry, "read")
        source = other.responses[other.success_status].schema
    params = _params(entry, op, frames.operations.get(read) if read else None, own, frames)
    of = _of(entry, how, source, read or op.id, frames)
    field = ""
    if how == "sum":
        field = c.string(entry, "field", required=True)
        items = [i for f in frames.at(source, of[0]) for i in frames.items(f)]
        if not any(frames.at(i, field) for i in items):
            c.fail(
                SpecErrorKind.BAD_VALUE, f"the items of {of[0]!r} have no {field!r}", entry, "field"
            )
    elif "field" in entry:
        c.fail(SpecErrorKind.BAD_VALUE, "field is for how: sum", entry, "field")
    rule = ""
    if how == "product":
        rule = c.string(entry, "rule", required=True)
        if rule not in frames.rules:
            c.fail(SpecErrorKind.UNDEFINED_REFERENCE, f"undefined rule {rule!r}", entry, "rule")
    elif "rule" in entry:
        c.fail(SpecErrorKind.BAD_VALUE, "rule is for how: product", entry, "rule")
    provenance = c.source(entry)
    if provenance == "documented" and "doc" not in entry:
        c.fail(SpecErrorKind.MISSING_KEY, "a documented derivation names its doc page", entry)
    if provenance == "inferred" and "note" not in entry:
        c.fail(SpecErrorKind.MISSING_KEY, "an inferred derivation says why in a note", entry)
    query = c.mapping(entry.get("query") or Node(entry.file, entry.line), entry, "query", "query")
    known = {p.name for p in frames.operations[read].query_params} if read else set()
    for name in query:
        if name not in known:
            c.fail(SpecErrorKind.BAD_VALUE, f"{read or op.id} reads no query {name!r}", query, name)
    return Derivation(
        figure,
        how,
        of,
        field,
        read,
        params,
        tuple((str(k), str(v)) for k, v in query.items()),
        rule,
        provenance,
        entry.get("doc", ""),
        entry.get("note", ""),
        Location(entry.file, entry.line),
    )


def _of(entry: Node, how: str, source: Any, where: str, frames: Known) -> tuple[str, ...]:
    raw = entry["of"]
    paths = raw if isinstance(raw, list) else [raw]
    if (how == "add") != isinstance(raw, list) or not paths:
        shape = "a list of paths" if how == "add" else "one path"
        c.fail(SpecErrorKind.BAD_VALUE, f"of is {shape} for how: {how}", entry, "of")
    for path in paths:
        reached = frames.at(source, path) if isinstance(path, str) and path else []
        if not reached:
            c.fail(SpecErrorKind.BAD_VALUE, f"{where}'s answer has no field {path!r}", entry, "of")
        if how in ("count", "sum") and not any(frames.items(f) for f in reached):
            c.fail(SpecErrorKind.BAD_VALUE, f"{path!r} is not a list", entry, "of")
    return tuple(paths)


def _params(
    entry: Node, op: Operation, read: Operation | None, own: Any, frames: Known
) -> tuple[tuple[str, str], ...]:
    """The read's path parameters: each from this answer (a dotted path) or this request's
    path (``{name}``); every parameter of the read is given, and only those."""
    raw = c.mapping(entry.get("params") or Node(entry.file, entry.line), entry, "params", "params")
    if read is None:
        if raw:
            c.fail(
                SpecErrorKind.BAD_VALUE, "params are for a derivation with a read", entry, "params"
            )
        return ()
    wanted = read.path_template_names
    for name in wanted:
        if name not in raw:
            c.fail(
                SpecErrorKind.MISSING_KEY, f"params needs {read.path}'s {{{name}}}", entry, "params"
            )
    out = []
    for name, value in raw.items():
        if name not in wanted:
            c.fail(SpecErrorKind.BAD_VALUE, f"{read.path} has no parameter {name!r}", raw, name)
        text = str(value)
        ref = _PARAM_REF.match(text)
        if ref is not None and ref.group(1) not in op.path_template_names:
            c.fail(SpecErrorKind.BAD_VALUE, f"{op.path} has no parameter {text}", raw, name)
        if ref is None and not frames.at(own, text):
            c.fail(SpecErrorKind.BAD_VALUE, f"{op.id}'s answer has no field {text!r}", raw, name)
        out.append((str(name), text))
    return tuple(out)
