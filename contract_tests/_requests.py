"""Concrete requests for an operation: valid path ids, query and body from the spec.

Path parameters that name a resource take values the target actually holds (``ids`` supplies
them: from the mock's store, from list endpoints, or from ``TEST_*_ID`` placeholders live);
everything else is generated from the parameter schemas.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver._generate import example
from spec import Operation, Parameter

IdSource = Callable[[str, str], list[Any]]
"""``ids(resource, param_name)``: values of that resource a path parameter may take."""


@dataclass
class Draft:
    """A request for one operation: path, query and body, ready for ``httpx.Client.request``."""

    op: Operation
    path: str
    params: dict[str, str] = field(default_factory=dict)
    json_body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    mutation: str = ""
    """For an invalid request: what was broken (and so which status must answer)."""

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"params": self.params, "headers": self.headers}
        if self.content is not None:
            kwargs["content"] = self.content
        elif self.json_body is not None:
            kwargs["json"] = self.json_body
        return kwargs


def path_value(p: Parameter, ids: IdSource, rng: random.Random) -> Any:
    if p.resource is not None:
        pool = ids(p.resource, p.name)
        if pool:
            return pool[rng.randrange(len(pool))]
    return example(p.schema, rng, name=p.name)


def build(op: Operation, ids: IdSource, rng: random.Random, *, optional: bool = False) -> Draft:
    """A valid request for ``op``. ``optional`` also fills optional query parameters."""
    path = op.path
    for p in op.path_params:
        path = path.replace("{" + p.name + "}", str(path_value(p, ids, rng)))
    params = {}
    for p in op.query_params:
        if p.required or (optional and rng.random() < 0.5):
            value = example(p.schema, rng, name=p.name)
            params[p.name] = query_text(value)
    body = None
    if op.body is not None:
        body = example(op.body.schema, rng, resource=lambda r, g: _first(ids(r, "id"), g))
        if isinstance(body, dict):
            _point_ids_at_records(body, op.body.schema, ids, rng)
    return Draft(op, path, params, body)


def query_text(value: Any) -> str:
    """A parameter value as it is written in a URL (booleans as true/false, lists joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(query_text(v) for v in value)
    return str(value)


def _first(pool: list[Any], rng: random.Random) -> Any:
    return pool[rng.randrange(len(pool))] if pool else 1


ID_FIELDS = {
    "track_id": "Track",
    "artist_id": "Artist",
    "album_id": "Album",
    "user_id": "User",
    "conversation_id": "Conversation",
    "playlist_id": "Playlist",
    "genre_id": "Genre",
    "preset_id": "LicensePreset",
    "template_id": "CoverArtTemplate",
}
"""Body fields that hold the id of another record: requests draw them from the target's
records, and the acceptance check counts them among the records a request names."""
ID_LIST_FIELDS = {"ids": "Track", "track_ids": "Track", "user_ids": "User"}


def _point_ids_at_records(
    body: dict[str, Any], schema: Mapping[str, Any], ids: IdSource, rng: random.Random
) -> None:
    """Body fields that hold ids of other records get ids that exist on the target."""
    props = schema.get("properties", {})
    for key in list(body):
        resource = ID_FIELDS.get(key)
        if resource is None and key in ID_LIST_FIELDS:
            resource = ID_LIST_FIELDS[key]
            pool = ids(resource, "id")
            if pool and isinstance(body[key], list):
                size = max(len(body[key]), props.get(key, {}).get("minItems", 0))
                body[key] = [pool[rng.randrange(len(pool))] for _ in range(size)]
            continue
        if resource is not None and isinstance(body[key], int) and not isinstance(body[key], bool):
            pool = ids(resource, "id")
            if pool:
                body[key] = pool[rng.randrange(len(pool))]
