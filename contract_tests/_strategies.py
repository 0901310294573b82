"""Hypothesis strategies for whole requests of an operation, valid and invalid.

Built from the compiled schemas (``spec._strategies`` draws values for exactly our subset) and
from what the target holds: a path id is drawn from the target's own records, so a valid
request mostly reaches a real record. Strategies are built once per operation and target.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from spec import Operation, Parameter, Spec
from spec._strategies import StrategyBuilder, fixed_dicts

from ._acceptance import BODY_ID_LISTS, BODY_IDS
from ._preconditions import Pool, Preconditions
from ._requests import Draft
from ._requests import query_text as _text
from ._skips import skip
from ._target import Target


class RequestStrategies:
    def __init__(self, spec: Spec, target: Target) -> None:
        self.spec = spec
        self.target = target
        self.builder = StrategyBuilder(spec.schemas)
        self.preconditions = Preconditions(spec, target)
        self._valid: dict[str, st.SearchStrategy[Draft]] = {}
        self._drafts: dict[str, st.SearchStrategy[Draft]] = {}

    def _schema(self, op: Operation, part: str) -> dict[str, Any]:
        return self.spec.schemas.documents.get(f"operations/{op.id}/{part}", {})

    def _path(self, op: Operation) -> tuple[st.SearchStrategy[Any], Callable[[Any], str]] | None:
        """What a request's path is drawn from, and the function writing the path from a drawn
        value; None for a path with no parameter (the draft maps the two in one step)."""
        parts: dict[str, st.SearchStrategy[Any]] = {}
        schema = self._schema(op, "path")
        for p in op.path_params:
            pool = self.preconditions.pool(op, f"path.{p.name}")
            held = self._held(p.resource, p.name, pool) if p.resource else None
            if held is None and p.resource and self.target.live:
                hint = f"TEST_{p.resource.upper()}_ID"
                skip(f"live run: no {p.resource} id to use (set {hint} or check the list endpoint)")
            if held is not None:
                parts[p.name] = held
            else:  # "." and ".." would make httpx (and servers) resolve another path
                drawn = self.builder.build(schema["properties"][p.name], schema["$id"], 1)
                parts[p.name] = drawn.filter(lambda v: _text(v) not in (".", ".."))

        def fill(drawn: tuple[dict[str, Any], ...]) -> str:
            path = op.path
            for values in drawn:
                for name, value in values.items():
                    path = path.replace("{" + name + "}", quote(_text(value), safe=""))
            return path

        # An id whose resource another parameter names is drawn with it, mostly as a pair that
        # exists (``artist`` with an artist's id), now and then independently (a documented 404).
        joint: list[st.SearchStrategy[dict[str, Any]]] = []
        for p in op.path_params:
            if p.resource_from and (pair := self._named_by(p)) is not None:
                free = {n: parts.pop(n) for n in (p.resource_from, p.name)}
                joint.append(pair | st.fixed_dictionaries(free))
        if not parts and not joint:
            return None
        if len(parts) == 1 and not joint:  # the common case, drawn without the wrappers
            ((name, one),) = parts.items()
            return one, lambda value: fill(({name: value},))
        return st.tuples(st.fixed_dictionaries(parts), *joint), fill

    def _named_by(self, p: Parameter) -> st.SearchStrategy[dict[str, Any]] | None:
        """An id and the value of the parameter naming its resource (``artist`` with an
        artist's id), drawn together so the id exists for that resource."""
        assert p.resource_from is not None
        source = p.resource_from
        options = [
            st.tuples(st.just(value), held).map(lambda pair: {source: pair[0], p.name: pair[1]})
            for value, resource in p.resource_by
            if (held := self._held(resource, "id")) is not None
        ]
        return st.one_of(options) if options else None

    def _held(
        self, resource: str, param: str, pool: Pool | None = None
    ) -> st.SearchStrategy[Any] | None:
        """An id the target holds: half the time one the caller owns, when the target knows,
        so owner-only writes succeed as often as rules about others' records are met (only
        the caller's, or only others', where the operation's preconditions say so)."""
        held = self.target.ids(resource, param)
        mine = self.target.owned_ids(resource, param)
        owned = set(mine)
        if pool == "others" and resource == "User":  # the caller's own account is not others'
            owned.add(getattr(self.target, "user_id", None))
        others = [i for i in held if i not in owned]
        chosen = {"mine": [mine], "others": [others]}.get(pool or "", [mine, others])
        options = [st.sampled_from(ids) for ids in chosen if ids]
        if not options and pool is not None:  # none of that kind: any the target holds
            return self._held(resource, param)
        return st.one_of(options) if options else None

    def _query(self, op: Operation) -> st.SearchStrategy[dict[str, Any]]:
        """Query values as drawn (the draft writes them as URL text, :func:`_texts`)."""
        schema = self._schema(op, "query")
        if not schema:
            return st.just({})
        required = set(schema.get("required", ()))
        props = schema["properties"]
        drawn = {n: self.builder.build(s, schema["$id"], 1) for n, s in props.items()}
        for p in op.query_params:  # a query id that names a record: one the target holds
            held = self._held(p.resource, "id") if p.resource and p.name in drawn else None
            if held is not None:
                drawn[p.name] = held
        fixed = {n: s for n, s in drawn.items() if n in required}
        optional = {n: s for n, s in drawn.items() if n not in required}
        return fixed_dicts(fixed, optional)

    def _body(self, op: Operation) -> st.SearchStrategy[Any]:
        if op.body is None:
            return st.none()
        body = self.builder.named(f"operations/{op.id}/body")
        props = op.body.schema.get("properties", {})
        id_fields = {
            k: held.map(str) if props[k].get("type") == "string" else held
            for k, r in BODY_IDS.items()
            if k in props
            and (held := self._held(r, "id", self.preconditions.pool(op, f"body.{k}"))) is not None
        }
        for key, resource in BODY_ID_LISTS.items():
            held = self._held(resource, "id") if key in props else None
            if held is not None:
                size = props[key].get("minItems", 1)
                id_fields[key] = st.lists(held, min_size=max(size, 1), max_size=3, unique=True)
        if not id_fields:
            return body
        return st.tuples(body, st.fixed_dictionaries(id_fields)).map(
            lambda pair: (
                {**pair[0], **{k: v for k, v in pair[1].items() if k in pair[0]}}
                if isinstance(pair[0], dict)
                else pair[0]
            )
        )

    def _draft(self, op: Operation) -> st.SearchStrategy[Draft]:
        """Requests that keep every documented constraint of the operation."""
        if op.id not in self._drafts:
            self._drafts[op.id] = self._drafted(op)
        return self._drafts[op.id]

    def _drafted(self, op: Operation) -> st.SearchStrategy[Draft]:
        # Hypothesis pays a span of bookkeeping per strategy layer per example, whether the
        # layer draws or only maps: parts an operation does not have (no path parameter, no
        # query, no body) are left out rather than drawn as constants, and the draft is
        # written from the drawn values in one step.
        drawn = self._path(op)
        to_path = drawn[1] if drawn is not None else None
        parts: list[st.SearchStrategy[Any]] = [] if drawn is None else [drawn[0]]
        has_query = bool(self._schema(op, "query"))
        if has_query:
            parts.append(self._query(op))
        if op.body is not None:
            parts.append(self._body(op))

        def draft(*values: Any) -> Draft:
            path = op.path if to_path is None else to_path(values[0])
            params = _texts(values[0 if to_path is None else 1]) if has_query else {}
            return Draft(op, path, params, values[-1] if op.body is not None else None)

        if not parts:
            return st.just(op.path).map(lambda path: Draft(op, path))  # a new draft each time
        if len(parts) == 1:
            return parts[0].map(draft)
        return st.builds(draft, *parts)

    def valid(self, op: Operation) -> st.SearchStrategy[Draft]:
        """Requests that keep every documented constraint of the operation, offline in the
        state they need (``_preconditions.NEEDS``: set up on the target as they are drawn)."""
        if op.id not in self._valid:
            drafts = self._draft(op)
            if self.preconditions.needs(op) is not None:
                prepare = self.preconditions.prepare
                drafts = st.composite(lambda draw: prepare(draw, draw(self._draft(op))))()
            self._valid[op.id] = drafts
        return self._valid[op.id]

    def invalid(self, op: Operation) -> st.SearchStrategy[Draft] | None:
        """Requests that break one documented constraint, or None when nothing can be broken
        in a way the operation documents a status for."""
        options: list[st.SearchStrategy[Draft]] = []
        valid = self._draft(op)  # broken input needs no state set up first
        if op.body is not None and 400 in op.responses:
            options.append(
                valid.map(
                    lambda d: _replace(
                        d,
                        content=b'{"broken": ',
                        headers={"Content-Type": "application/json"},
                        mutation="malformed JSON",
                    )
                )
            )
        if 422 in op.responses:
            typed = breakable_query(self._schema(op, "query"))
            if typed:
                options.append(
                    st.tuples(valid, st.sampled_from(typed)).map(
                        lambda pair: _replace(
                            pair[0],
                            params={**pair[0].params, pair[1]: "not-valid-%%"},
                            mutation=f"query {pair[1]} of the wrong type",
                        )
                    )
                )
            body = self._schema(op, "body")
            required = [
                n
                for n in body.get("required", ())
                if body.get("properties", {}).get(n) is not False
            ]
            if required:
                options.append(
                    st.tuples(valid, st.sampled_from(required)).map(
                        lambda pair: _drop(pair[0], pair[1])
                    )
                )
        return st.one_of(options) if options else None


def _texts(params: dict[str, Any]) -> dict[str, str]:
    return {k: _text(v) for k, v in params.items()}


def breakable_query(schema: dict[str, Any]) -> list[str]:
    """Query parameters a wrong-typed text is sure to break."""
    return [
        name
        for name, s in schema.get("properties", {}).items()
        if s.get("type") in ("integer", "number", "boolean")
        or "enum" in s
        or "pattern" in s
        or "format" in s
    ]


def can_break(spec: Spec, op: Operation) -> bool:
    """Whether :meth:`RequestStrategies.invalid` has something to send for ``op``."""
    if op.body is not None and 400 in op.responses:
        return True
    if 422 not in op.responses:
        return False
    body = spec.schemas.documents.get(f"operations/{op.id}/body", {})
    query = spec.schemas.documents.get(f"operations/{op.id}/query", {})
    return bool(breakable_query(query) or body.get("required"))


def _replace(draft: Draft, **changes: Any) -> Draft:
    data = {**draft.__dict__, **changes}
    return Draft(**data)


def _drop(draft: Draft, name: str) -> Draft:
    body = dict(draft.json_body) if isinstance(draft.json_body, dict) else {}
    body.pop(name, None)
    return _replace(
        draft,
        json_body=body,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        mutation=f"required body field {name} missing",
    )
