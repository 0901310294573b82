"""Read the spec YAML, check it, and build the :class:`Spec` model.

``load(path)`` and ``loads(text)`` both end in :func:`from_dict`, so a spec split over many
files and a spec written as one document are checked by exactly the same code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import _checks as c
from ._derivations import Known, derivations
from ._errors import SpecError, SpecErrorKind
from ._model import (
    Body,
    CatalogEntry,
    Errors,
    Field,
    Location,
    Operation,
    Parameter,
    Policies,
    RateLimitCategory,
    Resource,
    Response,
    Rule,
    SharedResponse,
    Spec,
    StatusInfo,
)
from ._yaml import Node, parse

SPEC_DIR = Path(__file__).resolve().parent
_ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_PARAM_RE = re.compile(r"\{([^}/]+)\}")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
SIDE_EFFECTS = ("none", "data", "event", "read_like", "charge", "publish", "message")
AUTH = ("none", "optional", "required")


@functools.lru_cache(maxsize=8)
def _load_dir(directory: Path) -> Spec:
    docs: dict[str, Any] = {}
    for name in ("policies", "errors", "resources"):
        docs[name] = _read(directory / f"{name}.yaml")
    api_dir = directory / "api"
    files = sorted(api_dir.glob("*.yaml")) if api_dir.is_dir() else []
    if not files:
        raise SpecError(
            SpecErrorKind.IO, "no operation files found (expected api/*.yaml)", file=str(api_dir)
        )
    docs["api"] = [_read(f) for f in files]
    return from_dict(docs)


def load(path: str | Path | None = None) -> Spec:
    """Load and check the spec directory (default: the one shipped with the package).

    ``path`` may also name a single YAML file holding the whole spec as one document.
    Results for a directory are cached: the spec is immutable.
    """
    target = Path(path) if path is not None else SPEC_DIR
    if target.is_file():
        return loads(_text(target), file=str(target))
    if not target.is_dir():
        raise SpecError(SpecErrorKind.IO, "no such file or directory", file=str(target))
    return _load_dir(target.resolve())


def loads(text: str, file: str = "<string>") -> Spec:
    """Load a whole spec from one YAML document with keys policies, errors, resources, api."""
    doc = parse(text, file)
    root = c.mapping(doc, None, None, f"{file}: the spec document")
    c.keys(
        root,
        ("policies", "errors", "resources", "api"),
        ("policies", "errors", "resources", "api"),
        "the spec document",
    )
    if not isinstance(root["api"], list):
        c.fail(SpecErrorKind.BAD_VALUE, "api must be a list of sections", root, "api")
    return from_dict(root)


def from_dict(docs: Mapping[str, Any]) -> Spec:
    """Build and check a Spec from parsed documents (``policies``, ``errors``, ``resources``,
    ``api``: a list of sections). Every loader ends here."""
    errors = _errors(c.mapping(docs["errors"], None, None, "errors.yaml"))
    policies = _policies(c.mapping(docs["policies"], None, None, "policies.yaml"), errors)
    resources = _resources(c.mapping(docs["resources"], None, None, "resources.yaml"), errors)
    operations: dict[str, Operation] = {}
    routes: dict[tuple[str, str], Operation] = {}
    rules: dict[str, Rule] = {}
    nodes: list[Node] = []
    _rules(docs["policies"], rules)
    for section in docs["api"]:
        sec = c.mapping(section, None, None, "an api section")
        c.keys(sec, ("section", "operations", "rules"), ("section", "operations"), "an api section")
        name = c.string(sec, "section")
        _rules(sec, rules)
        ops = sec["operations"]
        if not isinstance(ops, list):
            c.fail(SpecErrorKind.BAD_VALUE, "operations must be a list", sec, "operations")
        for raw in ops:
            op = _operation(
                c.mapping(raw, sec, "operations", "an operation"), name, policies, errors, resources
            )
            if op.id in operations:
                first = operations[op.id].location
                c.fail(
                    SpecErrorKind.DUPLICATE,
                    f"operation id already used at {first.file}:{first.line}",
                    raw,
                    "id",
                )
            route = (op.method, _PARAM_RE.sub("{}", op.path))
            if route in routes:
                first_op = routes[route]
                c.fail(
                    SpecErrorKind.DUPLICATE,
                    f"{op.method} {op.path} is already described by {first_op.id} "
                    f"({first_op.location.file}:{first_op.location.line})",
                    raw,
                    "path",
                )
            operations[op.id] = routes[route] = op
            nodes.append(raw)
    known = Known(resources, policies.pagination, operations, rules)
    for raw in nodes:  # last: a derivation names operations and rules of any page
        operations[raw["id"]] = derivations(raw, operations[raw["id"]], known)
        _answer_paths(raw, operations[raw["id"]], known)
    return Spec(operations, resources, policies, errors, rules)


def _read(path: Path) -> Node:
    doc = parse(_text(path), str(path))
    if not isinstance(doc, Node):
        raise SpecError(
            SpecErrorKind.BAD_VALUE, "the file must hold a YAML mapping", file=str(path), line=1
        )
    return doc


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(SpecErrorKind.IO, "file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(SpecErrorKind.IO, f"cannot read: {exc}", file=str(path)) from None


# -- rules ------------------------------------------------------------------------------------

_RULE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _rules(node: Node, into: dict[str, Rule]) -> None:
    """A ``rules:`` block (policies.yaml, or an api page beside the operations it governs):
    ``name: {value, schema?, source?, doc?, note?}``. A rule with a ``schema`` is checked
    against it here, so a wrong figure fails at load, not in a test far away."""
    raw = node.get("rules")
    if raw is None:
        return
    block = c.mapping(raw, node, "rules", "rules")
    for name, body in block.items():
        if not isinstance(name, str) or not _RULE_RE.match(name):
            c.fail(
                SpecErrorKind.BAD_VALUE,
                "rule names are dotted lower_snake names with a page prefix, such as "
                "beat_requests.duration_tiers",
                block,
                name,
            )
        entry = c.mapping(body, block, name, f"rule {name}")
        c.keys(entry, ("value", "schema", "source", "doc", "note"), ("value",), f"rule {name}")
        if name in into:
            first = into[name].location
            c.fail(
                SpecErrorKind.DUPLICATE,
                f"rule already defined at {first.file}:{first.line}",
                block,
                name,
            )
        if "schema" in entry:
            c.schema_fragment(entry["schema"], entry, "schema", resources=set(), refs=set())
            problem = c.conforms(_plain(entry["value"]), _plain(entry["schema"]))
            if problem is not None:
                where, message = problem
                c.fail(
                    SpecErrorKind.BAD_VALUE,
                    f"value breaks its schema at {where or 'the value'}: {message}",
                    entry,
                    "value",
                )
        into[name] = Rule(
            name,
            _plain(entry["value"]),
            c.source(entry),
            entry.get("doc", ""),
            entry.get("note", ""),
            Location(block.file, block.line_of(name)),
        )


def _plain(value: Any) -> Any:
    """Parsed YAML (line-tracking mappings) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# -- errors.yaml ------------------------------------------------------------------------------


