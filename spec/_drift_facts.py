"""Reduce an OpenAPI document (3.0 or 3.1) to comparable facts.

Drift compares two documents (our own export and a published one) fact by fact, so both go
through this one reader: a difference then means the API description differs, never that two
readers disagree. A fact is ``(kind, operation, item) -> value``, all strings:

* operations match on method plus path with parameter names folded (``/tracks/{id}`` is
  ``/tracks/{track}``), and path parameters are named by position (``path 1``);
* a type is spelt one way whatever the dialect: 3.0 ``nullable``, 3.1 ``type: [.., "null"]`` and
  ``anyOf [X, null]`` all read ``X|null``; a component is its name, an array ``[X]``;
* every fact names its parent, so a difference is reported once, where it starts (an operation
  missing from one side is one line, not one line per status it had).

The published document may be defective (BeatPass's is): what cannot be read is skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ._errors import ContractError

JSON = dict[str, Any]
METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_PARAM_RE = re.compile(r"\{([^}/]*)\}")
_LIMITS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
)
_COMPONENT = "#/components/schemas/"
_MAX_DEPTH = 4
PRESENT = "present"
WORK_LIMIT = 200_000
"""Schema nodes one document may make the reader visit: ``$ref`` chains can make a small file
describe an exponentially large tree, and drift must answer, not hang."""

Key = tuple[str, str, str]
"""``(kind, operation, item)``; ``operation`` is ``""`` for document-wide facts."""


class DocumentTooComplex(ContractError):
    """The document asks for more work than :data:`WORK_LIMIT` to read."""


@dataclass(frozen=True)
class Fact:
    value: str
    parent: Key | None
    label: str = ""
    """How the operation is written in this document (``GET /tracks/{track}``)."""


def route_key(method: str, path: str) -> str:
    """``get`` + ``/api/v1/tracks/{track}`` -> ``GET /tracks/{}``: how operations match."""
    path = "/" + path.strip("/")
    if path.startswith("/api/v1/"):
        path = path[len("/api/v1") :]
    return f"{method.upper()} {_PARAM_RE.sub('{}', path)}"


class _Reader:
    def __init__(self, doc: JSON) -> None:
        self.doc = doc
        self.facts: dict[Key, Fact] = {}
        self.work = 0

    def step(self) -> None:
        self.work += 1
        if self.work > WORK_LIMIT:
            raise DocumentTooComplex(
                f"the document is too complex to compare (more than {WORK_LIMIT:,} schema nodes)"
            )

    def add(self, key: Key, value: str, parent: Key | None, label: str = "") -> None:
        self.facts.setdefault(key, Fact(value, parent, label))

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref``s (not to component schemas: those stay names)."""
        for _ in range(20):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node
            ref = node["$ref"]
            if ref.startswith(_COMPONENT) or not ref.startswith("#/"):
                return node
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")  # JSON Pointer escapes
                target = target.get(part) if isinstance(target, dict) else None
            node = target
        return None

    # -- types and fields ---------------------------------------------------------------

    def type_of(self, schema: Any, depth: int = 0) -> str:
        return "|".join(sorted(self._alternatives(schema, depth))) or "any"

    def _alternatives(self, schema: Any, depth: int) -> set[str]:
        self.step()
        schema = self.resolve(schema)
        if schema is True or schema is None:
            return {"any"}
        if schema is False:
            return {"never"}
        if not isinstance(schema, dict) or depth > 2 * _MAX_DEPTH:
            return {"any"}
        ref = schema.get("$ref")
        if isinstance(ref, str):
            out = {ref.removeprefix(_COMPONENT)}
        elif isinstance(schema.get("allOf"), list) and schema["allOf"]:
            parts = sorted({self.type_of(p, depth + 1) for p in schema["allOf"]} - {"any"})
            out = {" & ".join(parts) or "any"}
        elif any(isinstance(schema.get(k), list) for k in ("anyOf", "oneOf")):
            out = set()
            for k in ("anyOf", "oneOf"):
                for part in _list(schema.get(k)):
                    out |= self._alternatives(part, depth + 1)
        else:
            out = self._plain(schema, depth)
        if schema.get("nullable") is True:
            out.add("null")
        return out

    def _plain(self, schema: JSON, depth: int) -> set[str]:
        declared = schema.get("type")
        if isinstance(declared, str):
            types = {declared}
        elif isinstance(declared, list):
            types = {t for t in declared if isinstance(t, str)}
        else:
            values = [schema["const"]] if "const" in schema else _list(schema.get("enum"))
            types = {_json_type(v) for v in values}
            if not types and "properties" in schema:
                types = {"object"}
            if not types and "items" in schema:
                types = {"array"}
        if "array" in types:
            types = (types - {"array"}) | {f"[{self.type_of(schema.get('items'), depth + 1)}]"}
        return types or {"any"}

    def fields(self, schema: Any, depth: int = 0) -> dict[str, Any]:
        """The named properties of an inline object schema, through allOf/anyOf/oneOf and
        nullable wrappers. A component reference is not opened: components are compared on
        their own. A property declared ``false`` (or ``not: {}``) is forbidden, not a field."""
        self.step()
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or "$ref" in schema or depth > _MAX_DEPTH:
            return {}
        out: dict[str, Any] = {}
        props = schema.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                if sub is not False and sub != {"not": {}}:
                    out[str(name)] = sub
        for k in ("allOf", "anyOf", "oneOf"):
            for part in _list(schema.get(k)):
                for name, sub in self.fields(part, depth + 1).items():
                    out.setdefault(name, sub)
        return out

    def items_of(self, schema: Any, depth: int = 0) -> Any:
        """The item schema of an inline array (also a nullable one), else None."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or "$ref" in schema or depth > _MAX_DEPTH:
            return None
        if "items" in schema:
            return schema["items"]
        for part in [*_list(schema.get("anyOf")), *_list(schema.get("oneOf"))]:
            found = self.items_of(part, depth + 1)
            if found is not None:
                return found
        return None

    def walk_fields(self, kind: str, op: str, prefix: str, schema: Any, parent: Key) -> None:
        """Facts for every field (and its type) of ``schema``, nested with dots; array items
        are ``name[]``."""
        self._walk(kind, op, prefix, schema, parent, 0)

    def _walk(self, kind: str, op: str, prefix: str, schema: Any, parent: Key, depth: int) -> None:
        if depth > _MAX_DEPTH:
            return
        sep = "" if prefix.endswith(" ") or not prefix else "."
        required = self.required_of(schema)
        for name, sub in sorted(self.fields(schema).items()):
            item = f"{prefix}{sep}{name}"
            key = (f"{kind}.field", op, item)
            self.add(key, PRESENT, parent)
            self.add((f"{kind}.type", op, item), self.type_of(sub), key)
            if kind == "body":
                self.add((f"{kind}.required", op, item), _flag(name in required), key)
            self._walk(kind, op, item, sub, key, depth + 1)
        items = self.items_of(schema)
        if items is not None and self.fields(items):
            self._walk(
                kind, op, f"{prefix}[]" if prefix.strip() else "[]", items, parent, depth + 1
            )

    def required_of(self, schema: Any, depth: int = 0) -> set[str]:
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or "$ref" in schema or depth > _MAX_DEPTH:
            return set()
        out = {r for r in _list(schema.get("required")) if isinstance(r, str)}
        for part in _list(schema.get("allOf")):
            out |= self.required_of(part, depth + 1)
        return out

    # -- the document -------------------------------------------------------------------

    def read(self) -> dict[Key, Fact]:
        components = _dict(self.doc.get("components"))
        for name, scheme in sorted(_dict(components.get("securitySchemes")).items()):
            scheme = self.resolve(scheme)
            if isinstance(scheme, dict):
                self.add(("security-scheme", "", str(name)), _scheme(scheme), None)
        for name, schema in sorted(_dict(components.get("schemas")).items()):
            key = ("component", "", str(name))
            self.add(key, PRESENT, None)
            self._walk("component", "", f"{name} ", schema, key, 0)
        for path, item in sorted(_dict(self.doc.get("paths")).items()):
            item = self.resolve(item)
            if isinstance(item, dict) and isinstance(path, str):
                for method in METHODS:
                    op = item.get(method)
                    if isinstance(op, dict):
                        self.operation(path, method, item, op)
        return self.facts

    def operation(self, path: str, method: str, item: JSON, op: JSON) -> None:
        key = route_key(method, path)
        if ("operation", key, "") in self.facts:
            return  # a second spelling of the same route: the first one counts
        me: Key = ("operation", key, "")
        self.add(me, PRESENT, None, f"{method.upper()} {path}")
        security = op.get("security", self.doc.get("security", []))
        self.add(("auth", key, ""), _auth(security), me)
        self.parameters(key, path, [*_list(item.get("parameters")), *_list(op.get("parameters"))])
        body = self.resolve(op.get("requestBody"))
        if isinstance(body, dict):
            media, schema = _media(body)
            here: Key = ("body", key, "")
            value = f"{media or 'no content'}, {'required' if body.get('required') else 'optional'}"
            self.add(here, value, me)
            self.walk_fields("body", key, "", schema, here)
        for status, response in sorted(_dict(op.get("responses")).items(), key=str):
            here = ("status", key, str(status))
            self.add(here, PRESENT, me)
            response = self.resolve(response)
            if isinstance(response, dict):
                _media_type, schema = _media(response)
                if schema is not None:  # no body described: one difference, not one per field
                    body_key: Key = ("response.type", key, str(status))
                    self.add(body_key, self.type_of(schema), here)
                    self.walk_fields("response", key, f"{status} ", schema, body_key)

    def parameters(self, op: str, path: str, params: list[Any]) -> None:
        template = [n.lower() for n in _PARAM_RE.findall(path)]
        declared = 0
        seen: dict[str, JSON] = {}
        for p in params:  # operation-level parameters override path-level ones of that name
            p = self.resolve(p)
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                seen[f"{p.get('in')}:{p['name']}"] = p
        for p in seen.values():
            where = str(p.get("in"))
            if where == "path":
                declared += 1
                name = p["name"].lower()
                position = template.index(name) + 1 if name in template else declared
                item = f"path {position}"
            else:
                item = f"{where} {p['name']}"
            key = ("parameter", op, item)
            schema = self.resolve(p.get("schema"))
            if not isinstance(schema, dict):
                schema = _media(p)[1] if "content" in p else {}
            schema = schema if isinstance(schema, dict) else {}
            self.add(key, PRESENT, ("operation", op, ""))
            self.add(("parameter.type", op, item), self.type_of(schema), key)
            required = p.get("required") is True or where == "path"
            self.add(("parameter.required", op, item), _flag(required), key)
            enum = schema.get("enum")
            if not isinstance(enum, list) and isinstance(schema.get("items"), dict):
                enum = schema["items"].get("enum")
            self.add(
                ("parameter.enum", op, item),
                _dump(sorted(enum, key=_dump)) if isinstance(enum, list) else "none",
                key,
            )
            default = schema.get("default")
            self.add(
                ("parameter.default", op, item), "none" if default is None else _dump(default), key
            )
            limits = [f"{k}={_dump(schema[k])}" for k in _LIMITS if k in schema]
            self.add(("parameter.limits", op, item), ", ".join(limits) or "none", key)


def facts(document: JSON) -> dict[Key, Fact]:
    """Every comparable fact of an OpenAPI ``document``."""
    return _Reader(document).read()


def _media(holder: JSON) -> tuple[str, Any]:
    content = holder.get("content")
    if not isinstance(content, dict) or not content:
        return "", None
    media = "application/json" if "application/json" in content else sorted(content)[0]
    entry = content[media]
    return media, entry.get("schema") if isinstance(entry, dict) else None


def _auth(security: Any) -> str:
    if not isinstance(security, list) or not security:
        return "none"
    anonymous = False
    schemes: set[str] = set()
    for requirement in security:
        if not isinstance(requirement, dict):
            continue
        if not requirement:
            anonymous = True
        schemes.add(" + ".join(sorted(str(k) for k in requirement)) if requirement else "")
    named = ", ".join(sorted(s for s in schemes if s))
    if not named:
        return "none"
    return f"{'optional' if anonymous else 'required'} ({named})"


def _scheme(scheme: JSON) -> str:
    parts = [str(scheme.get("type", "?"))]
    for k in ("scheme", "bearerFormat", "in", "name", "openIdConnectUrl"):
        if k in scheme:
            parts.append(f"{k}={scheme[k]}")
    return " ".join(parts)


def _list(value: Any) -> list[Any]:
    """A defective document's list that is not a list reads as empty, never as a crash."""
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _flag(value: bool) -> str:
    return "true" if value else "false"
