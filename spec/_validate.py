"""A yes/no validator compiled for the JSON-Schema subset the compiler emits.

jsonschema builds a validator per keyword and per node for every instance it checks: a body of
a list read takes milliseconds, and the contract checks and the mock validate every body and
every request. The generated schemas keep to a small subset (``_checks.SCHEMA_KEYWORDS``, ``$ref``
and annotations), so each schema document compiles once into one Python function that only
decides *whether* an instance is valid, with Draft 2020-12 semantics (``1.0`` is an integer,
``True`` is not ``1``). The function is written as source and compiled: a node's keywords
become a few inline tests, where a function per keyword and node would cost a call each (most
of a check's time), and a ``$ref`` becomes a call of the referenced document's function.

jsonschema stays the reference: it alone explains an invalid instance (its errors are what a
report shows), and ``tests/test_schemas.py`` pins the two verdicts together on every schema
family, valid and broken instances alike. A schema using anything outside the subset compiles to
None, and its callers keep using jsonschema for it.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

Test = Callable[[Any], bool]
"""Whether an instance is valid against one schema."""

ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples"})


class Unsupported(Exception):
    """A keyword or reference outside the compiled subset: the schema is left to jsonschema."""


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


class Compiler:
    """Compiles the schemas of one registry (``$id`` -> document) into Python functions, each
    referenced document once: a document is a function in the namespace this compiler keeps,
    and a ``$ref`` a call of it by name, so a recursive reference needs nothing special."""

    def __init__(self, by_uri: Mapping[str, Any], formats: Mapping[str, Test]) -> None:
        self.by_uri = by_uri
        self.formats = formats
        self._names: dict[str, str] = {}  # document $id -> its function's name
        self._functions: dict[str, Test] = {}  # by name: documents, and the nodes split off
        self._factories: dict[str, Callable[..., Test]] = {}  # by their source
        self._count = 0
        self._pending: list[tuple[str, str, list[Any]]] = []  # written, not yet made
        self._written: list[str] = []  # the documents among them
        self._lock = threading.RLock()

    def document(self, uri: str) -> Test:
        """The test of the document with this ``$id`` (raises :class:`Unsupported`)."""
        return self._compiled(lambda: self._document(uri))

    def compile(self, schema: Any, base: str) -> Test:
        """The test of a schema that is not a document of the registry (its ``$ref`` values
        resolved against ``base``)."""

        def write() -> str:
            name = self._fresh("s")
            self._function(name, schema, base)
            return name

        return self._compiled(write)

    def _compiled(self, write: Callable[[], str]) -> Test:
        """The function ``write`` names, with every function it wrote made; when one of them
        cannot be, none is kept (a document written may call one that failed: each is written
        again, on its own, when asked for). The served sandbox answers in worker threads that
        compile on one compiler: the lock makes each call whole, and a call made while another
        is writing (in the same thread) writes a batch of its own."""
        with self._lock:
            outer = self._pending, self._written
            self._pending, self._written = [], []
            try:
                name = write()
                self._make(self._pending)
            except BaseException:
                for uri in self._written:
                    self._names.pop(uri, None)
                raise
            finally:
                self._pending, self._written = outer
            return self._functions[name]

    def _make(self, pending: list[tuple[str, str, list[Any]]]) -> None:
        """Compile the factories not compiled yet, then make each function written."""
        new = {source for _, source, _ in pending if source not in self._factories}
        if new:  # one compile for all: a call of compile() costs as much as a small function
            namespace = dict(_HELPERS)
            named = {source: f"m{i}" for i, source in enumerate(new)}
            module = "\n".join(
                source.replace("def _make(", f"def {named[source]}(", 1) for source in new
            )
            exec(compile(module, "<compiled schemas>", "exec"), namespace)
            for source in new:
                self._factories[source] = namespace[named[source]]
        # Written after what they call (a $ref's document, a node split off), so each is made
        # after those; a call back into a document still being made (a cycle) goes by name.
        for written, source, args in pending:
            bound = [self._function_named(a) if isinstance(a, _Call) else a for a in args]
            self._functions[written] = self._factories[source](*bound)

    def _function_named(self, call: _Call) -> Test:
        made = self._functions.get(call.name)
        if made is not None:
            return made
        functions, name = self._functions, call.name
        return lambda v: functions[name](v)

    # -- writing functions --------------------------------------------------------------------

    def _document(self, uri: str) -> str:
        """The name of the document's function, written (with what it references) when new."""
        name = self._names.get(uri)
        if name is not None:
            return name
        if uri not in self.by_uri:
            raise Unsupported(f"no schema {uri}")
        name = self._names[uri] = self._fresh("d")  # before its body: a cycle calls it by name
        self._written.append(uri)
        self._function(name, self.by_uri[uri], uri)
        return name

    def _function(self, name: str, schema: Any, base: str) -> None:
        writer = _Writer(self, base)
        valid = writer.node(schema, "v0", 0) or "True"
        # Every literal and function it names is an argument of a factory, so documents of
        # one shape (most of them: an answer wrapping a page of some resource) share the
        # factory's code, compiled once.
        arguments = ", ".join(f"a{i}" for i in range(len(writer.args)))
        source = f"def _make({arguments}):\n def f(v0):\n  return {valid}\n return f"
        self._pending.append((name, source, writer.args))

    def _fresh(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"


@dataclass(frozen=True)
class _Call:
    """An argument that is the function of that name (made by the time it is called)."""

    name: str


MAX_INLINE = 16
"""How deeply a schema's nodes nest in one function's expression before a node gets a function
of its own (Python's parser bounds how deeply an expression nests)."""

_OBJECT_KEYS = frozenset(
    {"properties", "required", "additionalProperties", "minProperties", "maxProperties"}
)

_MISSING = object()


def _integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and v.is_integer()
    )


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_unique(v: list[Any]) -> bool:
    return not any(equal(a, b) for i, a in enumerate(v) for b in v[i + 1 :])


