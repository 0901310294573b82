"""Hypothesis strategies for exactly the JSON-Schema subset the compiler emits.

hypothesis-jsonschema covers all of JSON Schema but is slow here and broken with current
Hypothesis (``'many' object has no attribute 'more'`` on every object draw); a generator for our
own subset is both exact and fast. Every value drawn validates against the schema it was drawn
from: ``tests/test_schemas.py`` checks this for every generated schema.
"""

from __future__ import annotations

import datetime
import re
import string
from typing import Any
from urllib.parse import urljoin

from hypothesis import strategies as st

from ._compile import Schemas

JSON = dict[str, Any]
MAX_DEPTH = 3  # beyond this nesting, optional properties are left out (keeps recursion finite)
_TEXT_ALPHABET = string.ascii_letters + string.digits + " -_.'é"
_TEXT = st.text(alphabet=_TEXT_ALPHABET, max_size=24)
_UTC = datetime.timezone.utc


def _datetime_text() -> st.SearchStrategy[str]:
    moments = st.datetimes(
        min_value=datetime.datetime(2000, 1, 1),
        max_value=datetime.datetime(2035, 12, 31),
        timezones=st.just(_UTC),
    )
    return moments.map(lambda d: d.isoformat().replace("+00:00", "Z"))


_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date": st.dates(datetime.date(2000, 1, 1), datetime.date(2035, 12, 31)).map(
        datetime.date.isoformat
    ),
    "date-time": _datetime_text(),
    "uuid": st.uuids().map(str),
    # Built from parts rather than st.from_regex, which costs milliseconds per draw.
    "email": st.builds(
        "{}@{}.{}".format,
        st.text(string.ascii_lowercase, min_size=1, max_size=8),
        st.text(string.ascii_lowercase, min_size=1, max_size=8),
        st.sampled_from(["com", "ca", "test"]),
    ),
    "uri": st.builds(
        "https://{}.test/{}".format,
        st.text(string.ascii_lowercase, min_size=1, max_size=10),
        st.text(string.ascii_lowercase + string.digits, max_size=12),
    ),
}

#: ``^(a|b|c)(,(a|b|c))*$``: a comma-separated list of documented words (``with``, ``types``),
#: or of ``[0-9]+`` (a list of ids).
_LIST_PATTERN = re.compile(r"\^\((?P<item>[A-Za-z0-9_|]+)\)\(,\((?P=item)\)\)\*\$")
_ID_LIST_PATTERN = "^[0-9]+(,[0-9]+)*$"


