"""Files a run writes when it ends (coverage, drift report, JUnit XML), checked when it starts.

A run of the whole suite takes minutes; a report path in a missing directory, or one that names a
directory, found only when the report is written, loses the run's result to a traceback. So the
path is checked first: its directory is made (as ``openapi --out`` makes it) and must be
writable, and the path itself must not be a directory.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["writable_file"]


def writable_file(text: str, option: str) -> Path:
    """The absolute path of an output file, ready to be written; a one-line ``ValueError``
    naming the option when it cannot be."""
    path = Path(text).expanduser().resolve()
    if path.is_dir():
        raise ValueError(f"{option} {text}: is a directory, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option} {text}: cannot make its directory ({exc.strerror})") from None
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"{option} {text}: not writable")
    return path
