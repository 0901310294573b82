"""Checks: small registered functions with phrase names, one defect each.

A check takes the :class:`CheckContext` and an :class:`Exchange` and raises the failure named
after the defect, or returns. The registry is keyed by name and refuses duplicates, so a
report's "failures by check" is unambiguous.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from spec import Parameter, Spec

from . import _failures as f
from ._acceptance import Facts, Reader, explain, path_values
from ._coverage import current
from ._derived import disagreement as derived_disagreement
from ._derived import value_at
from ._exchange import Exchange

Check = Callable[["CheckContext", Exchange], None]
CHECKS: dict[str, Check] = {}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def check(func: Check) -> Check:
    name = func.__name__
    if name in CHECKS:
        raise ValueError(f"a check named {name!r} is already registered")
    CHECKS[name] = func
    return func


@dataclass
class CheckContext:
    spec: Spec
    facts: Facts | None = None
    """What the target knows about its records (the mock's store; None live)."""
    read: Reader | None = None
    """A documented read on the target, for the checks that compare two answers."""
    compared: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)
    """The comparisons made and held this run, per kind and operation (:func:`_compared`)."""
    making: list[tuple[str, ...]] = field(default_factory=list)
    """The comparisons the running check has made: forgotten if it fails (``run_checks``)."""
    writes: int = 0
    """Writes sent so far (``Session.send`` counts them): the comparisons made before a write
    are made again after it, since what a figure or a second read must show may have moved.
    Where the target has :attr:`facts`, their version also counts: it moves with writes sent
    by any client (a precondition's, a test's own), which this count does not see."""
    compared_at: tuple[int, Hashable] = (0, None)
    """The :attr:`writes` and facts version the comparisons in :attr:`compared` were made at."""
    last_read: int | None = None
    """The status of the last :attr:`read` (a read that failed answers None, not why)."""
    remaining: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)
    """Per operation, tier and caller: the X-RateLimit-Reset and -Remaining last answered."""
    caller: str = ""
    """Whose answer is being checked: "" for the session's own callers, else a label of the
    other caller (never the token): a comparison made for one caller is not one for another."""
    failing: set[tuple[str, ...]] = field(default_factory=set)
    """The comparisons that failed: made again whenever asked, whatever the budget left."""
    derivations_live: bool = False
    """Whether ``derived_figure_agreement`` also judges a live target (off: between two reads
    of production a figure may move, a play counted or a message read)."""
    tally: bool = True
    """Whether the answers count in the run's statuses, requests and success gate: not for a
    test's own mock (the rate-limit tests'), whose answers say nothing of the run's target."""


def _fail(
    kind: type[f.CheckFailure], name: str, ex: Exchange, expected: str, observed: str
) -> f.CheckFailure:
    return kind(
        name, f"{ex.op.id} ({ex.op.method} {ex.op.path})", ex.describe(), expected, observed
    )


# -- a walker over schema fragments and bodies --------------------------------------------------


