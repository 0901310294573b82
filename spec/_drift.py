"""Drift: has the published API documentation changed since the spec was reconciled with it?

The spec (through its own OpenAPI export) and the published document are reduced to facts by
one reader (``_drift_facts``) and compared fact by fact. Each difference is then looked up in the
baseline (``_drift_baseline``): the document the spec was reconciled with, and every difference
the maintainers acknowledged, with why the spec differs. A difference the baseline does not name
exactly is NEW; an acknowledgement whose difference no longer exists is STALE. Both mean the
docs (or the spec) moved since the last reconciliation, so both make ``drift`` fail.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._drift_baseline import (
    ABSENT,
    KINDS,
    UNREVIEWED,
    Acknowledgement,
    Baseline,
    Named,
    dump_baseline,
)
from ._drift_facts import PRESENT, Fact, Key, facts, route_key
from ._model import Spec

JSON = dict[str, Any]


@dataclass(frozen=True)
class Difference:
    """One fact on which the spec and the document disagree."""

    named: Named
    why: str = ""
    """The acknowledgement's reason; empty for a NEW difference."""
    was: Named | None = None
    """For a NEW difference whose (kind, operation, item) was acknowledged with other values."""

    @property
    def detail(self) -> str:
        n = self.named
        if n.document == ABSENT:
            side = "only in the spec" + ("" if n.spec == PRESENT else f" ({n.spec})")
        elif n.spec == ABSENT:
            side = "only in the document" + ("" if n.document == PRESENT else f" ({n.document})")
        else:
            side = f"spec {n.spec}; document {n.document}"
        if self.was is not None:
            side += f" (acknowledged as spec {self.was.spec}; document {self.was.document})"
        return side

    def line(self, tag: str) -> str:
        n = self.named
        where = " ".join(p for p in (n.operation, n.item) if p)
        reason = f"  [{self.why}]" if self.why else ""
        return f"{tag:<6} {n.kind:<18} {where}: {self.detail}{reason}"

    def as_dict(self) -> JSON:
        out: JSON = dict(self.named.as_dict(), detail=self.detail)
        if self.why:
            out["why"] = self.why
        if self.was is not None:
            out["acknowledged_as"] = self.was.as_dict()
        return out


@dataclass(frozen=True)
class DriftReport:
    """What ``drift`` found: NEW differences, STALE acknowledgements, acknowledged ones."""

    sha256: str
    baseline: Baseline
    new: tuple[Difference, ...]
    stale: tuple[Acknowledgement, ...]
    acknowledged: tuple[Difference, ...]
    differences: tuple[Named, ...] = field(repr=False, default=())

    @property
    def same_document(self) -> bool:
        return self.sha256 == self.baseline.sha256

    @property
    def status(self) -> int:
        """0: only acknowledged differences; 1: something NEW or STALE."""
        return 1 if self.new or self.stale else 0

    def summary(self) -> str:
        doc = (
            "the reconciled document"
            if self.same_document
            else f"a document other than the reconciled one (sha256 {self.sha256[:12]}...)"
        )
        tail = ""
        if self.baseline.unreviewed:
            tail += f"; {self.baseline.unreviewed} acknowledgements still unreviewed"
        if self.baseline.unexplained:
            n = self.baseline.unexplained
            tail += f"; {n} of the baseline's acknowledgements say unexplained"
        return (
            f"drift: {len(self.new)} new, {len(self.stale)} stale, "
            f"{len(self.acknowledged)} acknowledged differences against {doc} "
            f"(baseline of {self.baseline.date}, sha256 {self.baseline.sha256[:12]}...){tail}"
        )

    def lines(self, *, acknowledged: bool = False) -> list[str]:
        out = [d.line("NEW") for d in self.new]
        out += [_stale_line(a) for a in self.stale]
        if acknowledged:
            out += [d.line("ack") for d in self.acknowledged]
        return out

    def as_dict(self, *, acknowledged: bool = False) -> JSON:
        out: JSON = {
            "status": self.status,
            "summary": self.summary(),
            "document": {"sha256": self.sha256, "same_as_baseline": self.same_document},
            "baseline": {
                "file": self.baseline.file,
                "title": self.baseline.title,
                "sha256": self.baseline.sha256,
                "date": self.baseline.date,
                "unreviewed": self.baseline.unreviewed,
                "unexplained": self.baseline.unexplained,
            },
            "new": [d.as_dict() for d in self.new],
            "stale": [dict(a.difference.as_dict(), why=a.why, line=a.line) for a in self.stale],
            "acknowledged_count": len(self.acknowledged),
        }
        if acknowledged:
            out["acknowledged"] = [d.as_dict() for d in self.acknowledged]
        return out


def _stale_line(a: Acknowledgement) -> str:
    n = a.difference
    where = " ".join(p for p in (n.operation, n.item) if p)
    return (
        f"STALE  {n.kind:<18} {where}: acknowledged (spec {n.spec}; document {n.document}) "
        f"but no longer differs (baseline line {a.line})"
    )


def spec_document(spec: Spec) -> JSON:
    """The spec as the OpenAPI document drift compares (its own export)."""
    from ._openapi import to_openapi

    return to_openapi(spec)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@functools.lru_cache(maxsize=4)
