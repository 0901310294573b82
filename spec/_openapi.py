"""Export the spec as an OpenAPI 3.1 document that third-party tools accept as they are.

Three views of the same spec (``tier``):

* ``both`` (the default): every operation. Where an optional-auth operation answers the two
  tiers differently, its response schema is ``anyOf: [token tier, public tier]``: standard
  OpenAPI cannot tie a response to the security requirement a caller met, but ``anyOf`` lets a
  generated client (or a validator) accept what either caller gets.
* ``public``: the API as an anonymous caller meets it: the operations that need no token, no
  security requirement, public-tier bodies only. For tools that check or mock one tier exactly
  (Schemathesis without a token, Prism serving anonymous callers).
* ``token``: the API as a caller with a Bearer token meets it: every operation, the token
  required wherever one is accepted, token-tier bodies.

What tools refuse is avoided: paths that differ only in their parameter names
(``/tracks/{id}`` and ``/tracks/{ids}``) share one path item under the family's name (the
literal documented path stays in ``x-documented-path``), and a field the token tier hides is
forbidden with ``not: {anyOf: [{required: [field]}]}`` instead of a boolean ``false`` schema.
Our own facts travel as ``x-`` extensions: provenance, auth, rate-limit category, side effect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from ._compile import FragmentTranslator
from ._model import Operation, Spec, Tier

JSON = dict[str, Any]
View = Literal["both", "public", "token"]
VIEWS: tuple[View, ...] = ("both", "public", "token")

_PARAM = re.compile(r"\{([^}/]*)\}")
_SECURITY_SCHEMES: JSON = {"bearerAuth": {"type": "http", "scheme": "bearer"}}


def component_name(target: str) -> str:
    """``resources/Track.public`` -> ``TrackPublic``; ``common/error`` -> ``ErrorBody``."""
    kind, _, rest = target.partition("/")
    if kind == "resources":
        name, _, tier = rest.partition(".")
        return name + ("Public" if tier == "public" else "")
    return "".join(part.capitalize() for part in rest.split("_")) + (
        "" if rest == "pagination" else "Body"
    )


def _refer(_here: str, target: str) -> str:
    return f"#/components/schemas/{component_name(target)}"


def family_paths(operations: Iterable[Operation]) -> dict[str, str]:
    """Each documented path -> the one spelling its family shares in the export.

    A family is the paths equal once parameter names are ignored (``/tracks/{id}``,
    ``/tracks/{track}``, ``/tracks/{ids}``); OpenAPI forbids such twins. The family takes the
    names of its GET operation, else of its first operation in spec order.
    """
    families: dict[str, list[Operation]] = {}
    for op in operations:
        families.setdefault(_PARAM.sub("{}", op.path), []).append(op)
    out: dict[str, str] = {}
    for ops in families.values():
        chosen = min(ops, key=lambda o: o.method != "GET").path
        for op in ops:
            out[op.path] = chosen
    return out


def _resource_schema(tr: FragmentTranslator, spec: Spec, name: str, tier: Tier) -> JSON:
    body = tr.resource_body(name, tier, "")
    hidden = [field for field, schema in body["properties"].items() if schema is False]
    for field in hidden:
        del body["properties"][field]
    if hidden:  # the constraint of a `false` property schema, in a form every tool reads
        body["not"] = {
            "anyOf": [{"properties": {field: {}}, "required": [field]} for field in hidden]
        }
        body["x-hidden-fields"] = hidden
    res = spec.resources[name]
    body["x-source"] = res.source
    if res.description:
        body["description"] = res.description
    return body


def to_openapi(spec: Spec, tier: View = "both") -> JSON:
    """An OpenAPI 3.1 document describing the operations of ``spec`` in the chosen view."""
    if tier not in VIEWS:
        raise ValueError(f"unknown tier {tier!r}; choose one of {', '.join(VIEWS)}")
    tr = FragmentTranslator(spec, refer=_refer)
    schemas: JSON = {}
    for name, body in spec.errors.bodies.items():
        schemas[component_name(f"common/{name}")] = tr.fragment(body, "token", "")
    for res in spec.resources.values():
        for t in ("token", "public"):
            schemas[component_name(f"resources/{res.name}.{t}")] = _resource_schema(
                tr, spec, res.name, t
            )
    ops = [op for op in spec.operations.values() if tier != "public" or "public" in op.tiers]
    spelled = family_paths(ops)
    paths: JSON = {}
    for op in ops:
        paths.setdefault(spelled[op.path], {})[op.method.lower()] = _operation(
            tr, op, tier, spelled[op.path]
        )
    audience = {
        "both": (
            "Anonymous callers get the public tier (minimal fields), a Bearer token unlocks the "
            "token tier: where they differ, a response is anyOf [token tier, public tier]. "
            "`openapi --tier public|token` exports one tier exactly."
        ),
        "public": "This view: the API as a caller without a token meets it (public tier).",
        "token": "This view: the API as a caller with a Bearer token meets it (token tier).",
    }[tier]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "BeatPass API",
            "version": "1.0.1",
            "description": (
                "Generated by beatpass-contract from its spec/ YAML. Production only: there is "
                f"no sandbox. {audience} x-source marks documented and inferred facts."
            ),
        },
        "servers": [{"url": spec.policies.base_url}],
        "components": {
            **({} if tier == "public" else {"securitySchemes": _SECURITY_SCHEMES}),
            "schemas": _reachable(schemas, paths),
        },
        "paths": paths,
    }


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(schemas: JSON, paths: JSON) -> JSON:
    """The components the paths use, directly or through other components, in their order:
    a one-tier view has no use for the other tier's (tools warn about unused components)."""
    seen: set[str] = set()
    todo = list(_refs(paths))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return {name: body for name, body in schemas.items() if name in seen}


