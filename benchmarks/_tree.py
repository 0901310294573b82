"""Running a measurement in another checkout of this repository (``--against TREE``)."""

from __future__ import annotations

import argparse
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


def options(doc: str | None) -> argparse.Namespace:
    """``--rounds N`` and ``--against TREE``, described by the first paragraph of ``doc``."""
    parser = argparse.ArgumentParser(description=" ".join((doc or "").split("\n\n")[0].split()))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--against", help="another checkout to measure the same way")
    return parser.parse_args()


def trees(against: str | None) -> list[tuple[str, str]]:
    """(label, checkout) of this tree and, when given, the other one."""
    return [("this tree", HERE)] + ([("against", against)] if against else [])