_HELPERS: dict[str, Any] = {
    "_equal": equal,
    "_unique": _is_unique,
    "_integer": _integer,
    "_number": _number,
    "_M": _MISSING,
}

_TYPE_TESTS = {  # the common exact type first: most values are of it
    "string": "isinstance({v}, str)",
    "integer": "(type({v}) is int or _integer({v}))",
    "number": "(type({v}) is int or type({v}) is float or _number({v}))",
    "boolean": "({v} is True or {v} is False)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "null": "{v} is None",
}

_APPLIES = {  # the values a keyword constrains (any other is valid against it)
    "minimum": ("integer", "number"),
    "maximum": ("integer", "number"),
    "minLength": ("string",),
    "maxLength": ("string",),
    "pattern": ("string",),
    "minItems": ("array",),
    "maxItems": ("array",),
    "uniqueItems": ("array",),
    "items": ("array",),
}
_APPLIES_TEST = {
    ("integer", "number"): "_number({v})",
    ("string",): "isinstance({v}, str)",
    ("array",): "isinstance({v}, list)",
    ("object",): "isinstance({v}, dict)",
}


class _Writer:
    """Writes one function: each schema node as one boolean expression of the variable that
    holds its value. A node's ``type`` is tested first, so the keywords after it need not test
    again what it already has (``minimum`` of an ``integer`` is one comparison)."""

    def __init__(self, compiler: Compiler, base: str) -> None:
        self.c, self.base, self._vars = compiler, base, 0
        self.args: list[Any] = []
        """What the function's source names by ``a0``, ``a1``, ...: its literals, constants
        and the functions it calls."""

    def bind(self, value: Any) -> str:
        """The source's name for ``value`` (a literal, a constant or a :class:`_Call`)."""
        self.args.append(value)
        return f"a{len(self.args) - 1}"

    def var(self) -> str:
        self._vars += 1
        return f"v{self._vars}"

    def node(self, schema: Any, var: str, depth: int) -> str | None:
        """The expression true when ``var`` is valid (None: every value is)."""
        if schema is True:
            return None
        if schema is False:
            return "False"
        if not isinstance(schema, Mapping):
            raise Unsupported(f"a schema that is a {type(schema).__name__}")
        if depth > MAX_INLINE:
            name = self.c._fresh("n")
            self.c._function(name, schema, self.base)
            return f"{self.bind(_Call(name))}({var})"
        for key in schema:
            if key not in ANNOTATIONS and key not in _OBJECT_KEYS and key not in _KEYWORDS:
                raise Unsupported(f"keyword {key!r}")
        kinds: tuple[str, ...] | None = None
        parts: list[str] = []
        if "type" in schema:
            kinds = _kinds(schema["type"])
            parts.append(" or ".join(_TYPE_TESTS[k].format(v=var) for k in kinds))
        for key, value in schema.items():
            if key == "type" or key not in _KEYWORDS:
                continue
            test = _KEYWORDS[key](self, value, var, depth)
            if test is not None:
                test = self._guarded(test, _APPLIES.get(key), kinds, var)
            if test is not None:
                parts.append(test)
        if any(k in schema for k in _OBJECT_KEYS):
            test = self._object(schema, var, depth)
            if test is not None:
                test = self._guarded(test, ("object",), kinds, var)
            if test is not None:
                parts.append(test)
        if not parts:
            return None
        return "(" + ") and (".join(parts) + ")" if len(parts) > 1 else f"({parts[0]})"

    def _guarded(
        self, test: str, applies: tuple[str, ...] | None, kinds: tuple[str, ...] | None, var: str
    ) -> str | None:
        """``test``, where it constrains only some values, made to hold for the others too;
        what ``type`` already decided is not tested again (None: nothing left to test)."""
        if applies is None:
            return test
        if kinds is not None:
            others = [k for k in kinds if k not in applies]
            if not others:  # the type test passed: the value is one the keyword constrains
                return test
            if len(others) == len(kinds):  # none of them is
                return None
            if others == ["null"]:
                return f"{var} is None or {test}"
        return f"not {_APPLIES_TEST[applies].format(v=var)} or {test}"

    def _object(self, schema: Mapping[str, Any], var: str, depth: int) -> str | None:
        parts: list[str] = []
        required = schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(k, str) for k in required):
            raise Unsupported("a required that is not a list of names")
        parts += [f"{self.bind(k)} in {var}" for k in required]
        props = schema.get("properties", {})
        if not isinstance(props, Mapping):
            raise Unsupported("properties that are not a mapping")
        for key, sub in props.items():
            item = self.var()
            test = self.node(sub, item, depth + 1)
            if test is not None:
                parts.append(f"({item} := {var}.get({self.bind(key)}, _M)) is _M or {test}")
        extra = schema.get("additionalProperties", True)
        if extra is not True:
            known = self.bind(frozenset(props))
            if extra is False:
                parts.append(f"{known}.issuperset({var})")
            else:
                key, item = self.var(), self.var()
                test = self.node(extra, item, depth + 1)
                if test is not None:
                    each = f"{key} in {known} or {test}"
                    parts.append(f"all({each} for {key}, {item} in {var}.items())")
        for keyword, op in (("minProperties", ">="), ("maxProperties", "<=")):
            if keyword in schema:
                parts.append(f"len({var}) {op} {self.bind(_bound(schema[keyword]))}")
        return "(" + ") and (".join(parts) + ")" if parts else None


