"""Compile the spec model into JSON Schemas (Draft 2020-12).

One schema per resource and tier, per operation response (status x tier), per operation
request part (path, query, body), plus the shared error bodies and the pagination envelope.
Schemas reference each other with relative ``$ref`` s, so the same documents resolve both in the
in-memory registry and as files written by ``beatpass-contract schemas``.
"""

from __future__ import annotations

import datetime
import functools
import posixpath
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ._model import Operation, Parameter, Schema, Spec, Tier
from ._validate import Compiler, Unsupported

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://beatpass-contract.local/schemas/"
JSON = dict[str, Any]


def resource_name(resource: str, tier: Tier) -> str:
    return f"resources/{resource}.{tier}"


def response_name(op_id: str, status: int, tier: Tier) -> str:
    return f"operations/{op_id}/response.{status}.{tier}"


def request_name(op_id: str, part: str) -> str:
    return f"operations/{op_id}/{part}"


def uri(name: str) -> str:
    return f"{BASE}{name}.json"


class Schemas:
    """Every generated schema by name, with validators built once and cached."""

    def __init__(self, spec: Spec, documents: dict[str, JSON]) -> None:
        self.spec = spec
        self.documents = documents
        self.by_uri = {doc["$id"]: doc for doc in documents.values()}
        self._validators: dict[str, Any] = {}
        self._tests: dict[str, Callable[[Any], bool] | None] = {}
        self._compiler = Compiler(self.by_uri, FORMATS)
        self.memo: dict[Any, Any] = {}
        """Results derived from these schemas and nothing else (validation verdicts of
        consumers), kept with them so two specs in one process never share an answer."""

    def __len__(self) -> int:
        return len(self.documents)

    def remember(self, key: Any, compute: Any, limit: int = 8192) -> Any:
        """``memo[key]``, computed once by ``compute()``; the memo is cleared when it grows
        past ``limit`` entries (a cache, not a store)."""
        try:
            return self.memo[key]
        except KeyError:
            pass
        value = compute()
        if len(self.memo) >= limit:
            self.memo.clear()
        self.memo[key] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.documents)

    def __getitem__(self, name: str) -> JSON:
        return self.documents[name]

    def response(self, op_id: str, status: int, tier: Tier) -> JSON | None:
        """The body schema of a response, or None for a non-JSON or undocumented one."""
        return self.documents.get(response_name(op_id, status, tier))

    def bundled(self, name: str) -> JSON:
        """The named schema with every schema it references embedded under ``$defs``: a
        document that validates on its own, for tools that want one file per schema."""
        from urllib.parse import urljoin

        root = self.documents[name]
        seen: dict[str, JSON] = {}
        todo: list[tuple[Any, str]] = [(root, root["$id"])]
        while todo:
            node, base = todo.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    target = urljoin(base, ref)
                    if target not in seen and target != root["$id"]:
                        seen[target] = self.by_uri[target]
                        todo.append((seen[target], target))
                todo.extend((value, base) for key, value in node.items() if key != "$ref")
            elif isinstance(node, list):
                todo.extend((value, base) for value in node)
        if not seen:
            return root
        return {**root, "$defs": {f"d{i}": doc for i, doc in enumerate(seen.values())}}

    def validator(self, name: str) -> Any:
        """A cached Draft 2020-12 validator for the named schema, with format checking."""
        v = self._validators.get(name)
        if v is None:
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            # A small registry of just the schemas this one reaches, crawled up front:
            # jsonschema merges the registry it is given into its own for every validator
            # (costly with all 2,600+ schemas), and re-crawls an uncrawled one on every $ref.
            bundle = self.bundled(name)
            docs = [self.documents[name], *bundle.get("$defs", {}).values()]
            registry = (
                Registry()
                .with_resources(
                    (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
                    for doc in docs
                )
                .crawl()
            )
            v = Draft202012Validator(
                self.documents[name], registry=registry, format_checker=FORMAT_CHECKER()
            )
            self._validators[name] = v
        return v

    def test(self, name: str) -> Callable[[Any], bool] | None:
        """The named schema compiled to a yes/no test (``_validate``), built once; None when
        it uses something outside the compiled subset (jsonschema alone decides then)."""
        if name not in self._tests:
            try:
                self._tests[name] = self._compiler.document(self.documents[name]["$id"])
            except Unsupported:
                self._tests[name] = None
        return self._tests[name]

    def errors(self, name: str, instance: Any) -> list[Any]:
        """Validation errors of ``instance`` against the named schema (empty when valid).
        The compiled test answers first (most instances are valid); jsonschema, the
        reference, explains the ones it refuses."""
        test = self.test(name)
        if test is not None and test(instance):
            return []
        return sorted(self.validator(name).iter_errors(instance), key=lambda e: list(e.path))

    def reference_errors(self, name: str, instance: Any) -> list[Any]:
        """The errors jsonschema alone finds (what the compiled test is pinned against)."""
        return sorted(self.validator(name).iter_errors(instance), key=lambda e: list(e.path))

    def index(self) -> JSON:
        """A table of contents: what each schema describes."""
        return {
            "$comment": "generated by beatpass-contract from spec/; do not edit",
            "base": BASE,
            "schemas": {
                name: {"$id": doc["$id"], "title": doc.get("title", "")}
                for name, doc in self.documents.items()
            },
        }


# -- format checking --------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only
    if not _DATE_RE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME_RE.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


FORMATS: dict[str, Callable[[object], bool]] = {
    "date": _is_date,
    "date-time": _is_datetime,
    "uuid": _is_uuid,
    "email": lambda v: not isinstance(v, str) or bool(_EMAIL_RE.match(v)),
    "uri": lambda v: not isinstance(v, str) or bool(_URI_RE.match(v)),
}
"""The formats the spec uses, checked exactly (by jsonschema and by the compiled validator)."""


def FORMAT_CHECKER() -> Any:
    """Exact checks for the formats the spec uses (jsonschema's need optional packages)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name, test in FORMATS.items():
        checker.checks(name)(test)
    return checker


# -- compilation ------------------------------------------------------------------------------


def relative_ref(here: str, target: str) -> str:
    """How the schema file ``here`` refers to ``target`` (both names without .json)."""
    return _relative(posixpath.dirname(here) or ".", target)


@functools.cache
def _relative(directory: str, target: str) -> str:
    # relpath normalises both paths on every call; a few dozen directories and targets recur
    # thousands of times across the 2,700 schemas, so each pair is computed once.
    return posixpath.relpath(f"{target}.json", directory)


def _plain_copy(value: Any) -> Any:
    """A deep copy of JSON-like data (mappings, lists, scalars): what copy.deepcopy would
    give for it, at a fraction of the cost, since no memo or reduce protocol is needed."""
    if isinstance(value, Mapping):
        return {k: _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_copy(v) for v in value]
    return value


class FragmentTranslator:
    """Turns spec fragments (with ``resource``/``ref``/``page_of``) into plain JSON Schema.

    ``refer(here, target)`` decides how a reference is spelled: relative file names for the
    schema files, ``#/components/schemas/...`` for the OpenAPI export.
    """

    def __init__(self, spec: Spec, refer: Callable[[str, str], str] = relative_ref) -> None:
        self.spec = spec
        self.refer = refer

    def fragment(self, frag: Schema, tier: Tier, here: str) -> JSON:
        """Translate a spec fragment (with extension keys) into plain JSON Schema."""
        if "resource" in frag:
            out: JSON = {"$ref": self.refer(here, resource_name(frag["resource"], tier))}
        elif "ref" in frag:
            out = {"$ref": self.refer(here, f"common/{frag['ref']}")}
        elif "page_of" in frag:
            out = _plain_copy(self.spec.policies.pagination)
            out["properties"] = dict(out["properties"])
            out["properties"]["data"] = {
                "type": "array",
                "items": self.fragment(frag["page_of"], tier, here),
            }
            out["required"] = [*out.get("required", ()), "data"]
        else:
            out = {}
            for key, value in frag.items():
                if key == "properties":
                    out[key] = {k: self.fragment(v, tier, here) for k, v in value.items()}
                elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
                    out[key] = self.fragment(value, tier, here)
                elif key == "anyOf":
                    out[key] = [self.fragment(v, tier, here) for v in value]
                elif key in ("generator", "refusal"):
                    continue  # the mock's business: JSON Schema has no such keyword
                else:
                    out[key] = _plain_copy(value)
            return out
        if "description" in frag:
            out["description"] = frag["description"]
        return out

    def resource_body(self, name: str, tier: Tier, here: str) -> JSON:
        """The object schema of a resource in one tier."""
        res = self.spec.resources[name]
        fields = (
            res.fields
            if tier == "token"
            else {n: f for n, f in res.fields.items() if f.tier != "token"}
        )
        props: JSON = {n: self.fragment(f.schema, tier, here) for n, f in fields.items()}
        required = [
            n for n, f in fields.items() if f.required and (tier == "token" or f.tier == "public")
        ]
        body: JSON = {"type": "object", "properties": props, "required": required}
        if tier == "public":
            body["additionalProperties"] = False
        else:
            for hidden in res.hidden:
                props[hidden] = False
        return body

    def params_body(self, params: tuple[Parameter, ...], here: str, *, closed: bool) -> JSON:
        body: JSON = {
            "type": "object",
            "properties": {p.name: self.fragment(p.schema, "token", here) for p in params},
            "required": [p.name for p in params if p.required],
        }
        if closed:
            body["additionalProperties"] = False
        return body


class _Compiler(FragmentTranslator):
    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.docs: dict[str, JSON] = {}

    def add(self, name: str, title: str, body: JSON) -> None:
        doc: JSON = {"$schema": DRAFT, "$id": uri(name), "title": title}
        doc.update(body)
        self.docs[name] = doc

    def compile(self) -> dict[str, JSON]:
        errors = self.spec.errors
        for name, body in errors.bodies.items():
            self.add(
                f"common/{name}",
                f"{name} error body",
                self.fragment(body, "token", f"common/{name}"),
            )
        envelope = dict(self.spec.policies.pagination)
        envelope["properties"] = dict(envelope["properties"]) | {"data": {"type": "array"}}
        envelope["required"] = [*envelope.get("required", ()), "data"]
        self.add("common/pagination", "pagination envelope", envelope)
        for res in self.spec.resources.values():
            self.resource(res.name)
        for op in self.spec.operations.values():
            self.operation(op)
        return self.docs

    def resource(self, name: str) -> None:
        tiers: tuple[Tier, ...] = ("token", "public")
        for tier in tiers:
            here = resource_name(name, tier)
            what = "anonymous caller: minimal fields" if tier == "public" else "token tier"
            title = f"{name} ({what})"
            self.add(here, title, self.resource_body(name, tier, here))

    def operation(self, op: Operation) -> None:
        for status, response in op.responses.items():
            if response.schema is None:
                continue
            for tier in op.tiers:
                here = response_name(op.id, status, tier)
                title = f"{op.method} {op.path} -> {status} ({tier})"
                self.add(here, title, self.fragment(response.schema, tier, here))
        for part, params in (("path", op.path_params), ("query", op.query_params)):
            if not params:
                continue
            here = request_name(op.id, part)
            body = self.params_body(params, here, closed=part == "path")
            self.add(here, f"{op.method} {op.path} {part} parameters", body)
        if op.body is not None:
            here = request_name(op.id, "body")
            self.add(
                here,
                f"{op.method} {op.path} request body",
                self.fragment(op.body.schema, "token", here),
            )


def compile_schemas(spec: Spec) -> Schemas:
    """Compile every schema of ``spec`` (use ``spec.schemas``, which caches this)."""
    return Schemas(spec, _Compiler(spec).compile())
