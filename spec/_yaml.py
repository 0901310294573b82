"""YAML reading that remembers where every mapping key was written.

Error messages must name the file and line of a mistake, so mappings are built as
:class:`Node` dicts that carry the line of each key. libyaml's C parser is used when present:
it keeps loading the whole spec well under the time budget.
"""

from __future__ import annotations

from typing import Any

import yaml

from ._errors import SpecError, SpecErrorKind

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Node(dict[Any, Any]):
    """A mapping that knows its file, its own line and the line of each key (1-based)."""

    __slots__ = ("file", "key_lines", "line")

    def __init__(self, file: str, line: int) -> None:
        super().__init__()
        self.file = file
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


def _make_loader(file: str) -> type:
    class _Loader(_Base):  # type: ignore[misc]
        pass

    def construct_mapping(loader: Any, node: yaml.MappingNode) -> Node:
        out = Node(file, node.start_mark.line + 1)
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                raise SpecError(
                    SpecErrorKind.DUPLICATE,
                    f"key {key!r} appears twice in one mapping",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    key=str(key),
                )
            out.key_lines[key] = key_node.start_mark.line + 1
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return _Loader


def parse(text: str, file: str) -> Any:
    """Parse one YAML document; a syntax error becomes a SpecError naming file and line."""
    try:
        return yaml.load(text, Loader=_make_loader(file))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"invalid YAML: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise SpecError(SpecErrorKind.SYNTAX, problem, file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise SpecError(SpecErrorKind.SYNTAX, f"invalid YAML: {exc}", file=file) from None