def _spec_facts(spec: Spec) -> dict[Key, Fact]:
    """A loaded spec is immutable (and ``spec.load`` hands out the same object): read its
    export once per process, not once per comparison."""
    return facts(spec_document(spec))


def differences(ours: JSON, theirs: JSON) -> list[Named]:
    """Every fact on which two OpenAPI documents disagree, each reported once: where a whole
    operation, parameter, status or field is missing on one side, not again for what it holds."""
    return _differences(facts(ours), facts(theirs))


def _differences(a: dict[Key, Fact], b: dict[Key, Fact]) -> list[Named]:
    labels = {k[1]: f.label for k, f in b.items() if f.label}
    labels.update({k[1]: f.label for k, f in a.items() if f.label})  # the spec's spelling wins
    out = []
    for key in sorted(set(a) | set(b), key=_reading_order):
        fa, fb = a.get(key), b.get(key)
        if fa is not None and fb is not None and fa.value == fb.value:
            continue
        parent = (fa or fb or Fact("", None)).parent
        if parent is not None and not (parent in a and parent in b):
            continue
        kind, op, item = key
        out.append(
            Named(
                kind,
                labels.get(op, op),
                item,
                fa.value if fa else ABSENT,
                fb.value if fb else ABSENT,
            )
        )
    return out


def _reading_order(key: Key) -> tuple[str, int, str]:
    """Document-wide facts first, then operation by operation, each in the order of KINDS."""
    kind, op, item = key
    return (op, KINDS.index(kind) if kind in KINDS else len(KINDS), item)


def _match_key(n: Named) -> Key:
    method, _, path = n.operation.partition(" ")
    return (n.kind, route_key(method, path) if n.operation else "", n.item)


_FAMILY = {
    "parameter": "parameter.",
    "body": "body.",
    "status": "response.",
    "component": "component.",
}


def _inside(key: Key, start: Key) -> bool:
    """Whether the fact ``key`` lies within ``start`` (an operation, a parameter, a status, a
    field...). An acknowledgement inside a NEW difference is not reported STALE as well: the
    NEW line (an operation gone, say) already says everything below it changed."""
    kind, op, item = key
    s_kind, s_op, s_item = start
    if key == start or op != s_op:
        return False
    if s_kind == "operation":
        return bool(op)
    if s_kind == "component":
        return kind.startswith("component.") and item.split(" ")[0] == s_item
    if s_kind in ("parameter", "body"):
        return kind.startswith(_FAMILY[s_kind]) and (s_kind == "body" or item == s_item)
    if s_kind == "status" or (s_kind == "response.type" and " " not in s_item):
        return kind.startswith("response.") and item.split(" ")[0] == s_item
    if s_kind.endswith(".field"):
        family = s_kind.removesuffix("field")
        return kind.startswith(family) and (
            item == s_item or item.startswith((s_item + ".", s_item + "[]"))
        )
    return False


def classify(found: Iterable[Named], baseline: Baseline, sha256: str) -> DriftReport:
    """Sort the differences found into NEW and acknowledged, and find the STALE
    acknowledgements (named in the baseline, no longer a difference)."""
    found = list(found)
    acks = {_match_key(a.difference): a for a in baseline.acknowledged}
    new, known = [], []
    used: set[Key] = set()
    for n in found:
        key = _match_key(n)
        ack = acks.get(key)
        if ack is not None and (ack.difference.spec, ack.difference.document) == (
            n.spec,
            n.document,
        ):
            used.add(key)
            known.append(Difference(n, ack.why))
        else:
            if ack is not None:
                used.add(key)  # reported once, as NEW with what it was acknowledged as
            new.append(Difference(n, "", ack.difference if ack is not None else None))
    starts = [_match_key(d.named) for d in new]
    stale = tuple(
        a
        for k, a in acks.items()
        if k not in used and not any(_inside(k, start) for start in starts)
    )
    return DriftReport(sha256, baseline, tuple(new), stale, tuple(known), tuple(found))


def drift(spec: Spec, document: JSON, baseline: Baseline, sha256: str) -> DriftReport:
    """Compare ``spec`` with the OpenAPI ``document`` (whose bytes hash to ``sha256``)."""
    return classify(_differences(_spec_facts(spec), facts(document)), baseline, sha256)


def updated_baseline(
    report: DriftReport, title: str, date: str, *, previous: Baseline | None
) -> str:
    """The baseline that acknowledges exactly the differences of ``report``: reasons already
    given are kept, a new difference gets the plain ``unreviewed`` mark for a person to
    replace."""
    groups: dict[str, list[Named]] = {}
    reasons = {}
    if previous is not None:
        reasons = {_match_key(a.difference): a for a in previous.acknowledged}
    for n in report.differences:
        ack = reasons.get(_match_key(n))
        same = ack is not None and (ack.difference.spec, ack.difference.document) == (
            n.spec,
            n.document,
        )
        why = ack.why if same and ack is not None else UNREVIEWED
        groups.setdefault(why, []).append(n)
    order = [a.why for a in previous.acknowledged] if previous is not None else []
    ranked = sorted(groups.items(), key=lambda g: (g[0] == UNREVIEWED, _first(order, g[0])))
    return dump_baseline(title, report.sha256, date, ranked)


def _first(order: list[str], why: str) -> int:
    try:
        return order.index(why)
    except ValueError:
        return len(order)
