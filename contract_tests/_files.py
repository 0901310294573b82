"""Files a run writes when it ends (coverage, drift report, JUnit XML), checked when it starts.

A run of the whole suite takes minutes; a report path in a missing directory, or one that names a
directory, found only when the report is written, loses the run's result to a traceback. So the
path is checked first: its directory is made (as ``openapi --out`` makes it), and the file, or
the directory that will hold it, must be writable. The path returned is the one to write: the
caller's with ``~`` expanded, made absolute, not resolved (``/dev/stdout`` stays itself).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["writable_file"]


def writable_file(text: str, option: str) -> Path:
    """The absolute path of an output file, ready to be written; a one-line ``ValueError``
    naming the option when it cannot be."""
    path = Path(os.path.abspath(os.path.expanduser(text)))
    try:
        if path.is_dir():
            raise ValueError(f"{option} {text}: is a directory, not a file")
        if path.exists():
            writable = os.access(path, os.W_OK)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            writable = os.access(path.parent, os.W_OK | os.X_OK)
    except (FileExistsError, NotADirectoryError):  # a part of the directory's path is a file
        raise ValueError(
            f"{option} {text}: cannot make its directory (a file is in the way)"
        ) from None
    except OSError as exc:
        raise ValueError(f"{option} {text}: cannot make its directory ({exc.strerror})") from None
    if not writable:
        raise ValueError(f"{option} {text}: not writable")
    return path
