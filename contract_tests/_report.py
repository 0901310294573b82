"""The drift report: what a run found different from the spec, per operation.

Markdown for people, JSON for machines (chosen by the file name). Every text in it went
through the failure reports, which never hold the token.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from spec import Spec

from ._coverage import Recorder
from ._redaction import redact

KINDS = {
    "status_code_conformance": "undocumented status",
    "response_schema_conformance": "schema violation",
    "public_tier_minimality": "fields beyond the documented public tier",
    "token_tier_richness": "token-tier fields missing",
    "rate_limit_headers_present": "missing or inconsistent rate-limit headers",
    "error_body_format": "error body not in the documented format",
    "retry_after_on_429": "429 without Retry-After",
    "content_type_conformance": "not JSON",
    "pagination_consistency": "inconsistent pagination",
    "no_server_error": "server error",
    "response_bounds": "answer too slow, too large or undecodable (live bounds)",
}


def build(recorder: Recorder, spec: Spec, *, target: str, requests_sent: int) -> dict[str, Any]:
    by_op: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for drift in recorder.drifts:
        key = (drift["operation"], drift["check"], drift["observed"])
        if key in seen:
            continue
        seen.add(key)
        by_op[drift["operation"]].append(
            {**drift, "kind": KINDS.get(drift["check"], drift["check"])}
        )
    coverage = recorder.report(spec)
    return {
        "target": target,
        "requests_sent": requests_sent,
        "operations_checked": coverage["operations_exercised"],
        "operations_drifted": len(by_op),
        "operations_unchecked_budget_spent": coverage["operations_unchecked_budget_spent"],
        "summary": summary_line(requests_sent, coverage["operations_exercised"], len(by_op)),
        "drifts": dict(sorted(by_op.items())),
    }


def summary_line(sent: int, checked: int, drifted: int) -> str:
    return f"{sent} requests sent, {checked} operations checked, {drifted} drifted from the spec"


def write(path: str | Path, report: dict[str, Any], secrets: tuple[str, ...] = ()) -> None:
    path = Path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(report, indent=2) + "\n"
    else:
        text = markdown(report)
    path.write_text(redact(text, secrets), encoding="utf-8")


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# BeatPass contract drift report",
        "",
        f"Target: `{report['target']}`. {report['summary']}.",
        "",
    ]
    unchecked = report.get("operations_unchecked_budget_spent", [])
    if unchecked:
        lines += [
            f"Left unchecked, the request budget was spent ({len(unchecked)}): "
            + ", ".join(f"`{op}`" for op in unchecked)
            + ".",
            "",
        ]
    if not report["drifts"]:
        lines.append("No drift: every answer matched the spec.")
    for operation, drifts in report["drifts"].items():
        lines += [
            f"## {operation}",
            "",
            "| kind | expected | observed | request |",
            "|---|---|---|---|",
        ]
        for d in drifts:
            cells = [d["kind"], d["expected"], d["observed"], d["request"]]
            lines.append(
                "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"
