"""Rules are spec data: a figure the docs state (a tier's token cost, the platform fee) is one
checked entry that the mock, the machines and the tests read. A wrong one fails at load."""

from __future__ import annotations

import pytest

import spec
from spec import SpecError, SpecErrorKind
from tests.minimal_spec import replace

RULES = """\
    rules:
      demo.max_items:
        doc: developers/demo.mdx
        schema: {type: integer, minimum: 1}
        value: 10
"""


def with_rules(block: str) -> str:
    return replace("  - section: Demo\n", "  - section: Demo\n" + block)


def test_a_rule_reads_as_its_value() -> None:
    api = spec.loads(with_rules(RULES))
    assert api.rule("demo.max_items") == 10
    assert api.rules["demo.max_items"].doc == "developers/demo.mdx"


def test_an_unknown_rule_names_the_nearest() -> None:
    api = spec.loads(with_rules(RULES))
    with pytest.raises(KeyError, match=r"did you mean 'demo\.max_items'"):
        api.rule("demo.max_item")


def test_a_value_that_breaks_its_schema_fails_at_its_line() -> None:
    text = with_rules(RULES.replace("value: 10", "value: 0"))
    with pytest.raises(SpecError) as caught:
        spec.loads(text)
    assert caught.value.kind is SpecErrorKind.BAD_VALUE
    assert caught.value.key == "value"
    assert caught.value.line == text.splitlines().index("        value: 0") + 1
    assert "0 is less than the minimum of 1" in str(caught.value)


def test_a_rule_defined_twice_names_the_first() -> None:
    twice = RULES + RULES.replace("    rules:\n", "")
    with pytest.raises(SpecError) as caught:
        spec.loads(with_rules(twice))
    assert caught.value.kind is SpecErrorKind.DUPLICATE


def test_rule_names_carry_their_page() -> None:
    with pytest.raises(SpecError, match="page prefix"):
        spec.loads(with_rules(RULES.replace("demo.max_items", "max_items")))


def test_the_shipped_rules_are_the_documented_figures() -> None:
    api = spec.load()
    tiers = {t["hours"]: t["tokens"] for t in api.rule("beat_requests.duration_tiers")}
    assert tiers == {24: 1, 48: 2, 72: 3}
    assert api.rule("playlists.max_editors") == 10
    assert api.rule("playlists.invitation_days") == 7


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        (5, {"type": "integer", "minimum": 1}),
        (0, {"type": "integer", "minimum": 1}),
        (True, {"type": "integer"}),
        ("USD", {"type": "string", "pattern": "^[A-Z]{3}$"}),
        ("usd", {"type": "string", "pattern": "^[A-Z]{3}$"}),
        ([{"hours": 24, "tokens": 1}], {"type": "array", "items": {"required": ["label"]}}),
        ([1, 1], {"type": "array", "uniqueItems": True}),
        ({"a": 1}, {"type": "object", "additionalProperties": False}),
        ("x", {"enum": ["x", "y"]}),
        (2.5, {"type": ["integer", "null"]}),
    ],
)
def test_the_loaders_rule_check_agrees_with_jsonschema(value: object, schema: dict) -> None:  # type: ignore[type-arg]
    """The loader checks rule values without importing jsonschema (it keeps loading fast);
    its verdicts are jsonschema's."""
    from jsonschema import Draft202012Validator

    from spec._checks import conforms

    assert (conforms(value, schema) is None) == Draft202012Validator(schema).is_valid(value)


def test_every_shipped_rule_conforms_for_jsonschema_too() -> None:
    from jsonschema import Draft202012Validator

    from spec._yaml import parse

    for path in [*sorted((spec.SPEC_DIR / "api").glob("*.yaml")), spec.SPEC_DIR / "policies.yaml"]:
        doc = parse(path.read_text(encoding="utf-8"), str(path))
        for name, entry in (doc.get("rules") or {}).items():
            if "schema" in entry:
                assert Draft202012Validator(entry["schema"]).is_valid(entry["value"]), name
