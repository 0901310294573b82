"""Which paths the live guard lets through: the documented read operations, and nothing else.

The guard's allow-list is the live side's own, built from the spec alone, so a change to how
the mock routes requests can never widen what production receives. A path matches an operation
when it has as many segments as the documented template, each literal segment is equal and each
``{param}`` segment is a non-empty value. Where two templates match (``/users/me/playlists`` and
``/users/{user}/playlists``) the one with more literal segments wins, as a reader of the docs
would expect; ties are broken by the earlier literal. Values that could change the path once
sent (dot segments, slashes, backslashes, ``%``, control characters) are no value at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spec import Operation

__all__ = ["ReadPaths", "unsafe_segment"]


def unsafe_segment(value: str) -> str | None:
    """Why ``value`` cannot be a path segment sent to production (None when it can): a dot
    segment is normalised away by URL handling, and an encoded or control character can be
    decoded into one (or into a slash) on the way."""
    if value in (".", ".."):
        return "a dot segment"
    if value == "":
        return "an empty segment"
    for char in value:
        if char in "/\\%?#":
            return f"the character {char!r}"
        if not char.isprintable() or char.isspace():
            return f"the character U+{ord(char):04X}"
    return None


@dataclass(frozen=True)
class _Template:
    operation: Operation
    segments: tuple[str | None, ...]
    """Literal segments, and None where the template has a parameter."""

    @property
    def rank(self) -> tuple[int, tuple[bool, ...]]:
        literal = tuple(s is not None for s in self.segments)
        return sum(literal), literal


class ReadPaths:
    """The documented read operations under one base path, matched segment by segment."""

    def __init__(self, operations: Iterable[Operation], base_path: str) -> None:
        self.base_path = base_path.rstrip("/")
        self._by_length: dict[int, list[_Template]] = {}
        for op in operations:
            if op.method.upper() != "GET" or not op.read_only:
                continue
            parts = tuple(
                None if s.startswith("{") and s.endswith("}") else s
                for s in op.path.strip("/").split("/")
            )
            self._by_length.setdefault(len(parts), []).append(_Template(op, parts))
        for templates in self._by_length.values():
            templates.sort(key=lambda t: t.rank, reverse=True)

    def match(self, path: str) -> Operation | None:
        """The read operation documented for ``path`` (a decoded URL path), or None."""
        if not path.startswith(self.base_path + "/"):
            return None
        values = path[len(self.base_path) + 1 :].split("/")
        for template in self._by_length.get(len(values), ()):
            if all(
                value == literal if literal is not None else unsafe_segment(value) is None
                for literal, value in zip(template.segments, values, strict=True)
            ):
                return template.operation
        return None
