"""Test reports of a live run, redacted before pytest prints them or writes them to JUnit.

A traceback (``--tb=long``, ``-l`` locals), a captured log or a skip reason can quote a value
that holds the token however carefully the suite's own messages are built, so the reports
themselves are scrubbed: each part that shows the token becomes its redacted text.
"""

from __future__ import annotations

from typing import Any

from ._redaction import redact

__all__ = ["redact_report"]


def redact_report(report: Any) -> None:
    """Scrub a ``TestReport`` or ``CollectReport`` in place (its longrepr and sections)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        path, line, reason = longrepr
        report.longrepr = (path, line, redact(str(reason)))
    elif longrepr is not None:
        text = str(longrepr)
        clean = redact(text)
        if clean != text:
            report.longrepr = clean
    report.sections = [(title, redact(content)) for title, content in report.sections]