def _kinds(kinds: Any) -> tuple[str, ...]:
    names = tuple(kinds) if isinstance(kinds, list) else (kinds,)
    if not names or any(n not in _TYPE_TESTS for n in names):
        raise Unsupported(f"type {kinds!r}")
    return names


def _bound(limit: Any) -> Any:
    if isinstance(limit, bool) or not isinstance(limit, (int, float)):
        raise Unsupported(f"a bound {limit!r}")
    return limit


Keyword = Callable[[_Writer, Any, str, int], str | None]
"""Writes one keyword's test: (writer, the keyword's value, variable, depth) -> expression,
None when it constrains nothing."""


def _resolve(base: str, ref: str) -> str:
    """``urljoin(base, ref)``, the same for every document of one folder (most references
    are the same few paths from one folder: a page of a resource)."""
    if not ref or ref[0] in "#?" or base.count("/") < 3:  # the document itself, or no folder
        return urljoin(base, ref)
    return _in_folder(base.rpartition("/")[0] + "/", ref)


@functools.lru_cache(maxsize=4096)
def _in_folder(folder: str, ref: str) -> str:
    return urljoin(folder, ref)


def _ref(w: _Writer, ref: Any, var: str, depth: int) -> str:
    if not isinstance(ref, str):
        raise Unsupported("a $ref that is not a string")
    target = _resolve(w.base, ref)
    if "#" in target:
        raise Unsupported(f"a $ref with a fragment ({ref})")
    return f"{w.bind(_Call(w.c._document(target)))}({var})"


