"""The schema compiler: every schema is valid Draft 2020-12, and data drawn from each validates."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import spec
from contract_tests import run_property
from spec._compile import FORMAT_CHECKER, FORMATS
from spec._strategies import StrategyBuilder, _pattern, fixed_dicts, sized_lists
from spec._validate import Compiler, Unsupported

API = spec.load()
SCHEMAS = API.schemas
BUILDER = StrategyBuilder(SCHEMAS)


def test_every_schema_passes_the_metaschema() -> None:
    for name in SCHEMAS:
        Draft202012Validator.check_schema(SCHEMAS[name])


def test_one_schema_per_resource_tier_and_operation_response() -> None:
    for res in API.resources:
        assert f"resources/{res}.public" in SCHEMAS.documents
        assert f"resources/{res}.token" in SCHEMAS.documents
    for op in API.operations.values():
        for status, response in op.responses.items():
            for tier in op.tiers:
                assert (SCHEMAS.response(op.id, status, tier) is None) == (response.schema is None)


def test_validators_are_built_once() -> None:
    assert SCHEMAS.validator("common/error") is SCHEMAS.validator("common/error")


DRAWS = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("name", sorted(SCHEMAS), ids=str)
def test_drawn_values_validate(name: str) -> None:
    def drawn_value_validates(value: object) -> None:
        assert SCHEMAS.reference_errors(name, value) == []  # jsonschema's verdict
        assert SCHEMAS.errors(name, value) == []

    # A property per call, not @given under parametrize: see contract_tests.run_property.
    run_property(drawn_value_validates, DRAWS, value=BUILDER.named(name))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("common/error", {"message": "Not found."}),
        (
            "common/error",
            {"message": "The given data was invalid.", "errors": {"name": ["Required."]}},
        ),
        ("common/too_many_attempts", {"message": "Too Many Attempts.", "retry_after": 60}),
    ],
)
def test_documented_examples_validate(name: str, value: object) -> None:
    assert SCHEMAS.errors(name, value) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("common/error", {"errors": {"name": ["x"]}}),  # no message
        (
            "common/error",
            {"message": "x", "errors": {"name": "x"}},
        ),  # OpenAPI's string-per-field shape
        ("common/too_many_attempts", {"message": "Too Many Attempts."}),  # no retry_after
        (
            "resources/Track.public",
            {
                "id": 1,
                "name": "x",
                "image": "i",
                "created_at": "2024-01-01T00:00:00Z",
                "model_type": "track",
                "duration_text": "3:00",
                "price": 9.99,
            },
        ),
    ],
)
def test_contract_breaking_values_are_rejected(name: str, value: object) -> None:
    assert SCHEMAS.errors(name, value) != []


# -- the compiled validator gives jsonschema's verdict ------------------------------------------

PROBES: tuple[object, ...] = (
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    2.5,
    "",
    "x",
    "x" * 300,
    "2026-13-40",
    "2026-01-31T10:00:00Z",
    "3f2b1c9e-8d7a-4b6c-9e5f-0a1b2c3d4e5f",
    "a@b.ca",
    "https://x.test/",
    [],
    [1, 1],
    [1, True],
    {},
    {"zz": 1},
)
"""Values put in place of each part of a valid instance: every type, the bounds and formats
the spec uses, and the equalities JSON Schema defines its own way (1 is 1.0, True is not 1)."""


def _paths(value: object, here: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*here, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*here, i))
    return found


def _edit(value: object, path: tuple[object, ...], change: object) -> object:
    """A copy of ``value`` with the part at ``path`` changed (a callable: given the part)."""
    if not path:
        return change(value) if callable(change) else change
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _edit(value[head], rest, change)}  # type: ignore[index]
    assert isinstance(value, list)
    assert isinstance(head, int)
    return [*value[:head], _edit(value[head], rest, change), *value[head + 1 :]]


def _mutants(value: object, nodes: int = 6) -> list[object]:
    """Broken (and some still valid) variants of a valid instance: parts replaced by each
    probe, a key dropped, a key added, at up to ``nodes`` places spread over the instance."""
    paths = _paths(value)
    step = max(1, len(paths) // nodes)
    out: list[object] = [value]
    for path in paths[::step][: nodes + 1]:
        out += [_edit(value, path, probe) for probe in PROBES]
        target: object = value
        for key in path:
            target = target[key]  # type: ignore[index]
        if isinstance(target, dict):
            out.append(_edit(value, path, {**target, "zz_extra": 1}))
            out += [
                _edit(value, path, {k: v for k, v in target.items() if k != key})
                for key in list(target)[:4]
            ]
    return out


def _verdicts_agree(name: str, value: object) -> None:
    test = SCHEMAS.test(name)
    assert test is not None, f"{name} is not compiled"
    for mutant in _mutants(value):
        reference = SCHEMAS.reference_errors(name, mutant) == []
        assert test(mutant) is reference, (name, mutant, SCHEMAS.reference_errors(name, mutant))


def _pinned_names() -> list[str]:
    """Every schema but the per-status responses (each a $ref wrapper of a resource or a
    page, the same keywords over again), and each operation's success response per tier."""
    names = [n for n in SCHEMAS if "/response." not in n]
    for op in API.operations.values():
        for tier in op.tiers:
            name = f"operations/{op.id}/response.{op.success_status}.{tier}"
            if name in SCHEMAS.documents:
                names.append(name)
    return sorted(names)


