from collections.abc import Iterator

import pytest

from contract_tests._coverage import Recorder, pop, push

pytest_plugins = ["pytester"]


@pytest.fixture
def isolated_coverage() -> Iterator[Recorder]:
    """Keep a test's deliberate contract failures out of the run's coverage summary."""
    recorder = push()
    yield recorder
    pop(recorder)
