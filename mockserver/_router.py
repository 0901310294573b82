"""Route requests to documented operations.

A segment trie per method, built once from the spec: matching costs one dictionary lookup per
path segment however many operations there are (no scanning of route regexes). Literal
segments win over parameters, so ``/users/me/playlists`` is not taken for
``/users/{user}/playlists``; the matcher backtracks when a literal branch dead-ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from spec import Operation


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    param: _Node | None = None
    operation: Operation | None = None


@dataclass(frozen=True)
class Match:
    operation: Operation
    params: dict[str, str]


class Router:
    def __init__(self, operations: Iterable[Operation], prefix: str = "/api/v1") -> None:
        self.prefix = prefix.rstrip("/")
        self._roots: dict[str, _Node] = {}
        for op in operations:
            node = self._roots.setdefault(op.method, _Node())
            for segment in op.path.strip("/").split("/"):
                if segment.startswith("{") and segment.endswith("}"):
                    node.param = node.param or _Node()
                    node = node.param
                else:
                    node = node.literal.setdefault(segment, _Node())
            node.operation = op

    def match(self, method: str, path: str) -> Match | None:
        """The documented operation for this request line, with its path parameters."""
        if not path.startswith(self.prefix + "/"):
            return None
        root = self._roots.get(method.upper())
        if root is None:
            return None
        segments = path[len(self.prefix) + 1 :].split("/")
        values: list[str] = []
        op = _walk(root, segments, 0, values)
        if op is None:
            return None
        return Match(op, dict(zip(op.path_template_names, values, strict=True)))


def _walk(node: _Node, segments: list[str], i: int, values: list[str]) -> Operation | None:
    if i == len(segments):
        return node.operation
    segment = segments[i]
    child = node.literal.get(segment)
    if child is not None:
        found = _walk(child, segments, i + 1, values)
        if found is not None:
            return found
    if node.param is not None and segment:
        values.append(segment)
        found = _walk(node.param, segments, i + 1, values)
        if found is not None:
            return found
        values.pop()
    return None