def resources_in(frag: Any, value: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every (resource name, object) a body holds where its spec fragment says a resource is."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    walk = _walker(frag)
    if walk is not None:
        walk(value, found)
    return iter(found)


Found = list[tuple[str, Mapping[str, Any]]]
Walk = Callable[[Any, Found], None]
_WALKERS: dict[int, tuple[Any, Walk | None]] = {}
WALKERS = 16384
"""Fragments whose walker is kept, at most (the spec's response schemas hold fewer)."""


def _walker(frag: Any) -> Walk | None:
    """:func:`resources_in` for one fragment, as a function of the body (None: the fragment
    holds no resource). Worked out once per fragment of the spec: every answer is walked, and
    reading the fragment's keys again for each value cost as much as the walk."""
    cached = _WALKERS.get(id(frag))
    if cached is not None and cached[0] is frag:
        return cached[1]
    walk = _compile_walker(frag)
    if len(_WALKERS) >= WALKERS:  # a spec has a few thousand; other fragments pass through
        _WALKERS.clear()
    _WALKERS[id(frag)] = (frag, walk)  # the fragment is kept, so its id is never reused
    return walk


def _compile_walker(frag: Any) -> Walk | None:
    if not isinstance(frag, Mapping):
        return None
    if "resource" in frag:
        name = frag["resource"]

        def resource(value: Any, out: Found) -> None:
            if isinstance(value, Mapping):
                out.append((name, value))

        return resource
    if "page_of" in frag:
        item = _walker(frag["page_of"])
        if item is None:
            return None

        def page(value: Any, out: Found) -> None:
            if isinstance(value, Mapping):
                data = value.get("data")
                if isinstance(data, list):
                    for each in data:
                        item(each, out)

        return page
    branches = [w for b in frag.get("anyOf", ()) if (w := _walker(b)) is not None]
    props = [(key, w) for key, sub in frag.get("properties", {}).items() if (w := _walker(sub))]
    items = _walker(frag["items"]) if isinstance(frag.get("items"), Mapping) else None
    if not (branches or props or items):
        return None

    def walk(value: Any, out: Found) -> None:
        for branch in branches:
            branch(value, out)
        if isinstance(value, Mapping):
            for key, sub in props:
                if key in value:
                    sub(value[key], out)
        elif items is not None and isinstance(value, list):
            for each in value:
                items(each, out)

    return walk


def pages_in(frag: Any, value: Any) -> Iterator[Mapping[str, Any]]:
    """Every pagination envelope in a body."""
    if not isinstance(frag, Mapping):
        return
    if "page_of" in frag:
        if isinstance(value, Mapping):
            yield value
        return
    for branch in frag.get("anyOf", ()):
        yield from pages_in(branch, value)
    if isinstance(value, Mapping):
        for key, sub in frag.get("properties", {}).items():
            if key in value:
                yield from pages_in(sub, value[key])


def _nested(spec: Spec, resource: str, obj: Mapping[str, Any], out: Found) -> None:
    """A resource object, then the resources embedded in it (artists of a track, ...), each
    followed by its own, appended to ``out``: a list filled in place, since a generator per
    record (and one per embedded field) cost more than the walk."""
    out.append((resource, obj))
    for name, walk in _embedding(spec).get(resource, ()):
        if name in obj:
            inner: Found = []
            walk(obj[name], inner)
            for each, value in inner:
                _nested(spec, each, value, out)


_EMBEDDING: dict[int, tuple[Spec, dict[str, list[tuple[str, Walk]]]]] = {}


def _embedding(spec: Spec) -> dict[str, list[tuple[str, Walk]]]:
    """Per resource, the fields whose schema can hold another resource, with their walkers
    (worked out once per spec): the only ones :func:`_nested` must walk."""
    cached = _EMBEDDING.get(id(spec))
    if cached is None or cached[0] is not spec:
        table = {
            name: [
                (f, walk)
                for f, fld in res.fields.items()
                if _can_embed(fld.schema) and (walk := _walker(fld.schema)) is not None
            ]
            for name, res in spec.resources.items()
        }
        cached = _EMBEDDING[id(spec)] = (spec, table)
    return cached[1]


def _can_embed(frag: Any) -> bool:
    if isinstance(frag, Mapping):
        return "resource" in frag or "page_of" in frag or any(map(_can_embed, frag.values()))
    if isinstance(frag, list):
        return any(map(_can_embed, frag))
    return False


# -- the checks -------------------------------------------------------------------------------


@check
def status_code_conformance(ctx: CheckContext, ex: Exchange) -> None:
    if ex.status not in ex.op.responses:
        documented = ", ".join(map(str, ex.op.statuses))
        raise _fail(
            f.UndocumentedStatus,
            "status_code_conformance",
            ex,
            f"one of {documented}",
            ex.excerpt(),
        )


@check
def no_server_error(ctx: CheckContext, ex: Exchange) -> None:
    if ex.status >= 500:
        raise _fail(
            f.ServerError,
            "no_server_error",
            ex,
            "a non-5xx answer to a valid request",
            ex.excerpt(),
        )


@check
def content_type_conformance(ctx: CheckContext, ex: Exchange) -> None:
    response = ex.op.responses.get(ex.status)
    expected = (
        response.content_type if response is not None and ex.status < 400 else "application/json"
    )
    got = (ex.header("content-type") or "").split(";")[0].strip()
    if expected == "application/json":
        if got != "application/json" or ex.body is None:
            raise _fail(
                f.NotJson,
                "content_type_conformance",
                ex,
                "application/json with a JSON body",
                f"{got!r}: {ex.excerpt(120)}",
            )
    elif not got or got.split("/")[0] != expected.split("/")[0]:
        raise _fail(f.NotJson, "content_type_conformance", ex, expected, repr(got))


@check
def response_schema_conformance(ctx: CheckContext, ex: Exchange) -> None:
    name = f"operations/{ex.op.id}/response.{ex.status}.{ex.tier}"
    if (
        ex.status not in ex.op.responses
        or name not in ctx.spec.schemas.documents
        or ex.body is None
    ):
        return
    shown = _schema_verdict(ctx, name, ex)
    if shown:
        raise _fail(
            f.SchemaViolation,
            "response_schema_conformance",
            ex,
            f"a body valid against {name}",
            shown,
        )


@check
def rate_limit_headers_present(ctx: CheckContext, ex: Exchange) -> None:
    """The three X-RateLimit headers, as integers, Remaining within Limit, Reset not past; and
    Remaining spent: it falls from one answer of an operation to the next (same caller, same
    window) until none is left, so a counter that never moves fails here."""
    values = {}
    for header in RATE_HEADERS:
        raw = ex.header(header)
        if raw is None or not raw.strip().isdigit():
            raise _fail(
                f.MissingRateLimitHeaders,
                "rate_limit_headers_present",
                ex,
                f"{header}: <integer>",
                repr(raw),
            )
        values[header] = int(raw)
    limit, remaining, reset = (values[h] for h in RATE_HEADERS)
    if remaining > limit:
        raise _fail(
            f.MissingRateLimitHeaders,
            "rate_limit_headers_present",
            ex,
            "Remaining <= Limit",
            f"{remaining} > {limit}",
        )
    if reset < math.floor(ex.now) - 1:
        raise _fail(
            f.MissingRateLimitHeaders,
            "rate_limit_headers_present",
            ex,
            f"Reset in the future (now {ex.now:.0f})",
            str(reset),
        )
    # Every request counts in its window ("requests left in the current window"): a later
    # answer of the same operation to the same caller, in the same window (the same Reset),
    # shows fewer left, however the target groups its counters and whoever else spends them.
    key = (ex.op.id, ex.tier, ctx.caller)
    before = ctx.remaining.get(key)
    ctx.remaining[key] = (reset, remaining)
    if before is not None and before[0] == reset and 0 < before[1] <= remaining:
        raise _fail(
            f.MissingRateLimitHeaders,
            "rate_limit_headers_present",
            ex,
            f"Remaining below {before[1]}, its value in the last answer of this operation to "
            f"this caller in the same window (Reset {reset})",
            str(remaining),
        )


def _schema_verdict(ctx: CheckContext, name: str, ex: Exchange) -> str:
    """The schema errors of a body, as the report shows them ('' when valid). The same bytes
    against the same schema always get the same verdict, so repeated answers (common: the
    mock caches reads) are validated once."""

    def verdict() -> str:
        errors = ctx.spec.schemas.errors(name, ex.body)
        return "; ".join(
            f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in errors[:3]
        )

    result: str = ctx.spec.schemas.remember(("response", name, ex.response.content), verdict, 4096)
    return result


def _success_resources(ctx: CheckContext, ex: Exchange) -> list[tuple[str, Mapping[str, Any]]]:
    """Every record a success answer holds, embedded ones included: walked once per answer
    (several checks read them; the body is parsed once and never changes)."""
    found: list[tuple[str, Mapping[str, Any]]] | None = ex.derived.get("resources")
    if found is None:
        found = ex.derived["resources"] = []
        response = ex.op.responses.get(ex.status)
        schema = response.schema if response is not None and ex.status < 400 else None
        if schema is not None and ex.body is not None:
            for resource, obj in resources_in(schema, ex.body):
                _nested(ctx.spec, resource, obj, found)
    return found


@check
def public_tier_minimality(ctx: CheckContext, ex: Exchange) -> None:
    if ex.tier != "public":
        return
    for resource, obj in _success_resources(ctx, ex):
        res = ctx.spec.resources[resource]
        leaked = sorted((set(res.token_fields) | set(res.hidden)) & set(obj))
        if leaked:
            raise _fail(
                f.TokenFieldLeaked,
                "public_tier_minimality",
                ex,
                f"{resource} with public fields only",
                f"{resource} carries {', '.join(leaked)}",
            )


@check
def token_tier_richness(ctx: CheckContext, ex: Exchange) -> None:
    if ex.tier != "token":
        return
    for resource, obj in _success_resources(ctx, ex):
        res = ctx.spec.resources[resource]
        missing = [n for n in res.required_token_fields if n not in obj]
        if missing:
            raise _fail(
                f.RichFieldsMissing,
                "token_tier_richness",
                ex,
                f"{resource} with its token-tier fields",
                f"missing {', '.join(missing)}",
            )


@check
def error_body_format(ctx: CheckContext, ex: Exchange) -> None:
    if ex.status < 400:
        return
    name = "common/too_many_attempts" if ex.status == 429 else "common/error"
    errors = ctx.spec.schemas.errors(name, ex.body) if ex.body is not None else ["not JSON"]
    if errors:
        raise _fail(
            f.MalformedErrorBody,
            "error_body_format",
            ex,
            "{message, errors?: {field: [..]}}"
            if ex.status != 429
            else "{message: 'Too Many Attempts.', retry_after}",
            ex.excerpt(),
        )


@check
def retry_after_on_429(ctx: CheckContext, ex: Exchange) -> None:
    if ex.status != 429:
        return
    raw = ex.header("retry-after") or ""
    if not raw.strip().isdigit():
        raise _fail(
            f.MissingRetryAfter,
            "retry_after_on_429",
            ex,
            "Retry-After: <seconds>",
            repr(raw or None),
        )


@check
def pagination_consistency(ctx: CheckContext, ex: Exchange) -> None:
    response = ex.op.responses.get(ex.status)
    if response is None or response.schema is None or ex.status >= 400 or ex.body is None:
        return
    for page in pages_in(response.schema, ex.body):
        problem = page_problem(page)
        if problem:
            raise _fail(
                f.InconsistentPagination,
                "pagination_consistency",
                ex,
                "total, last_page, per_page, from and to agree",
                problem,
            )


def page_problem(page: Mapping[str, Any]) -> str:
    """What is inconsistent in one pagination envelope ('' when nothing is)."""
    try:
        total, per, current, last = (
            int(page[k]) for k in ("total", "per_page", "current_page", "last_page")
        )
        data = list(page["data"])
    except (KeyError, TypeError, ValueError):
        return f"envelope fields missing or not integers: {sorted(page)}"
    if per < 1 or current < 1 or total < 0:
        return f"per_page={per}, current_page={current}, total={total}"
    if last != max(1, math.ceil(total / per)):
        return f"last_page={last} but total={total}, per_page={per}"
    expected = max(0, min(per, total - (current - 1) * per))
    if len(data) != expected:
        return (
            f"page {current} holds {len(data)} items; total={total}, per_page={per} say {expected}"
        )
    first, to = page.get("from"), page.get("to")
    if data and (first != (current - 1) * per + 1 or to != (current - 1) * per + len(data)):
        return f"from={first}, to={to} for page {current} of {len(data)} items"
    if not data and (first is not None or to is not None) and "from" in page:
        return f"from={first}, to={to} on an empty page"
    return ""


@check
def positive_data_acceptance(ctx: CheckContext, ex: Exchange) -> None:
    """A valid request naming records the target holds gets a documented success status; a
    4xx passes only when a rule the check can evaluate explains it (``_acceptance.RULES``)."""
    if not ex.valid or ex.status < 400 or ex.status >= 500:
        return
    if explain(ctx.spec, ex, ctx.facts, ctx.read) is not None:
        return
    success = ", ".join(str(s) for s in ex.op.statuses if s < 400)
    raise _fail(
        f.ValidRequestRefused,
        "positive_data_acceptance",
        ex,
        f"{success} (no rule of ownership, state or limit explains a refusal here)",
        ex.excerpt(),
    )


# -- checks of meaning: the same fact read twice agrees ----------------------------------------


_DETAILS: dict[int, tuple[Spec, dict[str, tuple[str, str, str]]]] = {}


def detail_reads(spec: Spec) -> dict[str, tuple[str, str, str]]:
    """Per resource, its detail read (computed once per spec)."""
    cached = _DETAILS.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _DETAILS[id(spec)] = (spec, _detail_reads(spec))
    return cached[1]


def _detail_reads(spec: Spec) -> dict[str, tuple[str, str, str]]:
    """Per resource, its documented detail read: (operation id, path template, response key),
    e.g. ``Track: (tracks.show, /tracks/{id}, track)``; the shortest of the reads that name
    the record by its id (:func:`identified_reads`), whatever the parameter is called
    (``/exclusive-license-presets/{preset}``)."""
    found: dict[str, tuple[str, str, str]] = {}
    for op_id, (resource, param, key, by_id) in identified_reads(spec).items():
        if by_id:
            path = spec.operations[op_id].path.replace("{" + param + "}", "{}")
            found.setdefault(resource, (op_id, path, key))
    return found


_IDENTIFIED: dict[int, tuple[Spec, dict[str, tuple[str, str, str, bool]]]] = {}


def identified_reads(spec: Spec) -> dict[str, tuple[str, str, str, bool]]:
    """Per read that answers for one record its path names: (resource, path parameter,
    response key, whether the parameter is the record's id), shortest paths first. A read
    whose one path parameter names a record of its own resource and whose answer holds that
    resource under one key: ``genres.show`` (``/genres/{name}``, a name), ``tracks.show``."""
    cached = _IDENTIFIED.get(id(spec))
    if cached is None or cached[0] is not spec:
        found: dict[str, tuple[str, str, str, bool]] = {}
        for op in sorted(spec.operations.values(), key=lambda o: (len(o.path), o.id)):
            params = op.path_params
            if not op.read_only or op.resource is None or len(params) != 1:
                continue
            if params[0].resource != op.resource:
                continue
            schema = op.responses[op.success_status].schema or {}
            spot = {"resource": op.resource}
            keys = [k for k, v in schema.get("properties", {}).items() if v == spot]
            if keys:
                p = params[0]
                by_id = p.name == "id" or p.schema.get("type") == "integer"
                found[op.id] = (op.resource, p.name, keys[0], by_id)
        cached = _IDENTIFIED[id(spec)] = (spec, found)
    return cached[1]


def _primary(ctx: CheckContext, ex: Exchange) -> tuple[str, str, Mapping[str, Any], bool] | None:
    """The record a detail answer is about: (resource, requested value, the object answered,
    whether the value is its id)."""
    if not ex.op.read_only or ex.status >= 300 or not isinstance(ex.body, Mapping):
        return None
    read = identified_reads(ctx.spec).get(ex.op.id)
    if read is None:
        return None
    resource, param, key, by_id = read
    obj = ex.body.get(key)
    requested = path_values(ex.op, ex.request.url.path).get(param)
    if not isinstance(obj, Mapping) or requested is None:
        return None
    return resource, requested, obj, by_id


_NAMES = ("slug", "name", "uuid")
"""The fields a record is also named by in a path (``/genres/{name}``, ``/channel/{slug}``)."""


@check
def answer_matches_request(ctx: CheckContext, ex: Exchange) -> None:
    """A read of one record answers for the record its path names, not for another: the id
    asked for, or, where the path names it otherwise, a record with that name or slug. A page
    of a list is the page asked for, of the size asked for; a list a query caps (``limit``)
    holds no more, and only the parts a query selects (``types``) appear."""
    _page_asked(ex)
    _query_honoured(ex)
    found = _primary(ctx, ex)
    if found is None:
        return
    resource, requested, obj, by_id = found
    keys = ("id",) if by_id else ("id", *_NAMES)
    wanted = requested if by_id else requested.casefold()  # a name is found case aside
    if not any(
        (str(obj[k]) if by_id else str(obj[k]).casefold()) == wanted for k in keys if k in obj
    ):
        shown = ", ".join(f"{k} {obj[k]!r}" for k in keys if k in obj)
        raise _fail(
            f.WrongRecord,
            "answer_matches_request",
            ex,
            f"{resource} {requested} (the {'id' if by_id else 'record'} requested)",
            f"{resource} {shown or 'without an id'}",
        )


_PAGE_SIZE = ("per_page", "perPage")
"""The query parameters that ask for a page's size (the operations name it either way)."""


def _page_asked(ex: Exchange) -> None:
    """The one pagination envelope of a success answer, against the page and size asked."""
    response = ex.op.responses.get(ex.status)
    if ex.status >= 300 or response is None or response.schema is None or ex.body is None:
        return
    asked = ex.query
    params = {p.name: p for p in ex.op.query_params}  # an undocumented one may be ignored
    wanted = {
        key: (int(asked[name]), params[name])
        for key, names in (("current_page", ("page",)), ("per_page", _PAGE_SIZE))
        for name in names
        if name in params and name in asked and asked[name].isdigit()
    }
    if not wanted:
        return
    pages = list(pages_in(response.schema, ex.body))
    if len(pages) != 1:  # several lists in one answer: which one a page asks for is unsaid
        return
    for key, (value, param) in wanted.items():
        got = pages[0].get(key)
        if key == "per_page" and isinstance(got, int) and got < value and _may_clamp(param):
            continue  # a server's own largest page, where the docs state none
        if str(got) != str(value):
            raise _fail(
                f.QueryNotHonoured,
                "answer_matches_request",
                ex,
                f"{key} {value} (as asked)",
                f"{key} {pages[0].get(key)!r}",
            )


def _may_clamp(param: Parameter) -> bool:
    """Whether a page size may answer smaller than asked: the docs state no largest page for
    it (no maximum, or an inferred one), so a server may cut a page to its own."""
    return param.source == "inferred" or "maximum" not in param.schema


def _query_honoured(ex: Exchange) -> None:
    """The query parameters that bound or choose parts of a success answer (``caps``,
    ``selects`` in the spec), against that answer."""
    if ex.status >= 300 or not isinstance(ex.body, Mapping):
        return
    asked = ex.query
    for p in ex.op.query_params:
        default = p.schema.get("default")
        if not (p.caps or p.selects[0]) or (p.name not in asked and default is None):
            continue
        value = asked.get(p.name, str(default))  # absent, the documented default applies
        given = f"{p.name}={value}" if p.name in asked else f"{p.name} absent: its default {value}"
        if p.caps and value.isdigit():
            place = value_at(ex.body, p.caps)
            lists = place.items() if isinstance(place, Mapping) else [(p.caps, place)]
            for name, items in lists:
                if isinstance(items, list) and len(items) > int(value):
                    raise _fail(
                        f.QueryNotHonoured,
                        "answer_matches_request",
                        ex,
                        f"at most {int(value)} in {name} ({given})",
                        f"{len(items)} in {name}",
                    )
        at, keys = p.selects
        place = value_at(ex.body, at) if at else None
        if isinstance(place, Mapping):
            chosen = {key for v, key in keys if v in value.split(",")}
            extra = sorted(k for k, v in keys if place.get(v) and v not in chosen)
            if extra:
                raise _fail(
                    f.QueryNotHonoured,
                    "answer_matches_request",
                    ex,
                    f"only the {p.name} asked for in {at} ({given})",
                    f"{at} also holds {', '.join(dict(keys)[k] for k in extra)}",
                )


_UNCOMPARED = object()


def disagreement(
    first: Mapping[str, Any], second: Mapping[str, Any], relative: frozenset[str] = frozenset()
) -> str:
    """The first field two renderings of one record disagree on ('' when none): scalars by
    value (null against a value is a disagreement), nested records by id, lists of records by
    their ids. An object that is not a record (no id: a stats block) is not compared, nor a
    relation null on one side only (the spec's "present when loaded": a list may leave out
    what the detail read loads), nor the ``relative`` fields (whose value depends on whom the
    answer is about)."""

    def shape(value: Any) -> Any:
        if isinstance(value, Mapping):
            return ("record", value.get("id")) if "id" in value else _UNCOMPARED
        if isinstance(value, list):
            return [shape(v) for v in value]
        return value

    for key in sorted((set(first) & set(second)) - relative):
        a, b = shape(first[key]), shape(second[key])
        if a is _UNCOMPARED or b is _UNCOMPARED or a == b:
            continue
        if (a is None and _relation(b)) or (b is None and _relation(a)):
            continue
        return f"{key}: {str(first[key])[:80]} vs {str(second[key])[:80]}"
    return ""


def _relative(spec: Spec, resource: str) -> frozenset[str]:
    """The fields of a resource whose value depends on whom the answer is about."""
    res = spec.resources.get(resource)
    return frozenset(n for n, fld in res.fields.items() if fld.relative) if res else frozenset()


def _relation(shape: Any) -> bool:
    """Whether a field's shape is a record, or a list of them (a relation)."""
    if isinstance(shape, tuple):
        return True
    return isinstance(shape, list) and all(isinstance(v, tuple) for v in shape)


def _compared(ctx: CheckContext, key: tuple[str, ...]) -> bool:
    """Whether this comparison was already made in this run since the last write (each costs
    a read, so each kind of answer is compared a few times per operation and state of the
    target, not on every example). One that failed is made again whenever asked, budget or
    not: Hypothesis replays a failing example to report it, and the replay must meet the same
    failure, not skip it and pass (a "flaky" report)."""
    if ctx.caller:
        key = (*key, ctx.caller)
    now = (ctx.writes, ctx.facts.version() if ctx.facts is not None else None)
    if ctx.compared_at != now:  # the world may have moved: judge it afresh
        ctx.compared.clear()
        ctx.compared_at = now
    seen = ctx.compared.setdefault(key[:2], set())
    if key in ctx.failing:  # Hypothesis's replay of a failing example must meet it again
        ctx.making.append(key)
        return False
    if key in seen or len(seen) >= COMPARISONS_PER_OPERATION:
        return True
    seen.add(key)
    ctx.making.append(key)
    return False


COMPARISONS_PER_OPERATION = 3


@check
def list_detail_agreement(ctx: CheckContext, ex: Exchange) -> None:
    """A record read from a list and from its detail read agrees on every shared field."""
    if ctx.read is None or not ex.op.read_only or ex.status >= 300:
        return
    details = detail_reads(ctx.spec)
    # Each resource an answer holds has its own few comparisons per operation (a list of
    # tracks compares tracks, and the albums and artists embedded in them), spent on records
    # not compared yet: an answer that repeats a compared record spends nothing on it. Live,
    # where each read spends the run's budget, one answer makes one comparison at most
    # (``facts`` is None there: no store to ask); offline, as many as the budgets allow.
    made = 0
    for resource, obj in _success_resources(ctx, ex):
        if made and ctx.facts is None:
            return
        detail = details.get(resource)
        if detail is None or detail[0] == ex.op.id or "id" not in obj:
            continue
        group = f"{ex.op.id} {resource}"
        if _compared(ctx, ("list", group, ex.tier, str(obj["id"]))):
            continue
        made += 1
        body = ctx.read(detail[0], detail[1].format(obj["id"]), ex.tier)
        other = body.get(detail[2]) if isinstance(body, Mapping) else None
        if not isinstance(other, Mapping):
            # A record listed that its own read says is not there, or not the caller's to
            # read; any other failure (a 5xx, a limit) says nothing of the record.
            if ctx.last_read in (401, 403, 404, 410):
                raise _fail(
                    f.ListedButUnreadable,
                    "list_detail_agreement",
                    ex,
                    f"{resource} {obj['id']} readable through {detail[0]}, as listed",
                    f"GET {detail[1].format(obj['id'])} answered {ctx.last_read}",
                )
            continue
        problem = disagreement(obj, other, _relative(ctx.spec, resource))
        if problem:
            raise _fail(
                f.FactsDisagree,
                "list_detail_agreement",
                ex,
                f"{resource} {obj['id']} as {detail[0]} answers it",
                problem,
            )


@check
def tier_agreement(ctx: CheckContext, ex: Exchange) -> None:
    """A record read anonymously shows the same values as read with a token."""
    if ctx.read is None or ex.tier != "public" or "token" not in ex.op.tiers:
        return
    found = _primary(ctx, ex)
    if found is None or _compared(ctx, ("tier", ex.op.id, found[1])):
        return
    _, param, key, _ = identified_reads(ctx.spec)[ex.op.id]
    path = ex.op.path.replace("{" + param + "}", quote(found[1], safe=""))
    body = ctx.read(ex.op.id, path, "token")
    other = body.get(key) if isinstance(body, Mapping) else None
    relative = _relative(ctx.spec, found[0])
    problem = disagreement(found[2], other, relative) if isinstance(other, Mapping) else ""
    if problem:
        raise _fail(
            f.FactsDisagree,
            "tier_agreement",
            ex,
            f"{found[0]} {found[1]} as the token tier answers it",
            problem,
        )


@check
def referenced_ids_resolve(ctx: CheckContext, ex: Exchange) -> None:
    """Every record an answer names (a track's artists and album, a purchase's track) exists:
    offline the target's records say so; live, a few are read through their detail read."""
    if not ex.op.read_only or ex.status >= 300 or ex.body is None:
        return  # a write's answer names what it wrote: whether that stays is write_persists's
    for resource, obj in _success_resources(ctx, ex):
        key = obj.get("id")
        if key is None:
            continue
        if ctx.facts is not None:
            held = ctx.facts.held(resource, key)
        elif ctx.read is not None and resource in detail_reads(ctx.spec):
            if _compared(ctx, ("ref", ex.op.id, resource, str(key))):
                continue
            op_id, path, _ = detail_reads(ctx.spec)[resource]
            held = ctx.read(op_id, path.format(key), "token") is not None
        else:
            held = None
        if held is False:
            raise _fail(
                f.DanglingReference,
                "referenced_ids_resolve",
                ex,
                f"{resource} {key!r} to exist",
                f"no {resource} {key!r}",
            )


@check
def derived_figure_agreement(ctx: CheckContext, ex: Exchange) -> None:
    """A figure the spec says is derived from others (``derived:``: a count of a list, a sum
    of its items, a fee from a rule) equals what it derives from. Offline only by default
    (``CheckContext.derivations_live``); the reads it needs are a few per operation."""
    if not ex.op.derived or (ctx.facts is None and not ctx.derivations_live):
        return
    found = derived_disagreement(
        ctx.spec, ex, ctx.read, lambda path: not _compared(ctx, ("derived", ex.op.id, path))
    )
    if found is not None:
        raise _fail(
            f.DerivedFigureWrong,
            "derived_figure_agreement",
            ex,
            found.expectation(),
            found.observation(),
        )


#: Checks applied to every answer of a valid request, the specific ones first so that the
#: failure raised names the defect (the schema check, last, catches whatever else is wrong).
DEFAULT_CHECKS = (
    "status_code_conformance",
    "no_server_error",
    "positive_data_acceptance",
    "content_type_conformance",
    "error_body_format",
    "retry_after_on_429",
    "rate_limit_headers_present",
    "public_tier_minimality",
    "token_tier_richness",
    "pagination_consistency",
    "response_schema_conformance",
    "answer_matches_request",
    "referenced_ids_resolve",
    "list_detail_agreement",
    "tier_agreement",
    "derived_figure_agreement",
)


def run_checks(
    ctx: CheckContext, ex: Exchange, names: tuple[str, ...] = DEFAULT_CHECKS
) -> list[f.CheckFailure]:
    """Apply checks; return every failure (empty when the answer keeps the contract)."""
    recorder = current()
    failures, failed, ran = [], [], 0
    try:
        for name in names:
            ran += 1
            ctx.making.clear()
            try:
                CHECKS[name](ctx, ex)
            except f.CheckFailure as failure:
                failures.append(failure)
                failed.append(name)
                recorder.drift(failure)
                for key in ctx.making:  # a failed comparison is made again when replayed
                    ctx.compared[key[:2]].discard(key)
                    ctx.failing.add(key)
    finally:  # a check that raised otherwise (a live budget spent by its read) still counts
        recorder.checked(names[:ran], failed)
    if ctx.tally:
        recorder.exchange(ex.op.id, ex.status)
        if ex.valid:
            recorder.valid(ex.op.id)
    return failures