def _errors(node: Node) -> Errors:
    c.keys(node, ("note", "bodies", "statuses", "catalog"), ("bodies", "statuses"), "errors.yaml")
    bodies = c.mapping(node["bodies"], node, "bodies", "bodies")
    for name, frag in bodies.items():
        c.schema_fragment(frag, bodies, name, resources=set(), refs=set())
    statuses: dict[int, StatusInfo] = {}
    raw_statuses = c.mapping(node["statuses"], node, "statuses", "statuses")
    for code, info in raw_statuses.items():
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
            c.fail(
                SpecErrorKind.BAD_VALUE, "status codes must be integers 100-599", raw_statuses, code
            )
        entry = c.mapping(info, raw_statuses, code, "a status")
        c.keys(entry, ("meaning", "action", "source"), ("meaning",), f"status {code}")
        statuses[code] = StatusInfo(
            code, c.string(entry, "meaning"), entry.get("action", ""), c.source(entry)
        )
    catalog = []
    for raw in node.get("catalog", []) or []:
        entry = c.mapping(raw, node, "catalog", "a catalogue entry")
        c.keys(
            entry,
            ("area", "title", "status", "cause", "resolution"),
            ("area", "title", "status"),
            "a catalogue entry",
        )
        status = c.integer(entry, "status")
        if status not in statuses:
            c.fail(
                SpecErrorKind.UNDOCUMENTED_STATUS,
                f"status {status} is not in statuses",
                entry,
                "status",
            )
        catalog.append(
            CatalogEntry(
                status,
                c.string(entry, "title"),
                c.string(entry, "area"),
                entry.get("cause", ""),
                entry.get("resolution", ""),
            )
        )
    return Errors(dict(bodies), statuses, tuple(catalog))


