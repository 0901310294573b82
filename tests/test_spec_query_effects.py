"""What a query parameter does to its answer is spec data: ``caps`` names the lists a bound
such as ``limit`` caps, ``selects`` the keys the values of a choice such as ``types`` name, so
a check can hold an answer to them. Each mistake fails at load, naming file, line and key."""

from __future__ import annotations

import pytest

import spec
from spec import SpecError
from tests.minimal_spec import replace

SEARCH = """\
          404: {schema: {ref: error}}
      - id: search
        method: GET
        path: /search
        group: Search
        title: Search
        auth: optional
        parameters:
          query:
            limit: {schema: {type: integer, default: 3}, caps: results}
            types:
              schema: {type: string}
              selects: {at: results, keys: {track: tracks, user: users}}
            per: {schema: {type: integer}, caps: results.tracks}
        responses:
          200:
            schema:
              type: object
              properties:
                total: {type: integer}
                results:
                  type: object
                  properties:
                    tracks: {type: array, items: {resource: Track}}
                    users: {type: array, items: {type: object}}
              required: [results]
"""
GOOD = replace("          404: {schema: {ref: error}}\n", SEARCH)


def test_caps_and_selects_load_as_data() -> None:
    params = {p.name: p for p in spec.loads(GOOD).operations["search"].query_params}
    assert (params["limit"].caps, params["per"].caps) == ("results", "results.tracks")
    assert params["types"].selects == ("results", (("track", "tracks"), ("user", "users")))
    assert params["limit"].selects == ("", ())


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        ("caps: results}", "caps: total}", "caps", "no list at 'total'"),
        ("caps: results.tracks}", "caps: results.albums}", "caps", "no list at"),
        ("user: users}}", "user: people}}", "selects", "no results.people"),
        (
            "limit: {schema: {type: integer, default: 3}, caps: results}",
            "limit: {schema: {type: string}, caps: results}",
            "caps",
            "caps is for an integer parameter",
        ),
        ("selects: {at: results,", "selects: {at: nowhere,", "selects", "no nowhere"),
        ("selects: {at: results, keys:", "selects: {where: results, keys:", None, "where"),
    ],
)
def test_a_mistake_names_file_line_and_key(old: str, new: str, key: str | None, says: str) -> None:
    assert old in GOOD, old
    with pytest.raises(SpecError) as caught:
        spec.loads(GOOD.replace(old, new, 1), file="demo.yaml")
    assert (caught.value.file, caught.value.key if key else key) == ("demo.yaml", key)
    assert caught.value.line is not None
    assert says in str(caught.value)


def test_a_path_parameter_neither_caps_nor_selects() -> None:
    bad = GOOD.replace("path: /search\n", "path: /search/{n}\n").replace(
        "          query:\n            limit:",
        "          path:\n            n: {schema: {type: integer}, caps: results}\n"
        "          query:\n            limit:",
    )
    with pytest.raises(SpecError, match="caps is for query parameters"):
        spec.loads(bad, file="demo.yaml")