PIN = settings(DRAWS, max_examples=2)


@pytest.mark.parametrize("name", _pinned_names(), ids=str)
def test_compiled_validator_agrees_with_jsonschema(name: str) -> None:
    def same_verdict_on_valid_and_broken_values(value: object) -> None:
        _verdicts_agree(name, value)

    run_property(same_verdict_on_valid_and_broken_values, PIN, value=BUILDER.named(name))


def test_every_schema_is_compiled() -> None:
    assert [n for n in SCHEMAS if SCHEMAS.test(n) is None] == []


EDGE_SCHEMAS: list[dict[str, object]] = [
    {"type": "integer"},
    {"type": "number", "minimum": 1, "maximum": 2},
    {"type": ["integer", "null"], "minimum": 1},
    {"const": 1},
    {"const": True},
    {"enum": ["a", 1, None, False, [1]]},
    {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^x"},
    {"format": "date"},
    {"format": "date-time"},
    {"format": "uuid"},
    {"format": "email"},
    {"format": "uri"},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
    {"uniqueItems": True},
    {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]},
    {"properties": {"zz": {"type": "string"}}, "required": ["zz"], "minProperties": 1},
    {"type": "object", "properties": {"zz": False}, "additionalProperties": {"type": "integer"}},
    {"type": "object", "additionalProperties": False, "maxProperties": 0},
]


@pytest.mark.parametrize("schema", EDGE_SCHEMAS, ids=repr)
def test_compiled_keywords_agree_with_jsonschema(schema: dict[str, object]) -> None:
    reference = Draft202012Validator(schema, format_checker=FORMAT_CHECKER())
    test = Compiler({}, FORMATS).compile(schema, "https://x.test/s.json")
    for value in PROBES:
        assert test(value) is reference.is_valid(value), (schema, value)


def test_a_keyword_outside_the_subset_is_left_to_jsonschema() -> None:
    with pytest.raises(Unsupported):
        Compiler({}, FORMATS).compile({"prefixItems": [True]}, "https://x.test/s.json")


BASE = "https://x.test/"


def test_a_recursive_reference_validates_at_every_depth() -> None:
    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "tree.json"}}},
    }
    test = Compiler({f"{BASE}tree.json": tree}, FORMATS).document(f"{BASE}tree.json")
    assert test({"children": [{"children": [{}]}, {}]}) is True
    assert test({"children": [{"children": [{"children": 1}]}]}) is False


def test_a_document_that_reaches_an_unsupported_one_is_left_to_jsonschema_alone() -> None:
    by_uri = {
        f"{BASE}a.json": {"properties": {"b": {"$ref": "b.json"}, "c": {"$ref": "c.json"}}},
        f"{BASE}b.json": {"type": "integer"},
        f"{BASE}c.json": {"prefixItems": [True]},
    }
    compiler = Compiler(by_uri, FORMATS)
    with pytest.raises(Unsupported):
        compiler.document(f"{BASE}a.json")
    # b was written on the way to the failure: it is written again, and works, when asked for.
    b = compiler.document(f"{BASE}b.json")
    assert (b(1), b("1")) == (True, False)
    with pytest.raises(Unsupported):
        compiler.document(f"{BASE}a.json")


class _Meanwhile(dict[str, Any]):
    """Formats whose ``hook`` compiles another document while one is being written: what a
    second thread of the served sandbox does when it gets the interpreter at that point."""

    def __init__(self, other: str) -> None:
        super().__init__(FORMATS)
        self.other, self.compiler, self.outcome = other, None, ""

    def get(self, key: str, default: Any = None) -> Any:
        if key == "hook" and self.compiler is not None:
            try:
                self.outcome = repr(self.compiler.document(self.other)(1))
            except Unsupported:
                self.outcome = "Unsupported"
            return None
        return super().get(key, default)


def _meanwhile(by_uri: dict[str, Any], other: str) -> tuple[Compiler, _Meanwhile]:
    formats = _Meanwhile(f"{BASE}{other}")
    compiler = formats.compiler = Compiler(by_uri, formats)
    return compiler, formats