def _const(w: _Writer, value: Any, var: str, depth: int) -> str:
    if isinstance(value, str):  # only a string equals a string
        return f"{var} == {w.bind(value)}"
    return f"_equal({var}, {w.bind(value)})"


def _enum(w: _Writer, values: Any, var: str, depth: int) -> str:
    if not isinstance(values, list):
        raise Unsupported("an enum that is not a list")
    strings = w.bind(frozenset(x for x in values if isinstance(x, str)))
    others = [x for x in values if not isinstance(x, str)]
    if not others:
        return f"isinstance({var}, str) and {var} in {strings}"
    rest = w.bind(others)
    return (
        f"{var} in {strings} if isinstance({var}, str) else any(_equal({var}, x) for x in {rest})"
    )


def _compare(test: str) -> Keyword:
    def keyword(w: _Writer, limit: Any, var: str, depth: int) -> str:
        return test.format(v=var, n=w.bind(_bound(limit)))

    return keyword


def _pattern(w: _Writer, pattern: Any, var: str, depth: int) -> str:
    if not isinstance(pattern, str):
        raise Unsupported("a pattern that is not a string")
    return f"{w.bind(re.compile(pattern))}.search({var}) is not None"


def _format(w: _Writer, name: Any, var: str, depth: int) -> str | None:
    test = w.c.formats.get(name)
    if test is None:  # an unchecked format constrains nothing
        return None
    return f"{w.bind(test)}({var})"


def _items(w: _Writer, schema: Any, var: str, depth: int) -> str | None:
    item = w.var()
    test = w.node(schema, item, depth + 1)
    return None if test is None else f"all({test} for {item} in {var})"


def _unique(w: _Writer, flag: Any, var: str, depth: int) -> str | None:
    return f"_unique({var})" if flag else None


def _any_of(w: _Writer, branches: Any, var: str, depth: int) -> str | None:
    if not isinstance(branches, list) or not branches:
        raise Unsupported("an anyOf that is not a non-empty list")
    tests = [w.node(branch, var, depth + 1) for branch in branches]
    if any(t is None for t in tests):  # a branch every value passes
        return None
    return " or ".join(f"({t})" for t in tests)


_KEYWORDS: dict[str, Keyword] = {
    "$ref": _ref,
    "type": lambda w, kinds, var, depth: None,  # written first, by the node (see _Writer)
    "const": _const,
    "enum": _enum,
    "minimum": _compare("{v} >= {n}"),
    "maximum": _compare("{v} <= {n}"),
    "minLength": _compare("len({v}) >= {n}"),
    "maxLength": _compare("len({v}) <= {n}"),
    "minItems": _compare("len({v}) >= {n}"),
    "maxItems": _compare("len({v}) <= {n}"),
    "uniqueItems": _unique,
    "pattern": _pattern,
    "format": _format,
    "items": _items,
    "anyOf": _any_of,
}
