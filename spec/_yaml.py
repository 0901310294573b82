"""YAML reading that remembers where every mapping key was written.

Error messages must name the file and line of a mistake, so mappings are built as
:class:`Node` dicts that carry the line of each key. libyaml's C parser is used when present.

Reading the spec is most of what loading it costs, so the generic machinery PyYAML runs per
node is skipped where the spec cannot need it: there are no path resolvers (so the resolver's
descend/ascend bookkeeping is a no-op), a plain scalar's tag depends only on its text (so it
is looked up once per distinct text), and the composed node tree is turned into values by one
small recursive function instead of ``construct_object``'s generator protocol. The result is
the same values, types and lines as ``yaml.safe_load`` with line tracking would give (a test
compares them on every spec file).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ._errors import SpecError, SpecErrorKind

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


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


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader minus per-node work the spec never needs (see the module docstring)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._plain_tags: dict[str, str] = {}  # plain scalar text -> its tag, for this file

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if not implicit[0]:
                return _STR
            tag = self._plain_tags.get(value)
            if tag is None:
                tag = self._plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return _SEQ if kind is SequenceNode else _MAP


class _Builder:
    """Turns one file's composed node tree into Python values with lines (aliases shared)."""

    def __init__(self, loader: Any, file: str) -> None:
        self.loader = loader
        self.file = file
        self.constructors: dict[Any, Any] = loader.yaml_constructors
        self.built: dict[int, Any] = {}  # id(node) -> value, so an alias is the same object

    def value(self, node: Any) -> Any:
        cls = node.__class__
        if cls is ScalarNode:
            if node.tag == _STR:
                return node.value
            construct = self.constructors.get(node.tag)
            if construct is None:  # an unknown explicit tag: PyYAML's error names its line
                return self.loader.construct_object(node, deep=True)
            return construct(self.loader, node)
        done = self.built.get(id(node))
        if done is not None:
            return done
        if cls is MappingNode and node.tag == _MAP:
            return self._mapping(node)
        if cls is SequenceNode and node.tag == _SEQ:
            out: list[Any] = []
            self.built[id(node)] = out
            out.extend(self.value(item) for item in node.value)
            return out
        return self.loader.construct_object(node, deep=True)  # explicit tags: PyYAML's way

    def _mapping(self, node: Any) -> Node:
        out = Node(self.file, node.start_mark.line + 1)
        self.built[id(node)] = out
        self.loader.flatten_mapping(node)
        lines = out.key_lines
        value = self.value
        for key_node, value_node in node.value:
            # Most keys and values are plain strings: read them inline, without a call.
            if key_node.tag == _STR and key_node.__class__ is ScalarNode:
                key = key_node.value
            else:
                key = value(key_node)
            line = key_node.start_mark.line + 1
            if isinstance(key, (dict, list)):
                raise SpecError(
                    SpecErrorKind.SYNTAX,
                    "invalid YAML: a mapping or a list cannot be a key",
                    file=self.file,
                    line=line,
                )
            if key in out:
                raise SpecError(
                    SpecErrorKind.DUPLICATE,
                    f"key {key!r} appears twice in one mapping",
                    file=self.file,
                    line=line,
                    key=str(key),
                )
            lines[key] = line
            out[key] = (
                value_node.value
                if value_node.tag == _STR and value_node.__class__ is ScalarNode
                else value(value_node)
            )
        return out


def parse(text: str, file: str) -> Any:
    """Parse one YAML document; a syntax error becomes a SpecError naming file and line."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return None if root is None else _Builder(loader, file).value(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"invalid YAML: {exc.problem or exc}"
        if exc.context and exc.context_mark is not None:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise SpecError(SpecErrorKind.SYNTAX, problem, file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise SpecError(SpecErrorKind.SYNTAX, f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