# -- policies.yaml ----------------------------------------------------------------------------


def _policies(node: Node, errors: Errors) -> Policies:
    c.keys(
        node,
        (
            "base_url",
            "environment",
            "tokens",
            "tiers",
            "rate_limits",
            "pagination",
            "global_responses",
            "rules",
        ),
        ("base_url", "tokens", "rate_limits", "pagination", "global_responses"),
        "policies.yaml",
    )
    tokens = c.mapping(node["tokens"], node, "tokens", "tokens")
    limits = c.mapping(node["rate_limits"], node, "rate_limits", "rate_limits")
    c.keys(
        limits,
        ("window_seconds", "global", "headers", "retry_after_header", "precedence", "categories"),
        ("window_seconds", "global", "categories"),
        "rate_limits",
    )
    glob = c.mapping(limits["global"], limits, "global", "rate_limits.global")
    categories: dict[str, RateLimitCategory] = {}
    raw_categories = c.mapping(limits["categories"], limits, "categories", "categories")
    for name, raw in raw_categories.items():
        cat = c.mapping(raw, raw_categories, name, "a rate-limit category")
        c.keys(cat, ("limit", "description", "source", "note"), ("limit",), f"category {name}")
        categories[name] = RateLimitCategory(
            name,
            c.integer(cat, "limit", minimum=1),
            cat.get("description", ""),
            c.source(cat),
            cat.get("note", ""),
        )
    pagination = c.mapping(node["pagination"], node, "pagination", "pagination")
    c.keys(
        pagination,
        ("note", "source", "envelope", "default_per_page", "max_per_page"),
        ("envelope",),
        "pagination",
    )
    c.schema_fragment(pagination["envelope"], pagination, "envelope", resources=set(), refs=set())
    shared = []
    raw_shared = node["global_responses"]
    if not isinstance(raw_shared, list):
        c.fail(SpecErrorKind.BAD_VALUE, "global_responses must be a list", node, "global_responses")
    for raw in raw_shared:
        entry = c.mapping(raw, node, "global_responses", "a global response")
        c.keys(
            entry,
            ("status", "applies_to", "description", "schema", "source", "note"),
            ("status", "applies_to", "schema"),
            "a global response",
        )
        status = c.integer(entry, "status")
        if status not in errors.statuses:
            c.fail(
                SpecErrorKind.UNDOCUMENTED_STATUS,
                f"status {status} is not in errors.yaml statuses",
                entry,
                "status",
            )
        c.schema_fragment(entry["schema"], entry, "schema", resources=set(), refs=errors.bodies)
        shared.append(
            SharedResponse(
                status,
                entry.get("description", ""),
                entry["schema"],
                c.choice(entry, "applies_to", ("all", "token", "body")),
                c.source(entry),
                entry.get("note", ""),
            )
        )
    return Policies(
        base_url=c.string(node, "base_url"),
        token_lifetime_days=c.integer(tokens, "lifetime_days", minimum=1),
        window_seconds=c.integer(limits, "window_seconds", minimum=1),
        global_limit=c.integer(glob, "limit", minimum=1),
        categories=categories,
        pagination=pagination["envelope"],
        shared_responses=tuple(shared),
        raw=node,
    )


# -- resources.yaml ---------------------------------------------------------------------------


def _resources(node: Node, errors: Errors) -> dict[str, Resource]:
    c.keys(node, ("resources", "note"), ("resources",), "resources.yaml")
    raw = c.mapping(node["resources"], node, "resources", "resources")
    names = set(raw)
    out: dict[str, Resource] = {}
    for name, body in raw.items():
        res = c.mapping(body, raw, name, f"resource {name}")
        c.keys(
            res,
            ("fields", "hidden", "source", "description", "note"),
            ("fields",),
            f"resource {name}",
        )
        raw_fields = c.mapping(res["fields"], res, "fields", "fields")
        fields: dict[str, Field] = {}
        for fname, fbody in raw_fields.items():
            f = c.mapping(fbody, raw_fields, fname, f"field {name}.{fname}")
            c.keys(
                f,
                ("schema", "tier", "required", "source", "description", "relative"),
                ("schema",),
                f"field {name}.{fname}",
            )
            c.schema_fragment(f["schema"], f, "schema", resources=names, refs=errors.bodies)
            fields[fname] = Field(
                fname,
                f["schema"],
                c.choice(f, "tier", ("public", "public_optional", "token"), "token"),
                c.boolean(f, "required", True),
                c.source(f),
                f.get("description", ""),
                c.boolean(f, "relative", False),
            )
        hidden = res.get("hidden", []) or []
        for h in hidden:
            if h in fields:
                c.fail(
                    SpecErrorKind.BAD_VALUE,
                    f"hidden field {h!r} is also declared as a field",
                    res,
                    "hidden",
                )
        out[name] = Resource(
            name,
            fields,
            tuple(hidden),
            c.source(res),
            res.get("description", ""),
            res.get("note", ""),
        )
    return out


