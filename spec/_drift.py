"""Compare the spec with an OpenAPI document (3.0 or 3.1): what differs, and whether the spec
explains the difference.

Operations match on method plus path with parameter names ignored (``/tracks/{id}`` equals
``/tracks/{track}``), the way the docs catalogue merges them. The upstream document may be
defective (the published BeatPass one is); unreadable parts are skipped, never fatal.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ._model import Operation, Spec, Tier

JSON = dict[str, Any]
METHODS = ("get", "post", "put", "patch", "delete", "head")
_PARAM_RE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True)
class Difference:
    """One way the spec and the other document disagree."""

    operation: str  # "GET /tracks/{id}"
    kind: str  # missing_operation | extra_operation | status | parameter | field
    detail: str
    explanation: str = ""  # the spec's own reason, when it gives one

    def __str__(self) -> str:
        why = f"  [{self.explanation}]" if self.explanation else "  [unexplained]"
        return f"{self.kind:<18} {self.operation}: {self.detail}{why}"

    def as_dict(self) -> JSON:
        return asdict(self)


def route_key(method: str, path: str) -> tuple[str, str]:
    path = "/" + path.strip("/")
    if path.startswith("/api/v1/"):
        path = path[len("/api/v1") :]
    return method.upper(), _PARAM_RE.sub("{}", path)


class _Upstream:
    def __init__(self, doc: JSON) -> None:
        self.doc = doc

    def resolve(self, node: Any, depth: int = 0) -> Any:
        while isinstance(node, dict) and "$ref" in node and depth < 20:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return {}
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node, depth = target, depth + 1
        return node if isinstance(node, dict) else {}

    def fields(self, schema: Any) -> set[str]:
        """Top-level property names of a schema, through $ref, allOf and anyOf/oneOf branches
        (a property declared ``false`` is forbidden, not a field)."""
        schema = self.resolve(schema)
        names = {k for k, v in (schema.get("properties") or {}).items() if v is not False}
        for key in ("allOf", "anyOf", "oneOf"):
            for part in schema.get(key, []) or []:
                names |= self.fields(part)
        return names

    def operations(self) -> dict[tuple[str, str], tuple[str, JSON]]:
        out = {}
        for path, item in (self.doc.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters", [])
            for method in METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    op = dict(op, parameters=[*shared, *(op.get("parameters") or [])])
                    out[route_key(method, path)] = (f"{method.upper()} {path}", op)
        return out

    def params(self, op: JSON, where: str) -> list[str]:
        names = []
        for p in op.get("parameters") or []:
            p = self.resolve(p)
            if p.get("in") == where and isinstance(p.get("name"), str):
                names.append(p["name"])
        return names

    def success_fields(self, op: JSON) -> tuple[int, set[str]] | None:
        for status, resp in sorted((op.get("responses") or {}).items()):
            if str(status).startswith("2"):
                resp = self.resolve(resp)
                media = (resp.get("content") or {}).get("application/json")
                if isinstance(media, dict) and "schema" in media:
                    return int(status), self.fields(media["schema"])
        return None


def _status_explanation(op: Operation, status: int) -> str:
    r = op.responses[status]
    if r.shared:
        return f"shared by every operation (policies.yaml global_responses): {r.description}"
    if r.source == "inferred":
        return f"inferred: {r.note or r.description}"
    return f"documented: {r.note or r.description}" if (r.note or r.description) else "documented"


def drift(spec: Spec, document: JSON) -> list[Difference]:
    """Every difference between ``spec`` and the OpenAPI ``document``."""
    up = _Upstream(document)
    theirs = up.operations()
    ours = {route_key(op.method, op.path): op for op in spec.operations.values()}
    compiled = spec.schemas
    diffs: list[Difference] = []
    for key, (label, _op) in sorted(theirs.items()):
        if key not in ours:
            diffs.append(Difference(label, "missing_operation", "in the document, not in the spec"))
    for key, op in ours.items():
        label = f"{op.method} {op.path} ({op.id})"
        if key not in theirs:
            why = (
                f"documented on the {op.section} page"
                if op.source == "documented"
                else f"inferred: {op.note}"
            )
            diffs.append(
                Difference(label, "extra_operation", "in the spec, not in the document", why)
            )
            continue
        _, their = theirs[key]
        their_statuses = {int(s) for s in (their.get("responses") or {}) if str(s).isdigit()}
        for status in sorted(set(op.responses) - their_statuses):
            diffs.append(
                Difference(
                    label, "status", f"{status} only in the spec", _status_explanation(op, status)
                )
            )
        for status in sorted(their_statuses - set(op.responses)):
            diffs.append(Difference(label, "status", f"{status} only in the document", op.note))
        ours_q = {p.name for p in op.query_params}
        their_q = set(up.params(their, "query"))
        for name in sorted(ours_q - their_q):
            p = next(p for p in op.query_params if p.name == name)
            why = f"{p.source}: {p.note or p.description}".rstrip(": ")
            diffs.append(Difference(label, "parameter", f"query {name!r} only in the spec", why))
        for name in sorted(their_q - ours_q):
            diffs.append(
                Difference(label, "parameter", f"query {name!r} only in the document", op.note)
            )
        their_path = up.params(their, "path")
        if len(their_path) != len(op.path_params):
            diffs.append(
                Difference(
                    label,
                    "parameter",
                    f"path parameters {their_path} vs {[p.name for p in op.path_params]}",
                    op.note,
                )
            )
        found = up.success_fields(their)
        if found is not None and found[0] in op.responses:
            status, their_fields = found
            tier: Tier = "token" if "token" in op.tiers else "public"
            schema = compiled.response(op.id, status, tier) or {}
            our_fields = _Upstream(schema).fields(schema)
            for name in sorted(their_fields - our_fields):
                diffs.append(
                    Difference(
                        label,
                        "field",
                        f"response {status} field {name!r} only in the document",
                        op.note,
                    )
                )
            for name in sorted(our_fields - their_fields):
                src = op.responses[status].source
                diffs.append(
                    Difference(
                        label,
                        "field",
                        f"response {status} field {name!r} only in the spec",
                        f"{src}: {op.responses[status].note or op.note}".rstrip(": "),
                    )
                )
    diffs.extend(_resource_diffs(spec, up))
    return diffs


def _resource_diffs(spec: Spec, up: _Upstream) -> list[Difference]:
    diffs = []
    components = (up.doc.get("components") or {}).get("schemas") or {}
    for name, schema in sorted(components.items()):
        res = spec.resources.get(name)
        if res is None:
            continue
        theirs = up.fields(schema)
        for field in sorted(theirs - set(res.fields)):
            why = "never exposed (hidden)" if field in res.hidden else res.note
            diffs.append(
                Difference(f"resource {name}", "field", f"{field!r} only in the document", why)
            )
        for field in sorted(set(res.fields) - theirs):
            f = res.fields[field]
            why = (
                f"{f.source}: {f.description}".rstrip(": ")
                if f.source == "inferred" or f.description
                else f.source
            )
            diffs.append(
                Difference(f"resource {name}", "field", f"{field!r} only in the spec", why)
            )
    return diffs
