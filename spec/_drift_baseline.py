"""The drift baseline: which published document the spec was reconciled with, and why the spec
differs from it, difference by difference.

A baseline is YAML (``spec/drift_baseline.yaml``)::

    document: {title: ..., sha256: <64 hex>, date: 2026-02-21}
    acknowledged:
    - why: the reason, written once for the differences below
      differences:
      - {kind: status, operation: GET /tracks/{id}, item: '429', spec: present, document: absent}

Each difference is named exactly (kind, operation, item) with the value on each side, so a
changed value (a parameter now typed ``string``) is not covered by the old acknowledgement. The
file is checked on load like the spec: a mistake is one line naming file, line and key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import _checks as c
from ._errors import SpecError, SpecErrorKind
from ._yaml import Node, parse

FILE_NAME = "drift_baseline.yaml"
ABSENT = "absent"
UNREVIEWED = "unreviewed: recorded by --update-baseline; say why the spec differs"
KINDS = (
    "security-scheme",
    "component",
    "component.field",
    "component.type",
    "operation",
    "auth",
    "parameter",
    "parameter.type",
    "parameter.required",
    "parameter.enum",
    "parameter.default",
    "parameter.limits",
    "body",
    "body.field",
    "body.type",
    "body.required",
    "status",
    "response.type",
    "response.field",
)
DOCUMENT_WIDE = ("security-scheme", "component", "component.field", "component.type")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OP_RE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S*$")


@dataclass(frozen=True)
class Named:
    """One difference as written: what differs (kind, operation, item) and each side's value
    (``absent`` where that side lacks it)."""

    kind: str
    operation: str
    item: str
    spec: str
    document: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "item": self.item,
            "spec": self.spec,
            "document": self.document,
        }


@dataclass(frozen=True)
class Acknowledgement:
    difference: Named
    why: str
    line: int | None = None


@dataclass(frozen=True)
class Baseline:
    title: str
    sha256: str
    date: str
    acknowledged: tuple[Acknowledgement, ...]
    file: str = "<baseline>"

    @property
    def unreviewed(self) -> int:
        """Acknowledgements ``--update-baseline`` recorded and nobody has explained yet."""
        return sum(a.why.startswith("unreviewed") for a in self.acknowledged)

    @property
    def unexplained(self) -> int:
        """Acknowledgements a reviewer marked plainly: known, but the spec gives no reason."""
        return sum(a.why.startswith("unexplained") for a in self.acknowledged)


def default_path(spec_dir: str | Path | None) -> Path:
    """The baseline belongs to a spec: it sits beside the spec's YAML."""
    from ._loader import SPEC_DIR

    base = Path(spec_dir) if spec_dir is not None else SPEC_DIR
    return (base.parent if base.is_file() else base) / FILE_NAME


def load_baseline(path: str | Path) -> Baseline:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        hint = "; record one with --update-baseline" if isinstance(exc, FileNotFoundError) else ""
        raise SpecError(
            SpecErrorKind.IO, f"cannot read: {exc.strerror or exc}{hint}", file=str(path)
        ) from None
    except UnicodeDecodeError:
        raise SpecError(SpecErrorKind.SYNTAX, "not UTF-8 text", file=str(path)) from None
    return loads_baseline(text, str(path))


def loads_baseline(text: str, file: str = "<baseline>") -> Baseline:
    root = c.mapping(parse(text, file), None, None, f"{file}: the drift baseline")
    c.keys(root, ("document", "acknowledged"), ("document", "acknowledged"), "the drift baseline")
    doc = c.mapping(root["document"], root, "document", "document")
    c.keys(doc, ("title", "sha256", "date"), ("sha256", "date"), "document")
    sha = _matching(doc, "sha256", _SHA_RE, "a sha256 in lowercase hex (64 digits)")
    date = _matching(doc, "date", _DATE_RE, "a date written YYYY-MM-DD")
    groups = root["acknowledged"]
    if not isinstance(groups, list):
        c.fail(
            SpecErrorKind.BAD_VALUE, "must be a list of {why, differences}", root, "acknowledged"
        )
    acks: list[Acknowledgement] = []
    seen: dict[Named, int | None] = {}
    for group in groups:
        group = c.mapping(group, root, "acknowledged", "an acknowledgement group")
        c.keys(group, ("why", "differences"), ("why", "differences"), "an acknowledgement group")
        why = c.string(group, "why", required=True).strip()
        items = group["differences"]
        if not isinstance(items, list) or not items:
            c.fail(SpecErrorKind.BAD_VALUE, "must be a non-empty list", group, "differences")
        for entry in items:
            named = _named(c.mapping(entry, group, "differences", "a difference"))
            line = entry.line
            if named in seen:
                c.fail(
                    SpecErrorKind.DUPLICATE,
                    f"acknowledged twice (first at line {seen[named]})",
                    entry,
                    "kind",
                )
            seen[named] = line
            acks.append(Acknowledgement(named, why, line))
    return Baseline(str(doc.get("title", "")), sha, date, tuple(acks), file)