# -- api/*.yaml -------------------------------------------------------------------------------

_OP_KEYS = (
    "id",
    "method",
    "path",
    "group",
    "title",
    "auth",
    "auth_source",
    "side_effect",
    "rate_limit",
    "resource",
    "source",
    "note",
    "parameters",
    "body",
    "responses",
    "errors",
    "derived",
)


def _operation(
    node: Node, section: str, policies: Policies, errors: Errors, resources: Mapping[str, Resource]
) -> Operation:
    c.keys(
        node,
        _OP_KEYS,
        ("id", "method", "path", "group", "title", "auth", "responses"),
        "an operation",
    )
    op_id = c.string(node, "id")
    if not _ID_RE.match(op_id):
        c.fail(
            SpecErrorKind.BAD_VALUE,
            "ids are dotted lower_snake names such as tracks.show",
            node,
            "id",
        )
    method = c.choice(node, "method", METHODS)
    path = c.string(node, "path")
    if not path.startswith("/") or (path.endswith("/") and path != "/"):
        c.fail(
            SpecErrorKind.BAD_VALUE, "paths start with '/' and do not end with one", node, "path"
        )
    auth = c.choice(node, "auth", AUTH)
    default_effect = "none" if method in ("GET", "HEAD") else "data"
    side_effect = c.choice(node, "side_effect", SIDE_EFFECTS, default_effect)
    rate_limit = c.choice(node, "rate_limit", tuple(policies.categories), "general")
    resource = node.get("resource")
    if resource is not None and resource not in resources:
        c.fail(
            SpecErrorKind.UNDEFINED_REFERENCE, f"undefined resource {resource!r}", node, "resource"
        )
    path_params, query_params = _parameters(node, path, resources, errors)
    body = _body(node, resources, errors)
    responses = _responses(node, auth, policies, errors, resources)
    if body is not None:
        for name, prop in body.schema.get("properties", {}).items():
            refusal = prop.get("refusal") if isinstance(prop, Mapping) else None
            if refusal is not None and refusal["status"] not in responses:
                c.fail(
                    SpecErrorKind.UNDOCUMENTED_STATUS,
                    f"the refusal status {refusal['status']} of body field {name!r} is not "
                    "among the responses",
                    prop,
                    "refusal",
                )
    catalog = []
    for raw in node.get("errors", []) or []:
        entry = c.mapping(raw, node, "errors", "an error entry")
        c.keys(entry, ("status", "title", "note"), ("status", "title"), "an error entry")
        status = c.integer(entry, "status")
        if status not in responses:
            c.fail(
                SpecErrorKind.UNDOCUMENTED_STATUS,
                f"catalogue status {status} is not among the responses",
                entry,
                "status",
            )
        catalog.append(CatalogEntry(status, c.string(entry, "title")))
    return Operation(
        id=op_id,
        method=method,
        path=path,
        section=section,
        group=c.string(node, "group"),
        title=c.string(node, "title"),
        auth=auth,
        side_effect=side_effect,
        rate_limit=rate_limit,
        path_params=path_params,
        query_params=query_params,
        body=body,
        responses=responses,
        errors=tuple(catalog),
        resource=resource,
        auth_source=c.choice(node, "auth_source", c.SOURCES, "documented"),
        source=c.source(node),
        note=node.get("note", ""),
        location=Location(node.file, node.line),
    )


