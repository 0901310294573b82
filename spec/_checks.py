"""Small checks that turn a wrong value into a SpecError pointing at its file, line and key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from ._errors import SpecError, SpecErrorKind
from ._generators import GENERATORS
from ._model import Source
from ._yaml import Node

#: The JSON-Schema keywords a spec fragment may use (docs/spec-format.md). Keeping to a subset
#: lets the compiler, the validators and the data generators agree exactly.
SCHEMA_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "enum",
        "const",
        "format",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "anyOf",
        "description",
        "default",
        "examples",
        "minProperties",
        "maxProperties",
        "generator",
        "refusal",
    }
)
EXTENSION_KEYWORDS = frozenset({"resource", "page_of", "ref"})
TYPES = frozenset({"string", "integer", "number", "boolean", "object", "array", "null"})
FORMATS = frozenset({"date", "date-time", "uri", "email", "uuid"})
SOURCES = ("documented", "inferred")


def fail(kind: SpecErrorKind, problem: str, node: Any = None, key: Any = None) -> NoReturn:
    file = node.file if isinstance(node, Node) else None
    line = (node.line_of(key) if key is not None else node.line) if isinstance(node, Node) else None
    raise SpecError(kind, problem, file=file, line=line, key=None if key is None else str(key))


def mapping(value: Any, parent: Any, key: Any, what: str) -> Node:
    if not isinstance(value, Node):
        fail(SpecErrorKind.BAD_VALUE, f"{what} must be a mapping, got {_kind(value)}", parent, key)
    return value


def keys(node: Node, allowed: Iterable[str], required: Iterable[str], what: str) -> None:
    allowed = list(allowed)
    for key in node:
        if key not in allowed:
            hint = difflib.get_close_matches(str(key), allowed, n=1)
            tip = f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
            fail(SpecErrorKind.UNKNOWN_KEY, f"unknown key in {what}{tip}", node, key)
    for key in required:
        if key not in node:
            fail(SpecErrorKind.MISSING_KEY, f"{what} needs the key {key!r}", node)


def string(node: Node, key: str, default: str | None = None, *, required: bool = False) -> str:
    if key not in node:
        if required or default is None:
            fail(SpecErrorKind.MISSING_KEY, f"missing key {key!r}", node)
        return default
    value = node[key]
    if not isinstance(value, str) or not value.strip():
        fail(SpecErrorKind.BAD_VALUE, f"must be a non-empty string, got {_kind(value)}", node, key)
    return value


def choice(node: Node, key: str, choices: Iterable[str], default: str | None = None) -> Any:
    """The value, checked to be one of ``choices`` (typed Any: callers narrow it to a Literal)."""
    choices = tuple(choices)
    value = string(node, key, default)
    if value not in choices:
        hint = difflib.get_close_matches(value, choices, n=1)
        tip = f"; did you mean {hint[0]!r}?" if hint else ""
        fail(
            SpecErrorKind.BAD_VALUE, f"{value!r} is not one of {', '.join(choices)}{tip}", node, key
        )
    return value


def integer(node: Node, key: str, *, minimum: int = 0) -> int:
    if key not in node:
        fail(SpecErrorKind.MISSING_KEY, f"missing key {key!r}", node)
    value = node[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        fail(SpecErrorKind.BAD_VALUE, f"must be an integer >= {minimum}, got {value!r}", node, key)
    return value


def boolean(node: Node, key: str, default: bool) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        fail(SpecErrorKind.BAD_VALUE, f"must be true or false, got {value!r}", node, key)
    return value


def source(node: Node) -> Source:
    value: Source = choice(node, "source", SOURCES, "documented")
    return value


def _kind(value: Any) -> str:
    return "a mapping" if isinstance(value, Mapping) else type(value).__name__


def schema_fragment(
    frag: Any,
    parent: Any,
    key: Any,
    *,
    resources: Mapping[str, Any] | set[str],
    refs: Mapping[str, Any] | set[str],
) -> None:
    """Check a schema fragment against the supported subset, recursively."""
    node = mapping(frag, parent, key, "a schema")
    ext = set(EXTENSION_KEYWORDS.intersection(node))
    if ext:
        if len(ext) > 1 or set(node) - ext - {"description"}:
            fail(
                SpecErrorKind.INVALID_SCHEMA,
                f"{'/'.join(sorted(ext))} must stand alone in its mapping (besides description)",
                node,
            )
        name = ext.pop()
        if name == "page_of":
            schema_fragment(node["page_of"], node, "page_of", resources=resources, refs=refs)
            return
        target, known = (node[name], resources if name == "resource" else refs)
        if target not in known:
            hint = difflib.get_close_matches(str(target), list(known), n=1)
            tip = f"; did you mean {hint[0]!r}?" if hint else ""
            what = "resource" if name == "resource" else "shared schema"
            fail(SpecErrorKind.UNDEFINED_REFERENCE, f"undefined {what} {target!r}{tip}", node, name)
        return
    for kw, value in node.items():
        if kw not in SCHEMA_KEYWORDS:
            hint = difflib.get_close_matches(
                str(kw), sorted(SCHEMA_KEYWORDS | EXTENSION_KEYWORDS), n=1
            )
            tip = f"; did you mean {hint[0]!r}?" if hint else ""
            fail(SpecErrorKind.INVALID_SCHEMA, f"unsupported schema keyword{tip}", node, kw)
        _keyword(kw, value, node, resources, refs)
    props = node.get("properties", {})
    for name in node.get("required", ()):
        if "properties" in node and name not in props:
            fail(
                SpecErrorKind.INVALID_SCHEMA,
                f"required field {name!r} is not in properties",
                node,
                "required",
            )


def _keyword(kw: str, value: Any, node: Node, resources: Any, refs: Any) -> None:
    def bad(problem: str) -> NoReturn:
        fail(SpecErrorKind.INVALID_SCHEMA, problem, node, kw)

    if kw == "type":
        names = value if isinstance(value, list) else [value]
        if not names or any(n not in TYPES for n in names):
            bad(f"type must name one or more of {', '.join(sorted(TYPES))}, got {value!r}")
    elif kw == "properties":
        props = mapping(value, node, kw, "properties")
        for name, sub in props.items():
            schema_fragment(sub, props, name, resources=resources, refs=refs)
    elif kw in ("items", "additionalProperties") and not isinstance(value, bool):
        schema_fragment(value, node, kw, resources=resources, refs=refs)
    elif kw == "anyOf":
        if not isinstance(value, list) or not value:
            bad("anyOf must be a non-empty list of schemas")
        for sub in value:
            schema_fragment(sub, node, kw, resources=resources, refs=refs)
    elif kw == "required":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad("required must be a list of field names")
    elif kw == "enum":
        if not isinstance(value, list) or not value:
            bad("enum must be a non-empty list")
    elif kw == "format":
        if value not in FORMATS:
            bad(f"format must be one of {', '.join(sorted(FORMATS))}, got {value!r}")
    elif kw in ("minimum", "maximum"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            bad(f"{kw} must be a number, got {value!r}")
    elif kw in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            bad(f"{kw} must be a non-negative integer, got {value!r}")
    elif kw == "uniqueItems":
        if not isinstance(value, bool):
            bad("uniqueItems must be true or false")
    elif kw == "pattern":
        try:
            re.compile(value)
        except (re.error, TypeError) as exc:
            bad(f"pattern is not a valid regular expression: {exc}")
    elif kw == "examples" and not isinstance(value, list):
        bad("examples must be a list")
    elif kw == "refusal":
        entry = mapping(value, node, kw, "a refusal")
        keys(entry, ("status", "message"), ("status", "message"), "a refusal")
        integer(entry, "status", minimum=400)
        string(entry, "message")
    elif kw == "generator" and value not in GENERATORS:
        hint = difflib.get_close_matches(str(value), sorted(GENERATORS), n=1)
        known = ", ".join(sorted(GENERATORS))
        tip = f"; did you mean {hint[0]!r}?" if hint else f"; known: {known}"
        bad(f"unknown generator {value!r}{tip}")


_JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (Mapping,),
    "array": (list,),
    "null": (type(None),),
}


def conforms(value: Any, schema: Mapping[str, Any], where: str = "") -> tuple[str, str] | None:
    """The first place where ``value`` breaks ``schema`` (a fragment of the spec's subset,
    without extension keys), as (path, problem); None when it conforms. The loader checks each
    rule's value with it: a few lines instead of importing a full validator at load time."""
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        ok = any(
            isinstance(value, _JSON_TYPES[n])
            and not (n in ("integer", "number") and isinstance(value, bool))
            for n in names
        )
        if not ok:
            return where, f"{value!r} is not of type {' or '.join(names)}"
    if "const" in schema and value != schema["const"]:
        return where, f"{value!r} is not {schema['const']!r}"
    if "enum" in schema and value not in schema["enum"]:
        return where, f"{value!r} is not one of {schema['enum']!r}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return where, f"{value!r} is less than the minimum of {schema['minimum']!r}"
        if "maximum" in schema and value > schema["maximum"]:
            return where, f"{value!r} is greater than the maximum of {schema['maximum']!r}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return where, f"{value!r} is shorter than {schema['minLength']}"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return where, f"{value!r} is longer than {schema['maxLength']}"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return where, f"{value!r} does not match {schema['pattern']!r}"
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            return where, f"has fewer than {schema['minItems']} items"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return where, f"has more than {schema['maxItems']} items"
        if schema.get("uniqueItems") and len({repr(v) for v in value}) != len(value):
            return where, "has repeated items"
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                found = conforms(item, items, f"{where}/{i}" if where else str(i))
                if found is not None:
                    return found
    if isinstance(value, Mapping):
        for key in schema.get("required", ()):
            if key not in value:
                return where, f"{key!r} is a required property"
        props = schema.get("properties", {})
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                extra = schema.get("additionalProperties", True)
                if extra is False:
                    return where, f"{key!r} is not allowed"
                sub = extra if isinstance(extra, Mapping) else None
            if sub is not None:
                found = conforms(item, sub, f"{where}/{key}" if where else str(key))
                if found is not None:
                    return found
    if "anyOf" in schema and all(conforms(value, b, where) is not None for b in schema["anyOf"]):
        return where, f"{value!r} matches none of anyOf"
    return None
