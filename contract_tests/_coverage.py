"""What a run exercised: operations, statuses per operation, checks run, failures by check.

The plugin opens a recorder per pytest session (a stack, so a pytest run inside a test, as
pytester does, counts apart from the outer one); under pytest-xdist each worker sends its totals
to the controller (``workeroutput``), which merges them for the summary and the JSON file.
Outside any session, checks record into a throwaway recorder.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from spec import Spec

from ._redaction import redact

MAX_DRIFTS = 2000
DEFAULT_MIN_SUCCESS = 0.9
"""The share of operations tried with valid requests that must get a success at least once.
Below it the run fails: an API that refuses (or a target that errors on) most valid requests
has drifted, whatever shapes its refusals have."""


def min_success(text: str) -> float:
    """``--beatpass-min-success``: a share from 0 to 1 (90% is 0.9), else a usage error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (a share, 0..1)") from None
    if not 0 <= value <= 1:  # NaN fails both comparisons
        raise argparse.ArgumentTypeError(f"{text} is out of range (a share, 0..1; 90% is 0.9)")
    return value


class Recorder:
    def __init__(self) -> None:
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.checks: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.requests = 0
        self.tried: Counter[str] = Counter()
        """Valid requests sent per operation (the acceptance check's, not negative tests')."""
        self.drifts: list[dict[str, Any]] = []
        """Every failure in detail (the first MAX_DRIFTS), for the drift report."""
        self.unchecked: set[str] = set()
        """Operations a live run left unchecked because its request budget was spent."""
        self._lock = threading.Lock()

    def exchange(self, op_id: str, status: int) -> None:
        with self._lock:
            self.statuses[op_id][status] += 1
            self.requests += 1

    def valid(self, op_id: str) -> None:
        with self._lock:
            self.tried[op_id] += 1

    def checked(self, names: Iterable[str], failed: Iterable[str] = ()) -> None:
        """Checks applied to one answer (``failed``: those that failed), under one lock."""
        with self._lock:
            self.checks.update(names)
            self.failures.update(failed)

    def budget_spent(self, op_id: str) -> None:
        with self._lock:
            self.unchecked.add(op_id)

    def drift(self, failure: Any) -> None:
        with self._lock:
            if len(self.drifts) < MAX_DRIFTS:
                self.drifts.append(
                    {
                        "operation": failure.operation,
                        "check": failure.check,
                        "title": failure.title,
                        "request": failure.request,
                        "expected": failure.expected,
                        "observed": failure.observed,
                    }
                )

    def as_dict(self) -> dict[str, Any]:
        return {
            "drifts": list(self.drifts),
            "requests": self.requests,
            "operations_unchecked_budget_spent": sorted(self.unchecked),
            "statuses": {
                op: {str(s): n for s, n in sorted(c.items())}
                for op, c in sorted(self.statuses.items())
            },
            "checks": dict(sorted(self.checks.items())),
            "failures": dict(sorted(self.failures.items())),
            "valid_requests": dict(sorted(self.tried.items())),
        }

    def merge(self, data: dict[str, Any]) -> None:
        with self._lock:
            self.requests += data.get("requests", 0)
            for op, counts in data.get("statuses", {}).items():
                for status, n in counts.items():
                    self.statuses[op][int(status)] += n
            self.checks.update(data.get("checks", {}))
            self.failures.update(data.get("failures", {}))
            self.tried.update(data.get("valid_requests", {}))
            self.drifts.extend(data.get("drifts", [])[: max(0, MAX_DRIFTS - len(self.drifts))])
            self.unchecked.update(data.get("operations_unchecked_budget_spent", []))

    def reset(self) -> None:
        with self._lock:
            self.statuses.clear()
            self.checks.clear()
            self.failures.clear()
            self.drifts.clear()
            self.unchecked.clear()
            self.tried.clear()
            self.requests = 0

    def report(self, spec: Spec) -> dict[str, Any]:
        """Coverage against the spec: which operations and documented statuses were seen."""
        ops = spec.operations
        seen = {op for op in self.statuses if op in ops}
        documented = {
            op_id: {s for s, r in op.responses.items() if not r.shared} for op_id, op in ops.items()
        }
        exercised = {op: set(c) & documented[op] for op, c in self.statuses.items() if op in ops}
        successes = self.successes()
        tried = sorted(op for op in self.tried if op in ops)
        never = [op for op in tried if not successes.get(op)]
        return {
            **self.as_dict(),
            "successes": successes,
            "operations_tried_valid": len(tried),
            "operations_succeeded": len(tried) - len(never),
            "operations_never_succeeded": never,
            "success_share": round((len(tried) - len(never)) / len(tried), 4) if tried else 1.0,
            "operations_total": len(ops),
            "operations_exercised": len(seen),
            "operations_missing": sorted(set(ops) - seen),
            "documented_statuses_total": sum(len(s) for s in documented.values()),
            "documented_statuses_exercised": sum(len(s) for s in exercised.values()),
            "statuses_not_exercised": {
                op: sorted(documented[op] - exercised.get(op, set()))
                for op in sorted(ops)
                if documented[op] - exercised.get(op, set())
            },
        }

    def successes(self) -> dict[str, int]:
        """Success answers (a status below 400) per operation, every operation answered."""
        return {
            op: sum(n for status, n in counts.items() if status < 400)
            for op, counts in sorted(self.statuses.items())
        }

    def success_gate(self, spec: Spec, threshold: float) -> str:
        """Why the run fails the success gate ('' when it passes)."""
        report = self.report(spec)
        if report["success_share"] >= threshold:
            return ""
        return (
            f"success gate: {report['operations_succeeded']}/{report['operations_tried_valid']} "
            f"operations tried with valid requests got a success "
            f"({report['success_share']:.0%} < {threshold:.0%})"
        )

    def summary_lines(self, spec: Spec) -> list[str]:
        report = self.report(spec)
        ops = f"{report['operations_exercised']}/{report['operations_total']}"
        statuses = (
            f"{report['documented_statuses_exercised']}/{report['documented_statuses_total']}"
        )
        checks, failures = sum(self.checks.values()), sum(self.failures.values())
        lines = [
            f"operations exercised: {ops}; operation-specific statuses seen: {statuses}; "
            f"requests: {report['requests']}",
            f"checks run: {checks} ({len(self.checks)} kinds); failures: {failures}",
        ]
        for name, n in sorted(self.failures.items()):
            lines.append(f"  {name}: {n} failed of {self.checks[name]}")
        unchecked = report["operations_unchecked_budget_spent"]
        if unchecked:
            lines.append(
                f"operations left unchecked, request budget spent ({len(unchecked)}): "
                + ", ".join(unchecked[:10])
                + (" ..." if len(unchecked) > 10 else "")
            )
        if report["operations_tried_valid"]:
            lines.append(
                f"successes: {report['operations_succeeded']}/{report['operations_tried_valid']} "
                f"operations tried with valid requests got one "
                f"({sum(report['successes'].values())} success answers; per operation in the "
                f"coverage file: --beatpass-coverage, or verify --coverage)"
            )
        never = report["operations_never_succeeded"]
        if never:
            lines.append(f"operations that never got a success ({len(never)}): {', '.join(never)}")
        missing = report["operations_missing"]
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            lines.append(f"operations not exercised ({len(missing)}): {shown}")
        return lines

    def write_json(self, spec: Spec, path: str, secrets: tuple[str, ...] = ()) -> None:
        """The coverage file, redacted: its drifts quote production's answers."""
        text = redact(json.dumps(self.report(spec), indent=2), secrets)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text + "\n")


_STACK: list[Recorder] = [Recorder()]


def current() -> Recorder:
    return _STACK[-1]


def push() -> Recorder:
    recorder = Recorder()
    _STACK.append(recorder)
    return recorder


def pop(recorder: Recorder) -> None:
    if len(_STACK) > 1 and _STACK[-1] is recorder:
        _STACK.pop()
