"""The contract suite catches a broken API: each deliberately broken variant of the mock fails,
and the failure names the check for that defect."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest

import spec
from contract_tests import CHECKS, MockTarget, Session
from contract_tests._checks import (
    DEFAULT_CHECKS,
    RATE_HEADERS,
    CheckContext,
    _compared,
    run_checks,
)
from contract_tests._checks import disagreement as fields_disagree
from contract_tests._derived import disagreement
from contract_tests._requests import Draft
from mockserver import BeatPassMock

API = spec.load()
pytestmark = pytest.mark.usefixtures("isolated_coverage")
Breakage = Callable[[httpx.Request, httpx.Response], httpx.Response]


class BrokenTarget(MockTarget):
    """The mock with one defect applied to its answers."""

    def __init__(self, breakage: Breakage) -> None:
        super().__init__(BeatPassMock(seed=4, rate_limits=False))
        self.breakage = breakage

    def transport(self) -> httpx.BaseTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            return self.breakage(request, self.mock.handler(request))

        return httpx.MockTransport(handler)


def _rewrite(
    response: httpx.Response, body: object, status: int | None = None, drop: str = ""
) -> httpx.Response:
    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() not in ("content-length", drop.lower())
    }
    return httpx.Response(
        status or response.status_code, content=json.dumps(body).encode(), headers=headers
    )


def drop_track_name(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("track"), dict):
        body["track"].pop("name", None)
    return _rewrite(response, body)


def leak_price_to_anonymous(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    body = response.json()
    if "authorization" not in request.headers and isinstance(body, dict) and "track" in body:
        body["track"]["price"] = 19.99
    return _rewrite(response, body)


def undocumented_status(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    return _rewrite(response, response.json(), status=418)


def wrong_error_shape(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        return _rewrite(response, {"status": "error", "error": response.json().get("message")})
    return response


def no_remaining_header(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    return _rewrite(response, response.json(), drop="X-RateLimit-Remaining")


def wrong_total(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("tracks"), dict):
        body["tracks"]["total"] += 7
    return _rewrite(response, body)


CASES = [
    pytest.param(
        drop_track_name,
        "tracks.show",
        "token",
        "/tracks/1",
        "response_schema_conformance",
        id="missing-required-field",
    ),
    pytest.param(
        drop_track_name,
        "tracks.show",
        "public",
        "/tracks/1",
        "response_schema_conformance",
        id="missing-required-field-anonymous",
    ),
    pytest.param(
        leak_price_to_anonymous,
        "tracks.show",
        "public",
        "/tracks/1",
        "public_tier_minimality",
        id="rich-field-leaked",
    ),
    pytest.param(
        undocumented_status,
        "albums.show",
        "token",
        "/albums/1",
        "status_code_conformance",
        id="undocumented-status",
    ),
    pytest.param(
        wrong_error_shape,
        "tracks.show",
        "token",
        "/tracks/999999",
        "error_body_format",
        id="wrong-error-body",
    ),
    pytest.param(
        no_remaining_header,
        "artists.show",
        "token",
        "/artists/2",
        "rate_limit_headers_present",
        id="missing-rate-limit-header",
    ),
    pytest.param(
        wrong_total,
        "tracks.list",
        "token",
        "/tracks",
        "pagination_consistency",
        id="wrong-pagination-total",
    ),
]


@pytest.mark.parametrize(("breakage", "op_id", "tier", "path", "check"), CASES)
def test_broken_variant_fails_naming_the_check(
    breakage: Breakage, op_id: str, tier: str, path: str, check: str
) -> None:
    target = BrokenTarget(breakage)
    with Session(target) as session:
        ex = session.send(
            Draft(
                API.operations[op_id], path, {"per_page": "10"} if op_id == "tracks.list" else {}
            ),
            tier,
        )  # type: ignore[arg-type]
        failures = run_checks(session.ctx, ex)
    assert failures, "the broken variant passed every check"
    assert failures[0].check == check
    assert f"[{check}]" in str(failures[0])
    assert "operation:" in str(failures[0])
    assert "mock-token" not in str(failures[0])


CONTROLS = sorted({(c.values[1], c.values[2], c.values[3]) for c in CASES})


@pytest.mark.parametrize(("op_id", "tier", "path"), CONTROLS)
def test_the_real_mock_passes_the_same_requests(op_id: str, tier: str, path: str) -> None:
    """The control: without a breakage, the very requests of CASES pass every check."""
    target = MockTarget(BeatPassMock(seed=4, rate_limits=False))
    params = {"per_page": "10"} if op_id == "tracks.list" else {}
    with Session(target) as session:
        ex = session.send(Draft(API.operations[op_id], path, params), tier)  # type: ignore[arg-type]
        assert run_checks(session.ctx, ex) == []


def test_every_registered_check_runs_by_default() -> None:
    assert set(DEFAULT_CHECKS) == set(CHECKS)


def test_check_names_are_unique() -> None:
    from contract_tests._checks import check

    with pytest.raises(ValueError, match="already registered"):
        check(CHECKS["no_server_error"])


def test_the_suite_itself_fails_on_a_broken_target(pytester: pytest.Pytester) -> None:
    """Run the shipped suite with a user conftest that swaps in a broken target."""
    pytester.makeconftest(
        """
        import json, httpx, pytest
        from contract_tests import MockTarget
        from mockserver import BeatPassMock

        class Leaky(MockTarget):
            def transport(self):
                def handler(request):
                    response = self.mock.handler(request)
                    body = response.json()
                    if "authorization" not in request.headers and "track" in body:
                        body["track"]["plays"] = 12345
                    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
                    content = json.dumps(body).encode()
                    return httpx.Response(response.status_code, content=content, headers=headers)
                return httpx.MockTransport(handler)

        @pytest.fixture
        def beatpass_target():
            return Leaky(BeatPassMock(seed=1, rate_limits=False))
        """
    )
    result = pytester.runpytest(
        "--pyargs",
        "contract_tests.suite.test_operations",
        "-k",
        "test_contract and tracks.show",
        "-p",
        "no:randomly",
    )
    assert result.parseoutcomes()["failed"] == 1  # -k also matches e.g. artists.top_tracks.show
    result.stdout.fnmatch_lines(
        [
            "*Token-tier field in an anonymous response [[]public_tier_minimality[]]*",
            "*Track carries plays*",
        ]
    )
    result.stdout.fnmatch_lines(["*public_tier_minimality: * failed of *"])


def test_token_tier_richness_names_a_missing_rich_field() -> None:
    def drop_price(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        if "track" in body:  # the checks also read the track's artists and album
            body["track"].pop("price", None)
        return _rewrite(response, body)

    with Session(BrokenTarget(drop_price)) as session:
        ex = session.send(Draft(API.operations["tracks.show"], "/tracks/1"), "token")
        failures = run_checks(session.ctx, ex)
    assert [f.check for f in failures] == ["token_tier_richness", "response_schema_conformance"]
    assert "missing price" in str(failures[0])


REFUSING = """
import json, httpx, pytest
import spec
from contract_tests import MockTarget
from mockserver import BeatPassMock