def test_a_document_compiled_meanwhile_that_fails_leaves_the_one_being_written_whole() -> None:
    compiler, formats = _meanwhile(
        {
            f"{BASE}a.json": {"properties": {"x": {"$ref": "c.json"}, "y": {"format": "hook"}}},
            f"{BASE}c.json": {"type": "integer"},
            f"{BASE}u.json": {"not": {}},
        },
        "u.json",
    )
    a = compiler.document(f"{BASE}a.json")
    assert formats.outcome == "Unsupported"
    assert (a({"x": 1}), a({"x": "1"})) == (True, False)


def test_a_document_compiled_meanwhile_leaves_the_failing_one_unsupported() -> None:
    compiler, formats = _meanwhile(
        {
            f"{BASE}a.json": {"properties": {"x": {"format": "hook"}, "y": {"not": {}}}},
            f"{BASE}d.json": {"type": "integer"},
        },
        "d.json",
    )
    for _ in range(2):  # asked again, it fails the same way, not on a name left behind
        with pytest.raises(Unsupported):
            compiler.document(f"{BASE}a.json")
    assert formats.outcome == "True"


def test_a_schema_that_fails_to_compile_otherwise_leaves_nothing_behind() -> None:
    by_uri = {
        f"{BASE}a.json": {"properties": {"b": {"$ref": "b.json"}, "p": {"pattern": "("}}},
        f"{BASE}b.json": {"type": "integer"},
    }
    compiler = Compiler(by_uri, FORMATS)
    for _ in range(2):
        with pytest.raises(re.error):
            compiler.document(f"{BASE}a.json")
    assert compiler.document(f"{BASE}b.json")(1) is True


def test_schemas_of_one_shape_share_their_compiled_code() -> None:
    compiler = Compiler({}, FORMATS)
    shape = {"type": "object", "properties": {"{}": {"const": "{}"}}, "required": ["{}"]}
    tests = [
        compiler.compile(json.loads(json.dumps(shape).replace("{}", word)), BASE)
        for word in ("tracks", "albums")
    ]
    assert tests[0].__code__ is tests[1].__code__
    assert [t({"tracks": "tracks"}) for t in tests] == [True, False]
    assert [t({"albums": "albums"}) for t in tests] == [False, True]


def test_a_deeply_nested_schema_compiles_and_validates() -> None:
    schema: dict[str, object] = {"type": "integer"}
    value: object = 1
    for _ in range(200):
        schema, value = {"type": "array", "items": schema}, [value]
    test = Compiler({}, FORMATS).compile(schema, BASE)
    reference = Draft202012Validator(schema)
    broken = json.loads(json.dumps(value).replace("1", '"1"'))
    assert test(value) is reference.is_valid(value) is True
    assert test(broken) is reference.is_valid(broken) is False


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("^(tags|genres|artists|album)(,(tags|genres|artists|album))*$", {"tags", "album"}),
        ("^[0-9]+(,[0-9]+)*$", None),
    ],
)
def test_list_patterns_draw_lists_that_match(pattern: str, words: set[str] | None) -> None:
    """A ``with``-style pattern is drawn as a list of its words (cheaper than a regex draw),
    and every draw still matches the pattern, lists of several included."""
    strategy = _pattern(pattern)

    def matches(value: str) -> None:
        assert re.fullmatch(pattern.strip("^$"), value)

    run_property(matches, DRAWS, value=strategy)
    quiet = settings(database=None)
    several = find(strategy, lambda v: "," in v, settings=quiet)
    assert re.fullmatch(pattern.strip("^$"), several)
    if words is not None:
        assert find(strategy, lambda v: set(v.split(",")) >= words, settings=quiet)


def test_optional_keys_are_drawn_in_every_combination_and_shrink_away() -> None:
    """``fixed_dicts`` draws which optional keys a value has as one mask: every combination
    is reachable, required keys are always there, and the simplest value has only those."""
    strategy = fixed_dicts(
        {"id": st.integers(1, 9)}, {"page": st.integers(1, 5), "with": st.just("albums")}
    )
    quiet = settings(database=None)
    for keys in ({"id"}, {"id", "page"}, {"id", "with"}, {"id", "page", "with"}):
        found = find(strategy, lambda v, keys=keys: set(v) == keys, settings=quiet)
        assert set(found) == keys
    assert find(strategy, lambda v: True, settings=quiet) == {"id": 1}
    assert find(strategy, lambda v: v.get("page", 0) >= 3, settings=quiet) == {"id": 1, "page": 3}


def test_sized_lists_reach_both_bounds_and_shrink_to_the_shortest() -> None:
    strategy = sized_lists(st.sampled_from(["a", "b"]), 1, 3)
    quiet = settings(database=None)

    def within(value: list[str]) -> None:
        assert 1 <= len(value) <= 3
        assert set(value) <= {"a", "b"}

    run_property(within, DRAWS, value=strategy)
    assert find(strategy, lambda v: True, settings=quiet) == ["a"]
    assert find(strategy, lambda v: len(v) == 3, settings=quiet) == ["a", "a", "a"]
    assert find(strategy, lambda v: v.count("b") == 2, settings=quiet) == ["b", "b"]