def fixed_dicts(
    fixed: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """``st.fixed_dictionaries(fixed, optional=optional)`` in fewer choices: which optional keys
    a value has is one integer, a bit per key, where Hypothesis draws a boolean and an index
    per key present. Hypothesis pays for every choice (a span, a node in its tree of examples
    already drawn), and the suite draws one of these for every request's query and body: for
    two optional keys this costs a third less per example. It shrinks as before, the mask
    towards no optional key and each value towards its simplest; keys keep their order."""
    if not optional:
        return st.fixed_dictionaries(fixed)
    chosen = tuple(optional.items())
    return _with_optional(tuple(fixed.items()), chosen, st.integers(0, 2 ** len(chosen) - 1))


@st.composite
def _with_optional(
    draw: st.DrawFn,
    required: tuple[tuple[str, st.SearchStrategy[Any]], ...],
    chosen: tuple[tuple[str, st.SearchStrategy[Any]], ...],
    masks: st.SearchStrategy[int],
) -> dict[str, Any]:
    # Defined once, given its parts: ``st.composite`` costs a fifth of a millisecond a call,
    # six times what building the strategy from it costs, and there is one per schema object.
    value = {name: draw(s) for name, s in required}
    mask = draw(masks)
    for bit, (name, s) in enumerate(chosen):
        if mask >> bit & 1:
            value[name] = draw(s)
    return value


def sized_lists(
    elements: st.SearchStrategy[Any], min_size: int, max_size: int
) -> st.SearchStrategy[list[Any]]:
    """``st.lists(elements, min_size=..., max_size=...)`` (duplicates allowed) in fewer choices:
    its length is one integer, where Hypothesis draws a boolean before every element. It
    shrinks as before: towards the shortest list of the simplest elements."""
    return _sized(elements, st.integers(min_size, max_size))


@st.composite
def _sized(
    draw: st.DrawFn, elements: st.SearchStrategy[Any], sizes: st.SearchStrategy[int]
) -> list[Any]:
    return [draw(elements) for _ in range(draw(sizes))]


def _pattern(pattern: str) -> st.SearchStrategy[str]:
    """Strings that match ``pattern``: the list patterns the spec uses drawn as lists (so a
    draw costs what a list does), any other through Hypothesis's regex strategy."""
    words: st.SearchStrategy[str]
    if pattern == _ID_LIST_PATTERN:
        words = st.integers(0, 10**6).map(str)
    elif (found := _LIST_PATTERN.fullmatch(pattern)) is not None:
        words = st.sampled_from(found["item"].split("|"))
    else:
        return st.from_regex(pattern, fullmatch=True)
    return sized_lists(words, 1, 4).map(",".join)


class StrategyBuilder:
    """Builds (and caches) strategies for named schemas of one :class:`Schemas`."""

    def __init__(self, schemas: Schemas) -> None:
        self.schemas = schemas
        self._cache: dict[tuple[str, int], st.SearchStrategy[Any]] = {}

    def named(self, name: str) -> st.SearchStrategy[Any]:
        doc = self.schemas[name]
        return self.build(doc, doc["$id"], 0)

    def build(self, schema: Any, base: str, depth: int) -> st.SearchStrategy[Any]:
        if schema is True:
            return st.none() | st.booleans() | st.integers() | _TEXT
        if schema is False:
            return st.nothing()
        if "$ref" in schema:
            target = urljoin(base, schema["$ref"])
            key = (target, depth)
            if key not in self._cache:
                self._cache[key] = st.deferred(
                    lambda: self.build(self.schemas.by_uri[target], target, depth)
                )
            return self._cache[key]
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if "anyOf" in schema:
            return st.one_of([self.build(s, base, depth) for s in alternatives(schema)])
        types = schema.get("type")
        if types is None:
            types = (
                ["object"] if "properties" in schema else ["string", "integer", "boolean", "null"]
            )
        elif isinstance(types, str):
            types = [types]
        return st.one_of([self._typed(t, schema, base, depth) for t in types])

    def _typed(self, kind: str, schema: JSON, base: str, depth: int) -> st.SearchStrategy[Any]:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
        if kind == "number":
            lo, hi = schema.get("minimum", -1e9), schema.get("maximum", 1e9)
            return st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        if kind == "string":
            return self._string(schema)
        if kind == "array":
            items = self.build(schema.get("items", True), base, depth + 1)
            lo, hi = (
                schema.get("minItems", 0),
                schema.get("maxItems", max(schema.get("minItems", 0), 3)),
            )
            if depth >= MAX_DEPTH:
                hi = lo
            if schema.get("uniqueItems"):
                return st.lists(items, min_size=lo, max_size=hi, unique=True)
            return sized_lists(items, lo, hi)
        return self._object(schema, base, depth)

    def _string(self, schema: JSON) -> st.SearchStrategy[str]:
        lo, hi = schema.get("minLength", 0), schema.get("maxLength")
        base: st.SearchStrategy[str]
        if "format" in schema:
            base = _FORMATS[schema["format"]]
        elif "pattern" in schema:
            base = _pattern(str(schema["pattern"]))
        else:
            return st.text(
                alphabet=_TEXT_ALPHABET, min_size=lo, max_size=hi if hi is not None else max(lo, 24)
            )
        if lo == 0 and hi is None:
            return base
        return base.filter(lambda s: len(s) >= lo and (hi is None or len(s) <= hi))

    def _object(self, schema: JSON, base: str, depth: int) -> st.SearchStrategy[JSON]:
        props: JSON = schema.get("properties", {})
        required = [n for n in schema.get("required", []) if props.get(n) is not False]
        optional = (
            {}
            if depth >= MAX_DEPTH
            else {
                n: self.build(s, base, depth + 1)
                for n, s in props.items()
                if n not in required and s is not False
            }
        )
        fixed = {n: self.build(props.get(n, True), base, depth + 1) for n in required}
        strategy = fixed_dicts(fixed, optional)
        extra = schema.get("minProperties", 0) - len(required)
        extra_schema = schema.get("additionalProperties", True)
        if extra > 0 and extra_schema is not False:
            keys = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12).filter(
                lambda k: k not in props
            )
            more = st.dictionaries(
                keys, self.build(extra_schema, base, depth + 1), min_size=extra, max_size=extra
            )
            strategy = st.tuples(strategy, more).map(lambda pair: {**pair[1], **pair[0]})
        return strategy


def alternatives(schema: JSON) -> list[JSON]:
    """The branches of an ``anyOf``, each with the keywords beside it (``{type: object,
    properties, anyOf: [{required: [a]}, {required: [b]}]}``: an object with ``a``, or with
    ``b``). Where the branches only name required fields, they are alternatives (messaging.mdx:
    "either user_id or user_ids, not both"): a branch leaves out the fields the others require,
    so a drawn value sends one of them, and still validates."""
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    if not {"type", "properties", "required"} & set(rest):
        return list(schema["anyOf"])
    choices = [set(b.get("required", ())) for b in schema["anyOf"]]
    only_required = all(set(b) <= {"required"} for b in schema["anyOf"])
    merged = []
    for branch, chosen in zip(schema["anyOf"], choices, strict=True):
        required = [*rest.get("required", ()), *branch.get("required", ())]
        props = {**rest.get("properties", {}), **branch.get("properties", {})}
        if only_required:
            others = set().union(*choices) - chosen
            props = {n: s for n, s in props.items() if n not in others}
        merged.append({**rest, **branch, "properties": props, "required": required})
    return merged


def from_schema(schemas: Schemas, name: str) -> st.SearchStrategy[Any]:
    """A strategy for values valid against the named generated schema."""
    return StrategyBuilder(schemas).named(name)