API = spec.load()


def op_of(request):
    path = request.url.path.split("/api/v1", 1)[1]
    for op in API.operations.values():
        parts, sent = op.path.strip("/").split("/"), path.strip("/").split("/")
        if op.method == request.method and len(parts) == len(sent) and all(
            p == s or p.startswith("{") for p, s in zip(parts, sent)
        ):
            return op
    return None


class Broken(MockTarget):
    def transport(self):
        def handler(request):
            response = self.mock.handler(request)
            op = op_of(request)
            status = STATUS(op, response)
            if status is None:
                return response
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            content = json.dumps({"message": "Not found."}).encode()
            return httpx.Response(status, content=content, headers=headers)
        return httpx.MockTransport(handler)


@pytest.fixture
def beatpass_target():
    return Broken(BeatPassMock(seed=1, rate_limits=False))
"""

#: 404 {"message": "Not found."} wherever the mock would succeed, on operations documenting a 404.
REFUSES_WITH_404 = """
def STATUS(op, response):
    if op is not None and response.status_code < 300 and 404 in op.responses:
        return 404
    return None
"""

#: Every operation answers its first documented 4xx.
FIRST_4XX = """
def STATUS(op, response):
    if op is None:
        return None
    return min(s for s in op.responses if 400 <= s < 500)
"""


@pytest.mark.parametrize("broken", [REFUSES_WITH_404, FIRST_4XX], ids=["refuses-404", "first-4xx"])
def test_an_api_that_refuses_valid_requests_fails_the_suite(
    pytester: pytest.Pytester, broken: str
) -> None:
    """The shapes are right (documented statuses, error bodies), the meaning is not: every
    valid request is refused. The shipped suite fails, naming positive_data_acceptance."""
    pytester.makeconftest(REFUSING + broken)
    result = pytester.runpytest(
        "--pyargs",
        "contract_tests.suite.test_operations",
        "contract_tests.suite.test_pagination",
        "-k",
        "[tracks.show] or [albums.show] or [users.follow] or [playlists.create] or [tracks.list]",
        "-p",
        "no:randomly",
        "--beatpass-profile",
        "live",  # two examples and no shrinking: a refusal fails at once
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 3, outcomes
    result.stdout.fnmatch_lines(["*A valid request was refused [[]positive_data_acceptance[]]*"])
    result.stdout.fnmatch_lines(["*positive_data_acceptance: * failed of *"])
    assert "mock-token" not in result.stdout.str()


def test_acceptance_passes_a_refusal_a_rule_explains() -> None:
    """The control: another user's track may not be updated; the mock's 403 is explained by
    its documented ownership, so the check passes it, and names the rule."""
    from contract_tests._acceptance import explain

    target = MockTarget(BeatPassMock(seed=4, rate_limits=False))
    others = [
        t["id"]
        for t in target.mock.records("Track")
        if t["id"] not in set(target.owned_ids("Track", "id"))
    ]
    with Session(target) as session:
        draft = Draft(API.operations["tracks.update"], f"/tracks/{others[0]}", {}, {"name": "x"})
        ex = session.exercise(draft, "token")
        assert ex.status == 403
        why = explain(API, ex, session.ctx.facts, session.ctx.read)
    assert why is not None
    assert why.startswith("not_the_owner:"), why


def test_acceptance_explains_a_registration_with_an_email_a_user_has() -> None:
    """A registered email, or a seeded user's, whatever its case: the 422 is explained by the
    mock's users; a 422 for another reason (an email nobody has) is not."""
    from contract_tests._acceptance import explain

    op = API.operations["auth.register"]
    seeded = str(API.rule("auth.seeded_email")).format(id=2)
    with Session(MockTarget(BeatPassMock(seed=4, rate_limits=False))) as session:

        def register(email: str) -> tuple[int, str | None]:
            body = {"email": email, "password": "secret-1"}
            ex = session.send(Draft(op, "/auth/register", {}, body), "public")
            return ex.status, explain(API, ex, session.ctx.facts, session.ctx.read)

        assert register("fresh@example.test")[0] == 200
        for email in ("Fresh@Example.TEST", seeded.upper()):
            status, why = register(email)
            assert status == 422
            assert why is not None
            assert why.startswith("email_taken: user "), why
        status, why = register("not-an-email")  # a 422 for another reason
        assert status == 422
        assert why is None


