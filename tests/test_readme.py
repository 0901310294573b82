"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _passes_in_a_throwaway_project(pytester: pytest.Pytester, pattern: str, passed: int) -> None:
    example = re.search(pattern, README, re.S)
    assert example is not None, f"the README lost the example matching {pattern!r}"
    pytester.makepyfile(test_example=example.group(1))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=passed)


def test_the_six_line_fixture_example_passes_in_a_throwaway_project(
    pytester: pytest.Pytester,
) -> None:
    _passes_in_a_throwaway_project(pytester, r"```python\n(def test_my_integration.*?)```", 1)


def test_the_mock_outside_pytest_example_runs() -> None:
    block = re.search(
        r"Outside pytest, or with an explicit transport:\n\n```python\n(.*?)```", README, re.S
    )
    assert block is not None
    exec(block.group(1), {})  # the README's own lines; they assert the 200 themselves


def test_the_fault_examples_are_valid_calls() -> None:
    from mockserver import BeatPassMock

    api = BeatPassMock()
    block = re.search(r"## Inject faults\n\n```python\n(.*?)```", README, re.S)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert lines[-1].startswith("api.faults.clear()")
    exec("\n".join(lines[:-1]), {"api": api})  # the README's own example lines
    assert len(api.faults) == len(lines) - 1
    exec(lines[-1], {"api": api})
    assert len(api.faults) == 0


def test_the_own_property_example_passes_in_a_throwaway_project(
    pytester: pytest.Pytester,
) -> None:
    pattern = r"```python\n(import pytest\n.*?def test_reads_of_held.*?)```"
    _passes_in_a_throwaway_project(pytester, pattern, 3)
