"""A yes/no validator compiled for the JSON-Schema subset the compiler emits.

jsonschema builds a validator per keyword and per node for every instance it checks: a body of
a list read takes milliseconds, and the contract checks and the mock validate every body and
every request. The generated schemas keep to a small subset (``_checks.SCHEMA_KEYWORDS``, ``$ref``
and annotations), so each compiles once into nested closures that only decide *whether* an
instance is valid, with Draft 2020-12 semantics (``1.0`` is an integer, ``True`` is not ``1``).

jsonschema stays the reference: it alone explains an invalid instance (its errors are what a
report shows), and ``tests/test_schemas.py`` pins the two verdicts together on every schema
family, valid and broken instances alike. A schema using anything outside the subset compiles to
None, and its callers keep using jsonschema for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin

Test = Callable[[Any], bool]
"""Whether an instance is valid against one schema."""

ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples"})


class Unsupported(Exception):
    """A keyword or reference outside the compiled subset: the schema is left to jsonschema."""


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def equal(one: Any, two: Any) -> bool:
    """JSON equality as JSON Schema defines it for ``const``, ``enum`` and ``uniqueItems``:
    a boolean never equals a number, ``1 == 1.0``, containers compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return bool(one == two)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Test] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def _all(tests: list[Test]) -> Test:
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda v: first(v) and second(v)
    return lambda v: all(t(v) for t in tests)


class Compiler:
    """Compiles the schemas of one registry (``$id`` -> document), each referenced document
    once (a recursive reference goes through a cell filled when its target is compiled)."""

    def __init__(self, by_uri: Mapping[str, Any], formats: Mapping[str, Test]) -> None:
        self.by_uri = by_uri
        self.formats = formats
        self._done: dict[str, Test] = {}

    def document(self, uri: str) -> Test:
        """The test of the document with this ``$id`` (raises :class:`Unsupported`)."""
        found = self._done.get(uri)
        if found is not None:
            return found
        if uri not in self.by_uri:
            raise Unsupported(f"no schema {uri}")
        cell: list[Test] = []
        self._done[uri] = lambda v: cell[0](v)
        try:
            test = self.compile(self.by_uri[uri], uri)
        except Unsupported:
            del self._done[uri]
            raise
        cell.append(test)
        self._done[uri] = test
        return test

    def compile(self, schema: Any, base: str) -> Test:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise Unsupported(f"a schema that is a {type(schema).__name__}")
        tests: list[Test] = []
        for key, value in schema.items():
            if key in ANNOTATIONS or key in _OBJECT_KEYS:
                continue
            keyword = _KEYWORDS.get(key)
            if keyword is None:
                raise Unsupported(f"keyword {key!r}")
            tests.append(keyword(self, value, base))
        if any(k in schema for k in _OBJECT_KEYS):
            tests.append(self._object(schema, base))
        return _all(tests)

    def _object(self, schema: Mapping[str, Any], base: str) -> Test:
        required = tuple(schema.get("required", ()))
        props = {k: self.compile(s, base) for k, s in schema.get("properties", {}).items()}
        extra_schema = schema.get("additionalProperties", True)
        extra = None if extra_schema is True else self.compile(extra_schema, base)
        least = schema.get("minProperties", 0)
        most = schema.get("maxProperties")

        def test(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key in required:
                if key not in v:
                    return False
            for key, item in v.items():
                sub = props.get(key, extra)
                if sub is not None and not sub(item):
                    return False
            return len(v) >= least and (most is None or len(v) <= most)

        return test


_OBJECT_KEYS = frozenset(
    {"properties", "required", "additionalProperties", "minProperties", "maxProperties"}
)


def _ref(c: Compiler, ref: Any, base: str) -> Test:
    if not isinstance(ref, str):
        raise Unsupported("a $ref that is not a string")
    target = urljoin(base, ref)
    if "#" in target:
        raise Unsupported(f"a $ref with a fragment ({ref})")
    return c.document(target)


def _type(c: Compiler, kinds: Any, base: str) -> Test:
    names = kinds if isinstance(kinds, list) else [kinds]
    if not names or any(n not in _TYPES for n in names):
        raise Unsupported(f"type {kinds!r}")
    tests = [_TYPES[n] for n in names]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _const(c: Compiler, value: Any, base: str) -> Test:
    return lambda v: equal(v, value)


def _enum(c: Compiler, values: Any, base: str) -> Test:
    if not isinstance(values, list):
        raise Unsupported("an enum that is not a list")
    strings = frozenset(x for x in values if isinstance(x, str))
    others = [x for x in values if not isinstance(x, str)]
    return lambda v: (v in strings) if isinstance(v, str) else any(equal(v, x) for x in others)


Keyword = Callable[["Compiler", Any, str], Test]


def _bound(check: Callable[[Any, Any], bool], applies: Test) -> Keyword:
    def keyword(c: Compiler, limit: Any, base: str) -> Test:
        if isinstance(limit, bool) or not isinstance(limit, (int, float)):
            raise Unsupported(f"a bound {limit!r}")
        return lambda v: not applies(v) or check(v, limit)

    return keyword


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _pattern(c: Compiler, pattern: Any, base: str) -> Test:
    compiled = re.compile(pattern)
    return lambda v: not isinstance(v, str) or compiled.search(v) is not None


def _format(c: Compiler, name: Any, base: str) -> Test:
    return c.formats.get(name, _always)  # an unchecked format constrains nothing


def _items(c: Compiler, schema: Any, base: str) -> Test:
    item = c.compile(schema, base)
    return lambda v: not isinstance(v, list) or all(item(x) for x in v)


def _unique(c: Compiler, flag: Any, base: str) -> Test:
    if not flag:
        return _always

    def test(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        return not any(equal(a, b) for i, a in enumerate(v) for b in v[i + 1 :])

    return test


def _any_of(c: Compiler, branches: Any, base: str) -> Test:
    if not isinstance(branches, list) or not branches:
        raise Unsupported("an anyOf that is not a non-empty list")
    tests = [c.compile(b, base) for b in branches]
    return lambda v: any(t(v) for t in tests)


_KEYWORDS: dict[str, Keyword] = {
    "$ref": _ref,
    "type": _type,
    "const": _const,
    "enum": _enum,
    "minimum": _bound(lambda v, n: v >= n, _is_number),
    "maximum": _bound(lambda v, n: v <= n, _is_number),
    "minLength": _bound(lambda v, n: len(v) >= n, _is_str),
    "maxLength": _bound(lambda v, n: len(v) <= n, _is_str),
    "minItems": _bound(lambda v, n: len(v) >= n, _is_list),
    "maxItems": _bound(lambda v, n: len(v) <= n, _is_list),
    "uniqueItems": _unique,
    "pattern": _pattern,
    "format": _format,
    "items": _items,
    "anyOf": _any_of,
}
