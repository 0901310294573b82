"""Each package promises exactly its documented facade (DESIGN.md section 2)."""

from __future__ import annotations

import importlib

import pytest

PROMISED = {
    "spec": {
        "load",
        "loads",
        "from_dict",
        "Spec",
        "SpecError",
        "SpecErrorKind",
        "ContractError",
        "LiveGuardError",
    },
    "mockserver": {"BeatPassMock", "serve", "BackgroundServer", "ManualClock", "SystemClock"},
    "contract_tests": {
        "CHECKS",
        "check",
        "CheckContext",
        "CheckFailure",
        "Session",
        "Target",
        "MockTarget",
        "suite_settings",
    },
}


@pytest.mark.parametrize("package", sorted(PROMISED))
def test_exported_members(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert PROMISED[package] <= exported
    assert sorted(module.__all__) == sorted(set(module.__all__)), "no duplicates in __all__"
    for name in exported:
        assert getattr(module, name) is not None, name


def test_error_tree() -> None:
    import spec
    from contract_tests import CheckFailure

    assert issubclass(spec.SpecError, spec.ContractError)
    assert issubclass(spec.SpecError, ValueError)
    assert issubclass(spec.LiveGuardError, spec.ContractError)
    assert issubclass(CheckFailure, spec.ContractFailure)
    assert issubclass(CheckFailure, AssertionError)
