"""Derived figures are spec data: an operation's ``derived:`` list says which figures of its
answer the docs derive from others, and how, so that a check can recompute them. Each mistake
in one fails at load, naming the file, the line and the key."""

from __future__ import annotations

import pytest

import spec
from spec import SpecError, SpecErrorKind
from tests.minimal_spec import replace

LIST = """\
          404: {schema: {ref: error}}
        derived:
          - {figure: track.bpm, how: sum, of: tracks, field: bpm, read: tracks.list, doc: d.mdx}
      - id: tracks.list
        method: GET
        path: /tracks
        group: Tracks
        title: List Tracks
        auth: optional
        parameters:
          query:
            page: {schema: {type: integer}}
        responses:
          200:
            schema:
              type: object
              properties:
                count: {type: integer}
                fee: {type: number}
                price: {type: number}
                tracks: {page_of: {resource: Track}}
              required: [count, tracks]
        derived:
          - {figure: count, how: count, of: tracks, source: inferred, note: the page's total}
          - {figure: fee, how: product, of: price, rule: demo.rate, doc: d.mdx}
          - {figure: price, how: add, of: [fee, count], doc: d.mdx}
    rules:
      demo.rate: {value: 0.15, doc: d.mdx}
"""
GOOD = replace("          404: {schema: {ref: error}}\n", LIST)


def broken(old: str, new: str) -> SpecError:
    assert old in GOOD, old
    with pytest.raises(SpecError) as caught:
        spec.loads(GOOD.replace(old, new, 1), file="demo.yaml")
    assert caught.value.file == "demo.yaml"
    assert caught.value.line is not None
    return caught.value


def test_derivations_load_as_data() -> None:
    api = spec.loads(GOOD)
    (bpm,) = api.operations["tracks.show"].derived
    assert (bpm.figure, bpm.how, bpm.of, bpm.field, bpm.read) == (
        "track.bpm",
        "sum",
        ("tracks",),
        "bpm",
        "tracks.list",
    )
    count, fee, price = api.operations["tracks.list"].derived
    assert (count.source, count.note) == ("inferred", "the page's total")
    assert (fee.rule, price.of) == ("demo.rate", ("fee", "count"))
    assert set(spec.HOWS) == {"count", "sum", "equals", "add", "product"}


B, M, U = SpecErrorKind.BAD_VALUE, SpecErrorKind.MISSING_KEY, SpecErrorKind.UNDEFINED_REFERENCE
MISTAKES = [
    pytest.param("how: product", "how: products", B, "how", "did you mean 'product'", id="how"),
    pytest.param(
        "figure: track.bpm",
        "figure: track.tempo",
        B,
        "figure",
        "no field 'track.tempo'",
        id="figure",
    ),
    pytest.param("of: price,", "of: cost,", B, "of", "no field 'cost'", id="of"),
    pytest.param(
        "how: count, of: tracks", "how: count, of: fee", B, "of", "'fee' is not a list", id="count"
    ),
    pytest.param("field: bpm", "field: tempo", B, "field", "have no 'tempo'", id="sum-field"),
    pytest.param("of: [fee, count]", "of: fee", B, "of", "a list of paths for how: add", id="add"),
    pytest.param(
        "read: tracks.list", "read: tracks.index", U, "read", "is no operation", id="read"
    ),
    pytest.param(
        "        method: GET\n        path: /tracks\n",
        "        method: POST\n        path: /tracks\n",
        U,
        "read",
        "a POST, not a read",
        id="read-a-write",
    ),
    pytest.param("rule: demo.rate", "rule: demo.fee_rate", U, "rule", "demo.fee_rate", id="rule"),
    pytest.param(
        "field: bpm, read: tracks.list",
        "field: bpm, read: tracks.show",
        M,
        "params",
        "{id}",
        id="params-missing",
    ),
    pytest.param(
        "read: tracks.list,",
        "read: tracks.show, params: {id: '{track}'},",
        B,
        "id",
        "/tracks/{id} has no parameter {track}",
        id="params-from-nowhere",
    ),
    pytest.param(
        "read: tracks.list,",
        "read: tracks.list, query: {per_page: 100},",
        B,
        "per_page",
        "tracks.list reads no query 'per_page'",
        id="query",
    ),
]


@pytest.mark.parametrize(("old", "new", "kind", "key", "says"), MISTAKES)
def test_each_mistake_names_its_file_line_and_key(
    old: str, new: str, kind: SpecErrorKind, key: str, says: str
) -> None:
    error = broken(old, new)
    assert (error.kind, error.key) == (kind, key)
    assert says in error.problem


def test_a_derivation_cites_its_page_or_says_why() -> None:
    documented = broken("rule: demo.rate, doc: d.mdx", "rule: demo.rate")
    assert documented.kind is SpecErrorKind.MISSING_KEY
    assert "doc page" in documented.problem
    inferred = broken("source: inferred, note: the page's total", "source: inferred")
    assert inferred.kind is SpecErrorKind.MISSING_KEY
    assert "note" in inferred.problem


def test_the_shipped_derivations_name_the_figures_the_docs_derive() -> None:
    api = spec.load()
    figures = {(op.id, d.figure): d for op in api.operations.values() for d in op.derived}
    assert figures[("artist.profile.show", "data.total_tracks")].read == "artists.tracks.list"
    assert figures[("tracks.placements.list", "total_count")].how == "count"
    fee = figures[("tracks.purchase.calculate_price", "data.platform_fee")]
    assert fee.rule == "commerce.platform_fee_rate"
    assert all(d.doc or d.note for d in figures.values())