def _parameters(
    node: Node, path: str, resources: Mapping[str, Resource], errors: Errors
) -> tuple[tuple[Parameter, ...], tuple[Parameter, ...]]:
    raw = node.get("parameters") or Node(node.file, node.line)
    raw = c.mapping(raw, node, "parameters", "parameters")
    c.keys(raw, ("path", "query"), (), "parameters")
    template = _PARAM_RE.findall(path)
    declared = raw.get("path") or {}
    for name in template:
        if name not in declared:
            c.fail(
                SpecErrorKind.UNDECLARED_PATH_PARAMETER,
                f"path parameter {{{name}}} is not declared under parameters.path",
                node,
                "path",
            )
    out: dict[str, list[Parameter]] = {"path": [], "query": []}
    for location in ("path", "query"):
        if location not in raw:
            continue
        params = c.mapping(raw[location], raw, location, f"parameters.{location}")
        for name, body in params.items():
            p = c.mapping(body, params, name, f"parameter {name}")
            c.keys(
                p,
                (
                    "schema",
                    "required",
                    "description",
                    "resource",
                    "resource_from",
                    "source",
                    "note",
                    "caps",
                    "selects",
                ),
                ("schema",),
                f"parameter {name}",
            )
            if location == "path" and ("caps" in p or "selects" in p):
                key = "caps" if "caps" in p else "selects"
                c.fail(SpecErrorKind.BAD_VALUE, f"{key} is for query parameters", p, key)
            if "caps" in p and (p.get("schema") or {}).get("type") != "integer":
                problem = "caps is for an integer parameter (a bound on a list's length)"
                c.fail(SpecErrorKind.BAD_VALUE, problem, p, "caps")
            if location == "path" and name not in template:
                c.fail(
                    SpecErrorKind.BAD_VALUE,
                    f"path parameter {name!r} is not in the path {path}",
                    params,
                    name,
                )
            c.schema_fragment(p["schema"], p, "schema", resources=set(), refs=set())
            res = p.get("resource")
            if res is not None and res not in resources:
                c.fail(
                    SpecErrorKind.UNDEFINED_REFERENCE, f"undefined resource {res!r}", p, "resource"
                )
            by = _resource_by(p, name, location, declared, resources)
            out[location].append(
                Parameter(
                    name,
                    location,
                    p["schema"],
                    True if location == "path" else c.boolean(p, "required", False),
                    p.get("description", ""),
                    res,
                    c.source(p),
                    p.get("note", ""),
                    p.get("resource_from"),
                    by,
                    c.string(p, "caps", ""),
                    _selects(p),
                )
            )
    named = [p.resource_from for p in out["path"] if p.resource_from]
    if len(named) != len(set(named)):
        twice = next(n for n in named if named.count(n) > 1)
        c.fail(
            SpecErrorKind.DUPLICATE,
            f"path parameter {twice!r} is the resource_from of two ids",
            declared,
            twice,
        )
    order = {n: i for i, n in enumerate(template)}
    return tuple(sorted(out["path"], key=lambda p: order[p.name])), tuple(out["query"])


