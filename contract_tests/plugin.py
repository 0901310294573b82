"""The pytest plugin (entry point ``pytest11``): fixtures, options and the report header."""

from __future__ import annotations

import pytest


def pytest_report_header(config: pytest.Config) -> str:
    return "beatpass-contract: target = offline mock"