def test_acceptance_fails_the_owner_refused() -> None:
    """The owner's own update refused with 403: no rule explains it."""

    def refuse_updates(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "PUT":
            return _rewrite(response, {"message": "This action is unauthorized."}, status=403)
        return response

    target = BrokenTarget(refuse_updates)
    mine = target.owned_ids("Track", "id")
    with Session(target) as session:
        draft = Draft(API.operations["tracks.update"], f"/tracks/{mine[0]}", {}, {"name": "x"})
        ex = session.send(draft, "token")
        ex.valid = True
        failures = run_checks(session.ctx, ex)
    assert [f.check for f in failures] == ["positive_data_acceptance"]
    assert "A valid request was refused" in str(failures[0])


def tolerant_read(op_id: str, path: str) -> str:
    """A user's test that sends one valid read, expects the refusal and checks only shapes."""
    return f"""
        import spec
        from contract_tests._checks import run_checks
        from contract_tests._requests import Draft

        def test_reads(beatpass_session):
            op = spec.load().operations["{op_id}"]
            ex = beatpass_session.send(Draft(op, "{path}"), "token")
            ex.valid = True  # a valid request, but this test only looks at shapes
            assert ex.status >= 400
            run_checks(beatpass_session.ctx, ex, ("status_code_conformance",))
        """


def test_the_success_gate_lists_operations_that_never_succeeded(pytester: pytest.Pytester) -> None:
    """Operations tried with valid requests and never once answered with a success are listed,
    and below the threshold share the run fails even where no test did."""
    pytester.makeconftest(REFUSING + REFUSES_WITH_404)
    pytester.makepyfile(test_tolerant=tolerant_read("tracks.show", "/tracks/1"))
    result = pytester.runpytest("-p", "no:randomly")
    result.stdout.fnmatch_lines(
        [
            "*operations that never got a success (1): tracks.show*",
            "*success gate: 0/1 operations tried with valid requests got a success (0% < 90%)*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert pytester.runpytest("-p", "no:randomly", "--beatpass-min-success=0").ret == 0


def test_a_tests_own_mock_counts_no_success_for_the_target(pytester: pytest.Pytester) -> None:
    """The rate-limit tests send 200s to albums.list on a mock of their own: the run's target
    refusing every valid albums.list still fails the gate, and those requests are not the
    target's."""
    pytester.makeconftest(REFUSING + FIRST_4XX)
    pytester.makepyfile(test_tolerant=tolerant_read("albums.list", "/albums"))
    args = ("-p", "no:randomly", "test_tolerant.py", "--pyargs")
    rate_limits = ("contract_tests.suite.test_rate_limits", "-k", "reads or general")
    result = pytester.runpytest(*args, *rate_limits)
    result.stdout.fnmatch_lines(
        [
            "*operations that never got a success (1): albums.list*",
            "*success gate: 0/1 operations tried with valid requests got a success*",
            "*drift: 1 requests sent*",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_the_summary_reports_successes(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(
        "--pyargs",
        "contract_tests.suite.test_operations",
        "-k",
        "[tracks.show] or [albums.show]",
        "-p",
        "no:randomly",
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*successes: 2/2 operations tried with valid requests got one*"])


# -- checks of meaning: each has a broken target it catches -----------------------------------


def rename_in_lists(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """A track's name differs between its list entry and its detail."""
    body = response.json()
    if request.url.path.endswith("/tracks") and isinstance(body.get("tracks"), dict):
        for track in body["tracks"]["data"]:
            track["name"] = track["name"] + " (remix)"
    return _rewrite(response, body)


def rename_after_the_first(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """Every list entry but the first disagrees with its detail."""
    body = response.json()
    if request.url.path.endswith("/tracks") and isinstance(body.get("tracks"), dict):
        for track in body["tracks"]["data"][1:]:
            track["name"] = track["name"] + " (remix)"
    return _rewrite(response, body)


def rename_embedded_albums(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The albums embedded in a list's tracks disagree with their detail; the tracks agree."""
    body = response.json()
    if request.url.path.endswith("/tracks") and isinstance(body.get("tracks"), dict):
        for track in body["tracks"]["data"]:
            if isinstance(track.get("album"), dict):
                track["album"]["name"] = "WRONG"
    return _rewrite(response, body)


def null_in_lists(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """A list entry says null (a value its schema allows) where its detail has an image."""
    body = response.json()
    if request.url.path.endswith("/tracks") and isinstance(body.get("tracks"), dict):
        for track in body["tracks"]["data"]:
            track["image"] = None
    return _rewrite(response, body)


def anonymous_sees_no_image(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The public tier answers null (allowed by the schema) where the token tier has a value."""
    body = response.json()
    if "authorization" not in request.headers and isinstance(body.get("track"), dict):
        body["track"]["image"] = None
    return _rewrite(response, body)


def anonymous_sees_other_plays(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The public tier's value differs from the token tier's for the same record."""
    body = response.json()
    if "authorization" not in request.headers and isinstance(body.get("artist"), dict):
        body["artist"]["name"] = "Somebody Else"
    return _rewrite(response, body)


def answers_another_track(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    body = response.json()
    if isinstance(body.get("track"), dict):
        body["track"]["id"] += 1
    return _rewrite(response, body)


def dangling_artist(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    body = response.json()
    if isinstance(body.get("track"), dict) and body["track"].get("artists"):
        body["track"]["artists"][0]["id"] = 987654
    return _rewrite(response, body)


def one_track_too_many(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The profile counts one track more than the artist's track list holds."""
    body = response.json()
    if request.url.path.endswith("/artist/profile") and isinstance(body.get("data"), dict):
        body["data"]["total_tracks"] += 1
    return _rewrite(response, body)


def another_artist_suggested(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The suggestion read answers for the next artist (its id and data), not the one asked."""
    body = response.json()
    if "/search/suggestions/artist/" in request.url.path and isinstance(body.get("artist"), dict):
        body["artist"]["id"] += 1
    return _rewrite(response, body)


def another_genre(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """A genre read by name answers for another genre."""
    body = response.json()
    if isinstance(body.get("genre"), dict):
        body["genre"].update(id=999, name="polka", display_name="Polka")
    return _rewrite(response, body)


def presets_listed_otherwise(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """The presets list shows every preset at 0.99; each preset's own read says otherwise."""
    body = response.json()
    if request.url.path.endswith("/exclusive-license-presets"):
        for preset in body.get("presets", []):
            preset["price"] = 0.99
    return _rewrite(response, body)


def listed_albums_unreadable(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """Albums are listed, but reading any of them answers 404."""
    if request.url.path.rsplit("/", 2)[-2:-1] == ["albums"]:
        return _rewrite(response, {"message": "Not found."}, status=404)
    return response


MEANING = [
    pytest.param(
        rename_in_lists,
        "tracks.list",
        "token",
        "/tracks",
        "list_detail_agreement",
        id="list-detail-disagree",
    ),
    pytest.param(
        rename_after_the_first,
        "tracks.list",
        "token",
        "/tracks",
        "list_detail_agreement",
        id="list-detail-disagree-after-the-first",
    ),
    pytest.param(
        rename_embedded_albums,
        "tracks.list",
        "token",
        "/tracks",
        "list_detail_agreement",
        id="embedded-album-disagrees",
    ),
    pytest.param(
        null_in_lists,
        "tracks.list",
        "token",
        "/tracks",
        "list_detail_agreement",
        id="list-says-null",
    ),
    pytest.param(
        anonymous_sees_no_image,
        "tracks.show",
        "public",
        "/tracks/3",
        "tier_agreement",
        id="public-tier-says-null",
    ),
    pytest.param(
        anonymous_sees_other_plays,
        "artists.show",
        "public",
        "/artists/2",
        "tier_agreement",
        id="tiers-disagree",
    ),
    pytest.param(
        answers_another_track,
        "tracks.show",
        "token",
        "/tracks/3",
        "answer_matches_request",
        id="wrong-record",
    ),
    pytest.param(
        dangling_artist,
        "tracks.show",
        "token",
        "/tracks/3",
        "referenced_ids_resolve",
        id="dangling-artist",
    ),
    pytest.param(
        another_artist_suggested,
        "search.suggestions.artist.show",
        "token",
        "/search/suggestions/artist/1",
        "answer_matches_request",
        id="suggestion-for-another-artist",
    ),
    pytest.param(
        another_genre,
        "genres.show",
        "token",
        "/genres/hip-hop",
        "answer_matches_request",
        id="genre-by-another-name",
    ),
    pytest.param(
        presets_listed_otherwise,
        "exclusive_license_presets.list",
        "token",
        "/exclusive-license-presets",
        "list_detail_agreement",
        id="preset-list-disagrees-with-its-detail",
    ),
    pytest.param(
        listed_albums_unreadable,
        "albums.list",
        "token",
        "/albums",
        "list_detail_agreement",
        id="listed-album-unreadable",
    ),
    pytest.param(
        one_track_too_many,
        "artist.profile.show",
        "token",
        "/artist/profile",
        "derived_figure_agreement",
        id="derived-count-off-by-one",
    ),
]


def _valid_request_failures(target: MockTarget, op_id: str, tier: str, path: str) -> list[str]:
    """Send one valid request to ``target`` and name every check its answer fails."""
    with Session(target) as session:
        draft = Draft(API.operations[op_id], path, {"per_page": "5"} if "list" in op_id else {})
        ex = session.send(draft, tier)  # type: ignore[arg-type]
        ex.valid = True
        failures = run_checks(session.ctx, ex)
    assert "mock-token" not in "".join(map(str, failures))
    return [f.check for f in failures]


@pytest.mark.parametrize(("breakage", "op_id", "tier", "path", "check"), MEANING)
def test_a_broken_meaning_fails_naming_the_check(
    breakage: Breakage, op_id: str, tier: str, path: str, check: str
) -> None:
    assert check in _valid_request_failures(BrokenTarget(breakage), op_id, tier, path)


@pytest.mark.parametrize(("breakage", "op_id", "tier", "path", "check"), MEANING)
def test_the_real_mock_keeps_the_meaning(
    breakage: Breakage, op_id: str, tier: str, path: str, check: str
) -> None:
    target = MockTarget(BeatPassMock(seed=4, rate_limits=False))
    assert _valid_request_failures(target, op_id, tier, path) == []


def page_one_of_fifteen(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """Whatever page and size are asked, the first page of 15 (a consistent envelope)."""
    body = response.json()
    page = body.get("tracks") if isinstance(body, dict) else None
    if isinstance(page, dict) and "per_page" in page:
        total = page["total"]
        page.update(current_page=1, per_page=15, last_page=max(1, -(-total // 15)))
        page.update({"from": 1 if total else None, "to": min(15, total) or None})
        page["data"] = page["data"][:15]
    return _rewrite(response, body)


@pytest.mark.parametrize(
    ("query", "expected"), [({"per_page": "5"}, "per_page 5"), ({"page": "2"}, "current_page 2")]
)
def test_a_page_is_the_one_asked_for(query: dict[str, str], expected: str) -> None:
    def failures(target: MockTarget) -> list[str]:
        with Session(target) as session:
            ex = session.send(Draft(API.operations["tracks.list"], "/tracks", query), "token")
            return [f.expected for f in run_checks(session.ctx, ex, ("answer_matches_request",))]

    assert failures(BrokenTarget(page_one_of_fifteen)) == [f"{expected} (as asked)"]
    assert failures(MockTarget(BeatPassMock(seed=4, rate_limits=False))) == []


class QueryRewritten(MockTarget):
    """The mock, answering every request as if its query had been ``change``d."""

    def __init__(self, change: Callable[[httpx.URL], httpx.URL]) -> None:
        super().__init__(BeatPassMock(seed=4, rate_limits=False))
        self.change = change

    def transport(self) -> httpx.BaseTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            url = self.change(request.url)
            return self.mock.handler(httpx.Request(request.method, url, headers=request.headers))

        return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("query", "change", "expected"),
    [
        (
            {"query": "a", "limit": "1"},
            lambda url: url.copy_remove_param("limit"),
            "at most 1 in albums (limit=1)",
        ),
        (  # absent, the documented default bounds the lists
            {"query": "a"},
            lambda url: url.copy_set_param("limit", "40"),
            "at most 3 in albums (limit absent: its default 3)",
        ),
        (
            {"query": "a", "types": "track"},
            lambda url: url.copy_remove_param("types"),
            "only the types asked for in results (types=track)",
        ),
    ],
)
def test_a_search_is_bounded_and_chosen_by_its_query(
    query: dict[str, str], change: Callable[[httpx.URL], httpx.URL], expected: str
) -> None:
    """``limit`` caps each list of results, ``types`` chooses the lists that appear (the
    spec's ``caps`` and ``selects``): an API ignoring either fails answer_matches_request."""

    def failures(target: MockTarget) -> list[str]:
        with Session(target) as session:
            ex = session.send(Draft(API.operations["search"], "/search", query), "token")
            assert ex.status == 200
            return [f.expected for f in run_checks(session.ctx, ex, ("answer_matches_request",))]

    assert failures(MockTarget(BeatPassMock(seed=4, rate_limits=False))) == []
    assert failures(QueryRewritten(change)) == [expected]


def test_a_page_cut_to_the_servers_own_largest_is_no_failure() -> None:
    """The docs state no largest page for ``GET /tracks``: an API answering 80 asked with a
    page of 50 keeps the contract (one answering 15 for 5 asked does not, above)."""

    def at_most_50(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        page = body.get("tracks")
        if isinstance(page, dict) and page.get("per_page", 0) > 50:
            total = page["total"]
            page.update(per_page=50, last_page=max(1, -(-total // 50)), to=min(50, total) or None)
            page["data"] = page["data"][:50]
        return _rewrite(response, body)

    with Session(BrokenTarget(at_most_50)) as session:
        ex = session.send(
            Draft(API.operations["tracks.list"], "/tracks", {"per_page": "80"}), "token"
        )
        assert ex.body["tracks"]["per_page"] == 50
        assert run_checks(session.ctx, ex, ("answer_matches_request",)) == []


def test_a_listed_record_whose_read_fails_for_another_reason_is_not_called_unreadable() -> None:
    """Only a 401, 403, 404 or 410 says the listed record cannot be read; a 503 says nothing
    of it (no_server_error judges the answers it checks)."""

    def unavailable(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.rsplit("/", 2)[-2:-1] == ["albums"]:
            return _rewrite(response, {"message": "Service Unavailable"}, status=503)
        return response

    for breakage, failing in ((unavailable, []), (listed_albums_unreadable, ["404"])):
        with Session(BrokenTarget(breakage)) as session:
            ex = session.send(Draft(API.operations["albums.list"], "/albums", {}), "token")
            found = run_checks(session.ctx, ex, ("list_detail_agreement",))
        assert [f.observed.rsplit(" ", 1)[-1] for f in found] == failing


def test_a_relative_field_is_not_compared_between_two_reads() -> None:
    """Artist 25's achievements list shows when artist 25 unlocked each; the achievement's own
    read shows the caller's: ``unlocked_at`` is ``relative`` in the spec, its name is not."""
    op = API.operations["artists.producer_achievements.list"]

    def renamed(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        for item in body.get("achievements", []) if "producer-ach" in request.url.path else []:
            item["name"] = "Renamed"
        return _rewrite(response, body)

    for target, failing in (
        (MockTarget(BeatPassMock(seed=4, rate_limits=False)), []),
        (BrokenTarget(renamed), ["list_detail_agreement"]),
    ):
        with Session(target) as session:
            ex = session.send(Draft(op, "/artists/25/producer-achievements", {}), "token")
            assert ex.body["achievements"], "artist 25 has unlocked achievements"
            assert [f.check for f in run_checks(session.ctx, ex)] == failing


def test_a_record_named_in_another_case_is_the_same_record() -> None:
    with Session(MockTarget(BeatPassMock(seed=4, rate_limits=False))) as session:
        ex = session.send(Draft(API.operations["genres.show"], "/genres/HIP-HOP", {}), "token")
        assert ex.status == 200
        assert run_checks(session.ctx, ex, ("answer_matches_request",)) == []


def test_a_failed_comparison_is_made_again_when_the_budget_is_spent() -> None:
    """Hypothesis replays a failing example: its comparison must run again, or the replay
    passes and the failure is reported as flaky."""
    ctx = CheckContext(API)
    assert not _compared(ctx, ("list", "op", "token", "1"))
    ctx.failing.add(("list", "op", "token", "1"))  # as run_checks notes a failure
    ctx.compared[("list", "op")].discard(("list", "op", "token", "1"))
    for other in ("2", "3", "4"):
        assert not _compared(ctx, ("list", "op", "token", other))
    assert _compared(ctx, ("list", "op", "token", "5"))  # the budget is spent...
    assert not _compared(ctx, ("list", "op", "token", "1"))  # ...but not for a failure
    ctx.writes += 1  # a write: every comparison may be made again
    assert not _compared(ctx, ("list", "op", "token", "5"))


def test_only_a_write_that_succeeded_makes_comparisons_afresh() -> None:
    with Session(MockTarget(BeatPassMock(seed=4, rate_limits=False))) as session:
        create = API.operations["playlists.create"]
        session.send(Draft(create, "/playlists", {}, {"name": "ok"}), "token")
        assert session.ctx.writes == 1
        session.send(
            Draft(create, "/playlists", {}, {"name": "x", "description": "short"}), "token"
        )
        assert session.ctx.writes == 1  # refused (422): nothing changed


def test_null_against_a_value_disagrees_but_an_unloaded_relation_does_not() -> None:
    assert fields_disagree({"id": 1, "image": None}, {"id": 1, "image": "a.jpg"}).startswith(
        "image: None vs a.jpg"
    )
    assert fields_disagree({"id": 1, "similar": None}, {"id": 1, "similar": [{"id": 2}]}) == ""
    assert fields_disagree({"id": 1, "album": {"id": 3}}, {"id": 1, "album": None}) == ""
    assert fields_disagree({"id": 1, "stats": {"plays": 1}}, {"id": 1, "stats": {"plays": 2}}) == ""
    assert fields_disagree({"id": 1, "album": {"id": 3}}, {"id": 1, "album": {"id": 4}})


@pytest.mark.parametrize(("breakage", "check"), [(null_in_lists, "list_detail_agreement")])
def test_a_null_the_schema_allows_is_caught_by_the_comparison_alone(
    breakage: Breakage, check: str
) -> None:
    target = BrokenTarget(breakage)
    assert _valid_request_failures(target, "tracks.list", "token", "/tracks") == [check]
    target = BrokenTarget(anonymous_sees_no_image)
    assert _valid_request_failures(target, "tracks.show", "public", "/tracks/3") == [
        "tier_agreement"
    ]


def test_live_one_answer_spends_one_read_on_comparisons() -> None:
    """Offline a list's answer compares a few of each resource it holds; live (no store to
    ask), where every read spends the run's budget, one."""
    from dataclasses import replace as changed

    def reads_of(live: bool) -> int:
        with Session(MockTarget(BeatPassMock(seed=4, rate_limits=False))) as session:
            sent: list[str] = []

            def read(op_id: str, path: str, tier: str = "token") -> object:
                sent.append(path)
                return session.read(op_id, path, tier)  # type: ignore[arg-type]

            ex = session.send(Draft(API.operations["tracks.list"], "/tracks", {}), "token")
            ctx: CheckContext = changed(
                session.ctx, read=read, facts=None if live else session.ctx.facts
            )
            assert run_checks(ctx, ex, ("list_detail_agreement",)) == []
        return len(sent)

    assert reads_of(live=True) == 1
    assert reads_of(live=False) > 3  # tracks, and the albums and artists they embed


# -- every derived figure the spec declares is recomputed on the mock -------------------------

#: A valid request per operation with derivations (seed 4: the caller is artist 1, credited on
#: track 137; track 3 has a price; playlist 1 and album 1 hold tracks).
DERIVED = {
    "artist.profile.show": "/artist/profile",
    "artist.dashboard_stats.show": "/artist/dashboard-stats",
    "artist.upload_insights.show": "/artist/upload-insights",
    "artist.sales.show": "/artist/sales",
    "albums.show": "/albums/1",
    "albums.producer_analytics.show": "/albums/1/producer-analytics",
    "artists.producer_analytics.show": "/artists/1/producer-analytics",
    "playlists.show": "/playlists/1",
    "tracks.placements.list": "/tracks/137/placements",
    "tracks.purchase.calculate_price": "/tracks/3/purchase/calculate-price",
    "messaging.unread_count.show": "/messaging/unread-count",
    "tracks.engagement_metrics.show": "/tracks/3/engagement-metrics",
}


def test_the_table_covers_every_operation_with_derivations() -> None:
    assert set(DERIVED) == {op.id for op in API.operations.values() if op.derived}


def _at(body: object, figure: str) -> tuple[dict[str, object], str] | None:
    *parents, last = figure.split(".")
    for key in parents:
        body = body.get(key) if isinstance(body, dict) else None
    return (body, last) if isinstance(body, dict) and last in body else None


def shifted(op_id: str, figure: str) -> Breakage:
    """The answers of ``op_id`` with ``figure`` one more than the mock says."""

    def breakage(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith(DERIVED[op_id]) and response.status_code < 300:
            body = response.json()
            spot = _at(body, figure)
            if spot is not None:
                spot[0][spot[1]] += 1  # type: ignore[operator]
            return _rewrite(response, body)
        return response

    return breakage


@pytest.mark.parametrize("op_id", sorted(DERIVED))
def test_each_derived_figure_is_recomputed(op_id: str) -> None:
    """On the mock every figure agrees; off by one, each present one fails naming itself."""
    op = API.operations[op_id]
    target = MockTarget(BeatPassMock(seed=4, rate_limits=False))
    with Session(target) as session:
        ex = session.send(Draft(op, DERIVED[op_id], {}), "token")
        assert ex.status == op.success_status
        assert run_checks(session.ctx, ex) == []
        present = [d.figure for d in op.derived if _at(ex.body, d.figure) is not None]
    assert present, f"no derived figure of {op_id} in the mock's answer"
    for figure in present:
        with Session(BrokenTarget(shifted(op_id, figure))) as session:
            ex = session.send(Draft(op, DERIVED[op_id], {}), "token")
            failures = [f for f in run_checks(session.ctx, ex) if f.check != "no_server_error"]
        assert [f.check for f in failures] == ["derived_figure_agreement"], figure
        assert f"{figure} = " in failures[0].expected
        assert figure in failures[0].observed


def test_a_derived_figure_answered_as_null_disagrees_but_one_left_out_does_not() -> None:
    """``null`` is no sum of anything: a playlist whose tracks are known lasts some time."""

    def length(change: Callable[[dict[str, Any]], None]) -> Breakage:
        def breakage(request: httpx.Request, response: httpx.Response) -> httpx.Response:
            if request.url.path.endswith("/playlists/1"):
                body = response.json()
                change(body["playlist"])
                return _rewrite(response, body)
            return response

        return breakage

    op = API.operations["playlists.show"]
    for change, failing in (
        (lambda shown: shown.update(totalDuration=None), ["derived_figure_agreement"]),
        (lambda shown: shown.pop("totalDuration"), []),
    ):
        with Session(BrokenTarget(length(change))) as session:
            ex = session.send(Draft(op, "/playlists/1", {}), "token")
            failures = run_checks(session.ctx, ex, ("derived_figure_agreement",))
        assert [f.check for f in failures] == failing
    assert "totalDuration" not in ex.body["playlist"]


def test_a_derived_figure_failure_shows_both_values_and_the_reads() -> None:
    with Session(BrokenTarget(one_track_too_many)) as session:
        op = API.operations["artist.profile.show"]
        (failure,) = run_checks(
            session.ctx, session.send(Draft(op, "/artist/profile", {}), "token")
        )
    assert failure.check == "derived_figure_agreement"
    assert failure.expected.startswith("data.total_tracks = 4, the count of pagination of ")
    assert "artists.tracks.list (GET /artists/1/tracks?perPage=100)" in failure.expected
    assert failure.observed == "data.total_tracks = 5"


def test_live_the_derivations_are_judged_only_when_asked() -> None:
    """Live (no facts), a figure may move between two reads: the check stays quiet unless
    ``derivations_live`` asks for it."""
    with Session(BrokenTarget(one_track_too_many)) as session:
        session.ctx.facts = None
        ex = session.send(
            Draft(API.operations["artist.profile.show"], "/artist/profile", {}), "token"
        )
        assert run_checks(session.ctx, ex, ("derived_figure_agreement",)) == []
        session.ctx.derivations_live = True
        assert run_checks(session.ctx, ex, ("derived_figure_agreement",))


def test_a_sum_walks_every_page_of_its_read() -> None:
    """The profile's plays, summed over the artist's tracks two per page: every page is read."""
    op = API.operations["artist.profile.show"]
    plays = next(d for d in op.derived if d.figure == "data.total_plays")
    paged = replace(op, derived=(replace(plays, query=(("perPage", "2"),)),))

    def plays_plus_one(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        if request.url.path.endswith("/artist/profile"):
            body["data"]["total_plays"] += 1
        return _rewrite(response, body)

    for target, wrong in (
        (MockTarget(BeatPassMock(seed=4, rate_limits=False)), False),
        (BrokenTarget(plays_plus_one), True),
    ):
        with Session(target) as session:
            ex = session.send(Draft(paged, "/artist/profile", {}), "token")
            found = disagreement(API, ex, session.read, lambda path: True)
        assert (found is not None) == wrong
    assert found is not None
    assert found.reads == (
        "GET /artists/1/tracks?perPage=2",
        "GET /artists/1/tracks?perPage=2&page=2",
    )


#: Playlists become another user's private ones (user 35's), but for the last one when
#: LAST_READABLE: a draw of any other for playlists.tracks.list is refused by a rule (and the
#: simplest draws, which Hypothesis tries first, are the first ids).
PRIVATE_PLAYLISTS = """
import pytest
from contract_tests import MockTarget
from mockserver import BeatPassMock


@pytest.fixture
def beatpass_target():
    mock = BeatPassMock(seed=1, rate_limits=False)
    playlists = mock.records("Playlist")
    for playlist in playlists:
        if LAST_READABLE and playlist is playlists[-1]:
            playlist.update(public=True)
        else:
            playlist.update(public=False, _owner=35, _editors=[])
    return MockTarget(mock)
"""


@pytest.mark.parametrize("readable", [True, False], ids=["last-readable", "none-readable"])
def test_a_page_walk_draws_again_only_when_a_rule_explains_the_refusal(
    pytester: pytest.Pytester, readable: bool
) -> None:
    """Another user's private playlist is refused with a 403 the acceptance rules explain: a
    draw of one has no pages to walk, and the walk draws again. When no draw can be walked,
    the walk fails (Hypothesis: unable to satisfy), it does not pass."""
    pytester.makeconftest(f"LAST_READABLE = {readable}\n" + PRIVATE_PLAYLISTS)
    result = pytester.runpytest(
        "--pyargs",
        "contract_tests.suite.test_pagination",
        "-k",
        "playlists.tracks.list",
        "-p",
        "no:randomly",
        "--beatpass-min-success",
        "0",
    )
    outcomes = result.parseoutcomes()
    if readable:
        assert outcomes.get("passed") == 1, outcomes
        assert "failed" not in outcomes, outcomes
    else:
        assert outcomes.get("failed") == 1, outcomes
        result.stdout.fnmatch_lines(["*Unable to satisfy assumptions*"])


def test_a_write_sent_by_another_client_makes_comparisons_afresh() -> None:
    """A precondition's write, or a test's own, goes through a client of its own, not through
    the session: the target's facts still show the world moved, and every comparison is made
    again (a figure judged before the write is not taken as judged after it)."""
    mock = BeatPassMock(seed=4, rate_limits=False)
    with Session(MockTarget(mock)) as session:
        assert not _compared(session.ctx, ("derived", "playlists.show", "token", "1"))
        assert _compared(session.ctx, ("derived", "playlists.show", "token", "1"))
        with httpx.Client(base_url=str(mock.base_url), transport=mock.transport) as other:
            added = other.post("/playlists", json={"name": "Late"}, headers=mock.auth_headers())
        assert added.status_code in (200, 201)
        assert session.ctx.writes == 0  # not sent by the session...
        assert not _compared(session.ctx, ("derived", "playlists.show", "token", "1"))  # ...seen


def test_the_reads_for_another_callers_answer_are_sent_as_that_caller() -> None:
    """An answer sent with another user's token is compared with that user's reads: user 2's
    unread count against user 2's conversations, not the session caller's (whose count
    differs here, so a read as the wrong caller would fail the check)."""
    mock = BeatPassMock(seed=6, rate_limits=False)
    peer = mock.issue_token(2)
    conversation = next(c for c in mock.records("Conversation") if c["_members"] == [1, 2])
    with Session(MockTarget(mock)) as session:
        send = Draft(
            API.operations["messaging.messages.create"],
            "/messaging/messages",
            {},
            {"conversation_id": conversation["id"], "message_text": "hello"},
        )
        assert session.send(send, "token").status == 201  # user 2 has a message unread now
        count = Draft(API.operations["messaging.unread_count.show"], "/messaging/unread-count")
        mine = session.send(count, "token").body["data"]["unread_count"]
        theirs = session.send(count, "token", token=peer)
        assert theirs.body["data"]["unread_count"] != mine
        session.check(theirs, ("derived_figure_agreement",))  # raises the failure, if any
        read, _ = mock.requests[-1]
        assert read.url.path.endswith("/messaging/conversations")
        assert read.headers["authorization"] == f"Bearer {peer}"


def stuck_remaining(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """Rate-limit headers that never move: every answer says 298 left."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "x-ratelimit-remaining"}
    headers["X-RateLimit-Remaining"] = "298"
    return httpx.Response(response.status_code, content=response.content, headers=headers)


def test_a_rate_limit_counter_that_never_moves_fails() -> None:
    """Each request counts in its window: the second answer of an operation to one caller
    in the same window shows fewer requests left. The mock's do; a stuck counter's do not,
    and neither anonymous answers nor another operation's are compared with the caller's."""
    op = API.operations["artists.show"]
    checks = ("rate_limit_headers_present",)
    for target, failing in (
        (MockTarget(BeatPassMock(seed=4, rate_limits=False)), []),
        (BrokenTarget(stuck_remaining), [[], [], [], ["rate_limit_headers_present"]]),
    ):
        with Session(target) as session:
            seen = [
                [x.check for x in run_checks(session.ctx, session.send(draft, tier), checks)]
                for draft, tier in (
                    (Draft(op, "/artists/2"), "token"),
                    (Draft(op, "/artists/3"), "public"),  # another caller's counter
                    (Draft(API.operations["tracks.show"], "/tracks/1"), "token"),
                    (Draft(op, "/artists/3"), "token"),  # the same counter, spent once more
                )
            ]
            assert seen == (failing or [[]] * 4)
        failure = run_checks(session.ctx, session.send(Draft(op, "/artists/4"), "token"), checks)
        if failing:
            assert "Remaining below 298" in failure[0].expected
            assert failure[0].observed == "298"


def test_a_spent_counter_and_a_new_window_are_not_a_counter_that_never_moves() -> None:
    """Nothing left stays nothing left (a target not enforcing its limits answers on), and a
    new window (another Reset) starts its count again; a count that rose in one window fails."""
    with Session(MockTarget(BeatPassMock(seed=4, rate_limits=False))) as session:
        ex = session.send(Draft(API.operations["artists.show"], "/artists/2"), "token")
    reset, left = (int(ex.response.headers[h]) for h in RATE_HEADERS[2:0:-1])
    assert left > 1
    checks, key = ("rate_limit_headers_present",), ("artists.show", "token", "")
    for before, failing in (
        ((reset, 0), []),  # none left before: none left now is no failure
        ((reset - 60, 1), []),  # the last window's figure
        ((reset, 1), ["rate_limit_headers_present"]),  # one left, then more in the same window
    ):
        ctx = CheckContext(API)
        ctx.remaining[key] = before
        assert [x.check for x in run_checks(ctx, ex, checks)] == failing


def test_other_callers_counters_are_kept_for_a_few_callers_only() -> None:
    """Bad tokens are drawn by the hundred: a session keeps the rate-limit counters of a few
    other callers at a time, never one per token it ever sent."""
    op = API.operations["artists.show"]
    with Session(MockTarget(BeatPassMock(seed=4, rate_limits=False))) as session:
        session.check(
            session.send(Draft(op, "/artists/2"), "token"), ("rate_limit_headers_present",)
        )
        for n in range(40):
            ex = session.send(Draft(op, "/artists/2"), "token", token=f"bad-token-{n}")
            session.check(ex, ("status_code_conformance", "rate_limit_headers_present"))
        callers = {key[2] for key in session.ctx.remaining}
        assert "" in callers  # the session's own caller is never forgotten
        assert len(callers) <= 9
