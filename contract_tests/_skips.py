"""Skip the running test, importing pytest only then.

The suite's pieces (sessions, strategies) skip a test when a live run has no id to use or has
spent its budget; that only ever happens under pytest. Importing pytest at that moment instead
of at import time keeps ``contract_tests`` (and so the ``beatpass-contract`` command, whose
``openapi``, ``schemas`` and ``serve`` need no pytest) importable on the base install.
"""

from __future__ import annotations

from typing import NoReturn


def skip(reason: str) -> NoReturn:
    import pytest

    pytest.skip(reason)