def _matching(node: Node, key: str, pattern: re.Pattern[str], what: str) -> str:
    value = node[key]
    text = str(value)  # YAML reads an unquoted 2026-02-21 as a date
    if not pattern.match(text):
        c.fail(SpecErrorKind.BAD_VALUE, f"must be {what}, got {text!r}", node, key)
    return text


def _named(node: Node) -> Named:
    fields = ("kind", "operation", "item", "spec", "document")
    c.keys(node, fields, ("kind", "item", "spec", "document"), "a difference")
    kind = c.choice(node, "kind", KINDS)
    operation = node.get("operation", "")
    if kind in DOCUMENT_WIDE:
        if operation:
            c.fail(
                SpecErrorKind.BAD_VALUE,
                f"a {kind} difference names no operation",
                node,
                "operation",
            )
    elif not isinstance(operation, str) or not _OP_RE.match(operation):
        c.fail(
            SpecErrorKind.BAD_VALUE,
            f"must be 'METHOD /path', got {operation!r}",
            node,
            "operation" if "operation" in node else None,
        )
    values = []
    for key in ("item", "spec", "document"):
        value = node[key]
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            c.fail(SpecErrorKind.BAD_VALUE, "must be a string", node, key)
        values.append(str(value))
    item, ours, theirs = values
    if ours == ABSENT and theirs == ABSENT:
        c.fail(
            SpecErrorKind.BAD_VALUE, "a difference is present on at least one side", node, "spec"
        )
    return Named(kind, str(operation), item, ours, theirs)


def dump_baseline(
    title: str, sha256: str, date: str, groups: Iterable[tuple[str, list[Named]]]
) -> str:
    """The baseline as YAML text: one line per difference, grouped under its reason."""
    out = [
        "# The published OpenAPI document the spec was reconciled with, and every way the spec",
        "# differs from it, each with the reason. `beatpass-contract drift` reports any other",
        "# difference as NEW. Regenerate with `drift --openapi FILE --update-baseline` once a",
        "# change is reconciled, then replace every 'unreviewed' reason. Format: README.md,",
        '# "Read a drift report".',
        _flow({"document": {"title": title, "sha256": sha256, "date": date}}, block=True),
    ]
    groups = list(groups)
    out.append("acknowledged:" if groups else "acknowledged: []")
    for why, items in groups:
        out.append(f"- why: {_scalar(why)}")
        out.append("  differences:")
        for named in sorted(items, key=_order):
            fields = {k: v for k, v in named.as_dict().items() if k != "operation" or v}
            out.append(f"  - {_flow(fields)}")
    return "\n".join(out) + "\n"


def _order(named: Named) -> tuple[str, str, str]:
    return (named.operation, named.kind, named.item)


_PLAIN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def _scalar(value: str) -> str:
    """Plain where YAML reads it back as the same string, else JSON's double quotes (valid
    YAML, safe inside a flow mapping)."""
    if _PLAIN_RE.match(value) and value.lower() not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)


def _flow(value: Mapping[str, object], *, block: bool = False) -> str:
    if block:
        return yaml.safe_dump(value, sort_keys=False, width=10_000, allow_unicode=True).strip()
    parts = [f"{k}: {_scalar(str(v))}" for k, v in value.items()]
    return "{" + ", ".join(parts) + "}"
