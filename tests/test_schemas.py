"""The schema compiler: every schema is valid Draft 2020-12, and data drawn from each validates."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator

import spec
from contract_tests import run_property
from spec._strategies import StrategyBuilder

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