def _selects(p: Node) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``selects: {at: results, keys: {track: tracks, ...}}``, checked for its shape (the
    paths are checked against the answer once every page is read, :func:`_answer_paths`)."""
    if "selects" not in p:
        return ("", ())
    raw = c.mapping(p["selects"], p, "selects", "selects")
    c.keys(raw, ("at", "keys"), ("at", "keys"), "selects")
    keys = c.mapping(raw["keys"], raw, "keys", "selects.keys")
    for value, key in keys.items():
        if not isinstance(key, str) or not key:
            c.fail(SpecErrorKind.BAD_VALUE, "each value names a key (a string)", keys, value)
    return (c.string(raw, "at", required=True), tuple((str(v), str(k)) for v, k in keys.items()))


def _answer_paths(raw: Node, op: Operation, known: Known) -> None:
    """Each ``caps`` and ``selects`` path is a place of the success answer: a list, or an
    object of lists, to cap; an object holding every key a value selects."""
    schema = op.responses[op.success_status].schema if op.success_status in op.responses else None
    params = raw.get("parameters") or {}
    query = params.get("query") or {} if isinstance(params, Mapping) else {}
    for p in op.query_params:
        node = query.get(p.name)
        if p.caps:
            found = known.at(schema, p.caps)
            if not any(known.items(f) or _lists_within(known, f) for f in found):
                problem = f"{op.id}'s success answer has no list at {p.caps!r}"
                c.fail(SpecErrorKind.BAD_VALUE, problem, node, "caps")
        at, keys = p.selects
        if at:
            places = known.at(schema, at)
            missing = [k for _, k in keys if not any(known.at(f, k) for f in places)]
            if not places or missing:
                problem = f"{op.id}'s success answer has no {at}.{(missing or [''])[0]}"
                c.fail(SpecErrorKind.BAD_VALUE, problem.rstrip("."), node, "selects")


def _lists_within(known: Known, frag: Mapping[str, Any]) -> bool:
    props = frag.get("properties", {})
    return bool(props) and all(known.items(v) for v in props.values() if isinstance(v, Mapping))


def _resource_by(
    p: Node,
    name: str,
    location: str,
    declared: Mapping[str, Any],
    resources: Mapping[str, Resource],
) -> tuple[tuple[str, str], ...]:
    """``resource_from: type``: the path parameter ``type`` is an enum of resource names
    (``artist`` names Artist; case and underscores aside, ``beat_request`` names BeatRequest);
    this id names a record of the one given."""
    if "resource_from" not in p:
        return ()
    source = c.string(p, "resource_from", required=True)
    if location != "path":
        c.fail(SpecErrorKind.BAD_VALUE, "resource_from is for path parameters", p, "resource_from")
    if p.get("resource") is not None:
        c.fail(SpecErrorKind.BAD_VALUE, "give resource or resource_from, not both", p, "resource")
    other = declared.get(source) if source != name else None
    schema = other.get("schema") if isinstance(other, Mapping) else None
    enum = schema.get("enum") if isinstance(schema, Mapping) else None
    if not isinstance(enum, list) or not all(isinstance(v, str) for v in enum):
        c.fail(
            SpecErrorKind.BAD_VALUE,
            f"resource_from must name another path parameter with an enum of resource names; "
            f"{source!r} is not one",
            p,
            "resource_from",
        )
    by_key = {r.lower(): r for r in resources}
    by: list[tuple[str, str]] = []
    for value in enum:
        resource = by_key.get(value.replace("_", "").lower())
        if resource is None:
            c.fail(
                SpecErrorKind.UNDEFINED_REFERENCE,
                f"{source} value {value!r} names no resource",
                p,
                "resource_from",
            )
        by.append((value, resource))
    return tuple(by)


def _body(node: Node, resources: Mapping[str, Resource], errors: Errors) -> Body | None:
    if "body" not in node:
        return None
    b = c.mapping(node["body"], node, "body", "body")
    c.keys(b, ("required", "content_type", "schema", "source", "note"), ("schema",), "body")
    c.schema_fragment(b["schema"], b, "schema", resources=resources, refs=errors.bodies)
    return Body(
        c.boolean(b, "required", True),
        b["schema"],
        c.string(b, "content_type", "application/json"),
        c.source(b),
        b.get("note", ""),
    )


def _responses(
    node: Node, auth: str, policies: Policies, errors: Errors, resources: Mapping[str, Resource]
) -> dict[int, Response]:
    has_body = "body" in node
    raw = c.mapping(node["responses"], node, "responses", "responses")
    out: dict[int, Response] = {}
    for status, body in raw.items():
        if isinstance(status, bool) or not isinstance(status, int):
            c.fail(SpecErrorKind.BAD_VALUE, "response keys are HTTP status codes", raw, status)
        if status not in errors.statuses:
            c.fail(
                SpecErrorKind.UNDOCUMENTED_STATUS,
                f"status {status} is not a documented status (errors.yaml statuses: "
                f"{', '.join(map(str, sorted(errors.statuses)))})",
                raw,
                status,
            )
        r = c.mapping(body, raw, status, f"response {status}")
        c.keys(
            r, ("description", "schema", "content_type", "source", "note"), (), f"response {status}"
        )
        content_type = c.string(r, "content_type", "application/json")
        if "schema" in r:
            c.schema_fragment(r["schema"], r, "schema", resources=resources, refs=errors.bodies)
        elif content_type == "application/json":
            c.fail(SpecErrorKind.MISSING_KEY, "a JSON response needs a schema", r)
        out[status] = Response(
            status,
            r.get("description", ""),
            r.get("schema"),
            content_type,
            c.source(r),
            r.get("note", ""),
        )
    if not any(200 <= s < 300 for s in out):
        c.fail(SpecErrorKind.MISSING_KEY, "an operation needs a success (2xx) response", raw)
    for shared in policies.shared_responses:
        if shared.status in out or (shared.applies_to == "token" and auth == "none"):
            continue
        if shared.applies_to == "body" and not has_body:
            continue
        out[shared.status] = Response(
            shared.status,
            shared.description,
            shared.schema,
            "application/json",
            shared.source,
            shared.note,
            shared=True,
        )
    return dict(sorted(out.items()))