def _security(op: Operation, view: View) -> list[dict[str, list[str]]]:
    if op.auth == "none" or view == "public":
        return []
    if op.auth == "optional" and view == "both":
        return [{}, {"bearerAuth": []}]
    return [{"bearerAuth": []}]


def _operation(tr: FragmentTranslator, op: Operation, view: View, path: str) -> JSON:
    out: JSON = {
        "operationId": op.id,
        "summary": op.title,
        "tags": [op.group],
        "security": _security(op, view),
        "x-source": op.source,
        "x-auth": op.auth,
        "x-rate-limit": op.rate_limit,
        "x-side-effect": op.side_effect,
    }
    if path != op.path:
        out["x-documented-path"] = op.path
    if op.note:
        out["description"] = op.note
    names = dict(zip(op.path_template_names, _PARAM.findall(path), strict=True))
    params = []
    for p in (*op.path_params, *op.query_params):
        name = names.get(p.name, p.name) if p.location == "path" else p.name
        param: JSON = {
            "name": name,
            "in": p.location,
            "required": p.required,
            "schema": tr.fragment(p.schema, "token", ""),
        }
        description = p.description
        if name != p.name:
            description = f"{description} (documented as {{{p.name}}})".lstrip()
        if description:
            param["description"] = description
        param["x-source"] = p.source
        params.append(param)
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {
            "required": op.body.required,
            "content": {op.body.content_type: {"schema": tr.fragment(op.body.schema, "token", "")}},
        }
    out["responses"] = {str(status): _response(tr, op, view, status) for status in op.responses}
    return out


def _response(tr: FragmentTranslator, op: Operation, view: View, status: int) -> JSON:
    r = op.responses[status]
    resp: JSON = {"description": r.description or str(status), "x-source": r.source}
    if r.note:
        resp["x-note"] = r.note
    if r.schema is not None:
        tiers = [t for t in op.tiers if view in ("both", t)] or list(op.tiers)
        variants: dict[Tier, JSON] = {}
        for t in sorted(tiers, key=lambda t: t != "token"):  # the richer tier first
            schema = tr.fragment(r.schema, t, "")
            if schema not in variants.values():
                variants[t] = schema
        if len(variants) == 1:
            (schema,) = variants.values()
        else:  # titled, so that generated clients name the two models after their tier
            schema = {"anyOf": [{"title": f"{t} tier", **s} for t, s in variants.items()]}
        resp["content"] = {r.content_type: {"schema": schema}}
    elif r.content_type:
        resp["content"] = {
            r.content_type: {"schema": {"type": "string", "contentMediaType": r.content_type}}
        }
    return resp
