"""The generators a spec field may declare (``generator: email``): the spec names each one and
the schema of its values; the mock implements exactly those names, and every value it draws fits
that schema and, for dates, lies no later than the mock clock's now."""

from __future__ import annotations

import random

import pytest
from jsonschema import Draft202012Validator

import spec
from mockserver._generate import GENERATE, example
from spec._compile import FORMAT_CHECKER

NOW = 1_767_225_600.0  # the ManualClock's default start, 2026-01-01T00:00:00Z


def test_the_mock_implements_exactly_the_declared_generators() -> None:
    assert set(GENERATE) == set(spec.GENERATORS)


@pytest.mark.parametrize("name", sorted(spec.GENERATORS))
def test_generated_values_fit_their_declared_domain(name: str) -> None:
    validator = Draft202012Validator(spec.GENERATORS[name], format_checker=FORMAT_CHECKER())
    rng = random.Random(name)
    for _ in range(200):
        value = example({"type": "string", "generator": name}, rng, now=NOW)
        assert not list(validator.iter_errors(value)), f"{name}: {value!r}"
        if name in ("month", "date", "datetime"):
            assert value <= "2026-01-01T00:00:00Z"[: len(value)], f"{name} after now: {value}"


def test_an_unknown_generator_is_a_spec_error_with_a_hint() -> None:
    from tests.minimal_spec import replace

    text = replace(
        "name: {schema: {type: string}, tier: public}",
        "name: {schema: {type: string, generator: emial}, tier: public}",
    )
    with pytest.raises(spec.SpecError) as caught:
        spec.loads(text)
    assert "did you mean 'email'?" in str(caught.value)
