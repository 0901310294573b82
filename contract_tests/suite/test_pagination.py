"""Pagination: walking every page of a list yields each item exactly once, in a stable order,
and every envelope agrees with itself (total, last_page, per_page, from, to)."""

from __future__ import annotations

import pytest
from hypothesis import reject
from hypothesis import strategies as st

import spec
from contract_tests import run_property, suite_settings
from contract_tests._acceptance import explain
from contract_tests._checks import pages_in
from contract_tests._exchange import Exchange
from contract_tests._failures import InconsistentPagination
from contract_tests._session import Session

API = spec.load()
SIZE_PARAMS = ("per_page", "perPage")


def _size_param(op_id: str) -> str | None:
    return next((p.name for p in API.operations[op_id].query_params if p.name in SIZE_PARAMS), None)


def _paginated(op_id: str) -> bool:
    op = API.operations[op_id]
    schema = op.responses[op.success_status].schema or {}
    return (
        op.read_only
        and any("page_of" in s for s in schema.get("properties", {}).values())
        and _size_param(op_id) is not None
    )


PAGINATED = sorted(op_id for op_id in API.operations if _paginated(op_id))
MAX_PAGES = 40


@pytest.mark.beatpass_offline_only  # walks every page: too many requests for a live budget
@pytest.mark.parametrize("op_id", PAGINATED)
def test_walking_pages_yields_each_item_once(beatpass_session: Session, op_id: str) -> None:
    def walks_agree(data: st.DataObject, per_page: int) -> None:
        _walk_twice(beatpass_session, op_id, data, per_page)

    run_property(
        walks_agree, suite_settings(max_examples=2), data=st.data(), per_page=st.integers(1, 9)
    )


def _walk_twice(beatpass_session: Session, op_id: str, data: st.DataObject, per_page: int) -> None:
    op = API.operations[op_id]
    size = _size_param(op_id)
    assert size is not None
    draft = data.draw(beatpass_session.strategies.valid(op))
    schema = op.responses[op.success_status].schema

    def walk(first: bool) -> tuple[list[object], int]:
        items: list[object] = []
        total, page, last = -1, 1, 1
        while page <= last and page <= MAX_PAGES:
            draft.params = {**draft.params, size: str(per_page), "page": str(page)}
            ex = beatpass_session.exercise(draft, "token" if "token" in op.tiers else "public")
            if first and page == 1 and _refused_by_a_rule(beatpass_session, ex):
                # Another user's private playlist: this draw has no pages to walk. An
                # unexplained refusal failed the acceptance check already; and if no draw
                # can start, Hypothesis fails the test (unable to satisfy).
                reject()
            if ex.status != op.success_status:  # a walk that stops midway is a failure
                raise InconsistentPagination(
                    "pagination_walk",
                    op_id,
                    draft.path,
                    f"{op.success_status} on page {page} of a valid request",
                    ex.excerpt(),
                )
            envelope = next(pages_in(schema, ex.body))
            total, last = envelope["total"], envelope["last_page"]
            items.extend(
                i.get("id", repr(i)) if isinstance(i, dict) else repr(i) for i in envelope["data"]
            )
            page += 1
        return items, total

    first, total = walk(first=True)
    if len(first) < min(total, MAX_PAGES * per_page):
        raise InconsistentPagination(
            "pagination_walk",
            op_id,
            draft.path,
            f"{total} items over all pages",
            f"{len(first)} items",
        )
    if len(set(map(repr, first))) != len(first):
        raise InconsistentPagination(
            "pagination_walk",
            op_id,
            draft.path,
            "each item exactly once",
            "an item appeared on two pages",
        )
    second, _ = walk(first=False)
    if second != first:
        raise InconsistentPagination(
            "pagination_walk",
            op_id,
            draft.path,
            "the same order on a second walk",
            "a different order",
        )


def _refused_by_a_rule(session: Session, ex: Exchange) -> bool:
    """A refusal (4xx) one of the acceptance rules explains, a rate limit aside: a walk that
    meets a 429 failed to walk, it did not draw a record it may not read."""
    if not 400 <= ex.status < 500 or ex.status == 429:
        return False
    return explain(session.spec, ex, session.ctx.facts, session.ctx.read) is not None
