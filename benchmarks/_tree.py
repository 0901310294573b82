"""Running a measurement in another checkout of this repository (``--against TREE``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""This checkout."""


def measure(tree: str, code: str, *args: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter with ``tree`` first on ``sys.path`` (and as the
    working directory); its last line of output is the JSON object returned."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": tree},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
