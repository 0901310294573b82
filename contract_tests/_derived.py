"""Recompute the figures the spec says are derived from others (``Operation.derived``).

A profile's track count is the number of the artist's tracks, a fee is the base price times the
platform's rate: an API can answer each with the right type and still contradict itself. For
each derivation of an answer's operation this module recomputes the figure from its source,
this same answer or a documented read on the same target, and reports the first that
disagrees. Reads are GETs the spec documents (safe live too), at most :data:`MAX_PAGES` pages of
a list, and each read is sent once per answer however many figures use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from spec import Derivation, Spec

from ._acceptance import Reader, path_values
from ._exchange import Exchange

MAX_PAGES = 5
"""A list read over more pages than this is not summed (the figure is left unjudged)."""
CENT = 0.005 + 1e-9
"""Money figures agree when they round to the same cent of the exact result."""


class _Unknown(Exception):
    """The figure cannot be recomputed (a read failed, a field is absent): no verdict."""


@dataclass(frozen=True)
class Disagreement:
    """A derived figure that does not equal what it derives from."""

    derivation: Derivation
    expected: Any
    observed: Any
    reads: tuple[str, ...]

    def expectation(self) -> str:
        d = self.derivation
        source = f"{d.read} ({', '.join(self.reads)})" if d.read else "this answer"
        what = {
            "count": f"the count of {d.of[0]}",
            "sum": f"the sum of {d.field} over {d.of[0]}",
            "equals": d.of[0],
            "add": " + ".join(d.of),
            "product": f"{d.of[0]} x {d.rule}",
        }[d.how]
        return f"{d.figure} = {_shown(self.expected)}, {what} of {source}"

    def observation(self) -> str:
        return f"{self.derivation.figure} = {_shown(self.observed)}"


def disagreement(
    spec: Spec, ex: Exchange, read: Reader | None, afford: Callable[[str], bool]
) -> Disagreement | None:
    """The first derived figure of a success answer that disagrees with its source (None when
    all agree or cannot be judged). ``afford(path)`` says whether a read may be spent on it."""
    op = ex.op
    if not op.derived or ex.status != op.success_status or not isinstance(ex.body, Mapping):
        return None
    sources = _Sources(spec, ex, read, afford)
    for d in op.derived:
        observed = value_at(ex.body, d.figure)
        if not _is_number(observed) and not (observed is None and _present(ex.body, d.figure)):
            continue  # absent or not a figure: the schema check reports a wrong shape
        sources.used = []
        try:
            expected, reads = _recompute(spec, d, sources)
        except _Unknown:
            continue
        if not _agrees(expected, observed):
            return Disagreement(d, expected, observed, reads)
    return None


def value_at(body: Any, path: str) -> Any:
    """The value at a dotted path of a body (None when any step is absent)."""
    for key in path.split("."):
        if not isinstance(body, Mapping) or key not in body:
            return None
        body = body[key]
    return body


def _present(body: Any, path: str) -> bool:
    """Whether a body holds the dotted path, null or not: a derived figure answered as null
    where what it derives from is known is judged (``null`` is no sum of anything), one left
    out is not (a field may be absent where its record is not fully loaded)."""
    *parents, last = path.split(".")
    holder = value_at(body, ".".join(parents)) if parents else body
    return isinstance(holder, Mapping) and last in holder


class _Sources:
    """The bodies derivations read, each fetched once per answer."""

    def __init__(
        self, spec: Spec, ex: Exchange, read: Reader | None, afford: Callable[[str], bool]
    ):
        self.spec, self.ex, self.read, self.afford = spec, ex, read, afford
        self.fetched: dict[str, Any] = {}
        self.used: list[str] = []
        """The reads of the derivation being recomputed (for its failure message)."""

    def path(self, d: Derivation, page: int = 1) -> str:
        """The read's path and query for this answer (``_Unknown`` when a parameter is absent)."""
        op = self.spec.operations[d.read]
        given = path_values(self.ex.op, self.ex.request.url.path)
        path = op.path
        for name, source in d.params:
            value = (
                given.get(source[1:-1])
                if source.startswith("{")
                else value_at(self.ex.body, source)
            )
            if value is None or isinstance(value, (Mapping, list)):
                raise _Unknown
            path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
        query = dict(d.query)
        if page > 1:
            query["page"] = str(page)
        return f"{path}?{urlencode(query)}" if query else path

    def body(self, d: Derivation, page: int = 1) -> Any:
        if not d.read:
            if page > 1:
                raise _Unknown  # this answer is one page; its others are not read here
            return self.ex.body
        path = self.path(d, page)
        if path not in self.fetched:
            if self.read is None or not self.afford(path):
                raise _Unknown
            self.fetched[path] = self.read(d.read, path, self.ex.tier)
        if path not in self.used:
            self.used.append(path)
        if self.fetched[path] is None:
            raise _Unknown  # the read failed: positive_data_acceptance judges that one
        return self.fetched[path]

    def items(self, d: Derivation) -> list[Any]:
        """Every item of the list at ``d.of[0]``, walking the pages of an envelope."""
        first = value_at(self.body(d), d.of[0])
        if isinstance(first, list):
            return first
        if not _is_page(first):
            raise _Unknown
        items = list(first["data"])
        last = first.get("last_page")
        if not isinstance(last, int) or last > MAX_PAGES or (last > 1 and not self._pages(d)):
            raise _Unknown
        for page in range(2, last + 1):
            more = value_at(self.body(d, page), d.of[0])
            if not _is_page(more):
                raise _Unknown
            items.extend(more["data"])
        return items

    def _pages(self, d: Derivation) -> bool:
        return not d.read or any(
            p.name == "page" for p in self.spec.operations[d.read].query_params
        )

    def reads(self) -> tuple[str, ...]:
        return tuple(f"GET {p}" for p in self.used)


def _recompute(spec: Spec, d: Derivation, src: _Sources) -> tuple[Any, tuple[str, ...]]:
    if d.how == "count":
        listed = value_at(src.body(d), d.of[0])
        if _is_page(listed):
            result: Any = listed["total"]
        elif isinstance(listed, list):
            result = len(listed)
        else:
            raise _Unknown
    elif d.how == "sum":
        values = [value_at(item, d.field) for item in src.items(d)]
        result = _total(values)
    elif d.how == "equals":
        result = value_at(src.body(d), d.of[0])
    elif d.how == "add":
        result = _total([value_at(src.body(d), p) for p in d.of])
    else:  # product
        result = _total([value_at(src.body(d), d.of[0])]) * float(spec.rule(d.rule))
    if not _is_number(result):
        raise _Unknown
    return result, src.reads()


def _total(values: list[Any]) -> Any:
    if not all(_is_number(v) for v in values):
        raise _Unknown
    return sum(values)


def _agrees(expected: Any, observed: Any) -> bool:
    if observed is None:
        return False
    if isinstance(expected, int) and isinstance(observed, int):
        return expected == observed
    return bool(abs(float(expected) - float(observed)) <= CENT)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_page(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("data"), list) and "total" in value


def _shown(value: Any) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
