"""The pytest plugin as a user meets it: a project that only installs beatpass-contract."""

from __future__ import annotations

from typing import Any

import pytest

pytest_plugins = ["pytester"]

SIX_LINE_TEST = """
def test_track(beatpass_client, beatpass_mock):
    response = beatpass_client.get("/tracks/1")
    assert response.status_code == 200
    assert response.json()["track"]["id"] == 1
    assert beatpass_mock.routes["tracks.show"].called
"""


def test_fixture_in_a_throwaway_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=SIX_LINE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["beatpass-contract: target = offline mock (no network); profile = ci"]
    )


def test_marker_configures_the_mock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.beatpass_mock(seed=4, rate_limits=False, tokens=["t1"])
        def test_configured(beatpass_mock, beatpass_client):
            assert beatpass_mock.seed == 4
            assert beatpass_client.headers["Authorization"] == "Bearer t1"
            codes = {beatpass_client.get("/users/2/contact-info").status_code for _ in range(40)}
            assert codes == {200}

        @pytest.mark.beatpass_mock(faults=[{"status": 503, "operations": "tracks.show"}])
        def test_fault(beatpass_client):
            assert beatpass_client.get("/tracks/1").status_code == 503
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_marker_typo_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.beatpass_mock(sed=3)
        def test_typo(beatpass_mock):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*beatpass_mock marker: unknown option(s) sed; expected *seed*"])


def test_requests_to_other_hosts_fail_loudly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx, pytest
        from respx.models import AllMockedAssertionError

        def test_other_host(beatpass_mock):
            with pytest.raises(AllMockedAssertionError) as info:
                httpx.get("https://example.com/api")
            assert "example.com" in str(info.value)
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_async_clients_work(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, httpx

        def test_async(beatpass_mock):
            async def fetch():
                async with httpx.AsyncClient(base_url=str(beatpass_mock.base_url),
                                             headers=beatpass_mock.auth_headers()) as client:
                    return await client.get("/albums/1")
            response = asyncio.run(fetch())
            assert response.status_code == 200
            assert "plays" in response.json()["album"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_captured_side_effects(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_message_is_captured_not_sent(beatpass_client, beatpass_mock):
            r = beatpass_client.post("/messaging/conversations/start",
                                     json={"user_id": 5, "message_text": "hello there"})
            assert r.status_code == 201
            sent = [(m["to_user_id"], m["text"]) for m in beatpass_mock.outbox]
            assert sent == [(5, "hello there")]

        def test_purchase_is_recorded_as_a_charge(beatpass_client, beatpass_mock):
            track = next(t for t in beatpass_mock.records("Track")
                         if 1 not in t["artists"] and t["exclusive_status"] != "sold")
            r = beatpass_client.post(f"/tracks/{track['id']}/purchase/initiate")
            assert r.status_code == 200
            assert beatpass_mock.charges[0]["track_id"] == track["id"]
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_safe_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_each_worker_has_its_own_mock(beatpass_client, beatpass_mock, n):
            created = beatpass_client.post("/playlists", json={"name": f"p{n}"})
            assert created.status_code == 200
            mine = [p for p in beatpass_mock.records("Playlist") if p["name"] == f"p{n}"]
            assert len(mine) == 1
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)


MANY_PARAMETRIZED_PROPERTIES = """
import pytest
from hypothesis import strategies as st
from contract_tests import run_property

@pytest.mark.parametrize("n", range(1200))
def test_property_per_item(n):
    def holds(x):
        assert x + n >= n

    run_property(holds, x=st.integers(min_value=0))
"""


def test_parametrized_properties_survive_the_ci_profile(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With CI set, Hypothesis loads its "ci" profile; @given under a long parametrize then
    # ends in RecursionError (the plugin chains settings per item). run_property must not.
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(test_many=MANY_PARAMETRIZED_PROPERTIES)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1200)


def _draws_of_item(monkeypatch: pytest.MonkeyPatch, node: str) -> list[int]:
    from hypothesis import strategies as st

    from contract_tests import run_property, suite_settings

    monkeypatch.setenv("PYTEST_CURRENT_TEST", f"{node} (call)")
    seen: list[int] = []

    def record(x: int) -> None:
        seen.append(x)

    run_property(record, suite_settings(max_examples=5, derandomize=True), x=st.integers())
    return seen


def test_each_parametrized_item_has_its_own_reproducible_examples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under the derandomised ci profile, one item's draws repeat run after run, and two
    # items do not share one sequence (the plugin's per-item digest, kept by run_property).
    first = _draws_of_item(monkeypatch, "test_x.py::test_op[tracks.show]")
    other = _draws_of_item(monkeypatch, "test_x.py::test_op[albums.show]")
    assert _draws_of_item(monkeypatch, "test_x.py::test_op[tracks.show]") == first
    assert other != first


def test_run_property_reads_a_test_source_once_not_per_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hypothesis digests a test's source twice a run (seed and database key); inside a
    # parametrized test that is a millisecond per item. run_property digests each test
    # function once and hands Hypothesis the per-item digest, so Hypothesis reads none.
    import hypothesis.core
    from hypothesis import strategies as st

    from contract_tests import _profiles, run_property, suite_settings

    calls = {"hypothesis": 0, "ours": 0}

    def counting(name: str, real: Any) -> Any:
        def digest(function: Any) -> bytes:
            calls[name] += 1
            return real(function)  # type: ignore[no-any-return]

        return digest

    monkeypatch.setattr(
        hypothesis.core, "function_digest", counting("hypothesis", hypothesis.core.function_digest)
    )
    monkeypatch.setattr(_profiles, "function_digest", counting("ours", _profiles.function_digest))
    monkeypatch.setattr(_profiles, "_SOURCE_DIGESTS", {})
    for n in range(3):
        monkeypatch.setenv("PYTEST_CURRENT_TEST", f"test_x.py::test_op[{n}] (call)")

        def holds(x: int) -> None:
            assert x >= 0

        run_property(holds, suite_settings(max_examples=2), x=st.integers(min_value=0))
    assert calls == {"hypothesis": 0, "ours": 1}


FREEZE_PROBE = """
import gc


def test_on_a_fixture(beatpass_mock):
    print("frozen in a test on our fixtures:", gc.get_freeze_count() > 0)


def test_plain():
    print("frozen in a plain test:", gc.get_freeze_count() > 0)
"""

PLAIN_PROBE = """
import gc


def test_plain():
    print("frozen in a plain test:", gc.get_freeze_count() > 0)
"""


@pytest.mark.parametrize(
    ("tests", "options", "frozen"),
    [
        pytest.param(FREEZE_PROBE, (), True, id="uses-our-fixtures"),
        pytest.param(FREEZE_PROBE, ("--beatpass-no-gc-freeze",), False, id="opted-out"),
        pytest.param(PLAIN_PROBE, (), False, id="uses-none"),
    ],
)
def test_a_run_on_our_fixtures_freezes_its_collected_heap(
    pytester: pytest.Pytester, tests: str, options: tuple[str, ...], frozen: bool
) -> None:
    """Once collected, a run that uses our fixtures moves what is alive out of the collector's
    full passes (contract_tests._heap); a run that uses none, or opts out, is left alone."""
    pytester.makepyfile(tests)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", *options)
    result.stdout.fnmatch_lines([f"*frozen in a plain test: {frozen}*"])
    if "beatpass_mock" in tests:
        result.stdout.fnmatch_lines([f"*frozen in a test on our fixtures: {frozen}*"])


def test_the_heap_is_frozen_without_its_garbage_and_thawed_after() -> None:
    import gc
    import weakref

    from contract_tests._heap import freeze, thaw

    was_frozen = gc.get_freeze_count() > 0  # this run's own freeze, given back at the end
    gc.unfreeze()

    class Node:
        pass

    garbage = Node()
    garbage.cycle = garbage  # type: ignore[attr-defined]
    gone = weakref.ref(garbage)
    del garbage
    try:
        assert freeze() is True
        assert gone() is None  # collected before the freeze, not frozen with the living
        assert gc.get_freeze_count() > 0
        assert freeze() is False  # a freeze in place (an enclosing session's) is its owner's
        thaw()
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
        if was_frozen:
            gc.freeze()


@pytest.mark.parametrize("share", ["90", "nan", "inf", "-1", "two"])
def test_a_min_success_share_outside_0_to_1_is_a_usage_error(
    pytester: pytest.Pytester, share: str
) -> None:
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    result = pytester.runpytest(f"--beatpass-min-success={share}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --beatpass-min-success:*(a share, 0..1*"])


@pytest.mark.parametrize("option", ["--beatpass-coverage", "--beatpass-report"])
def test_an_output_file_that_cannot_be_written_is_refused_before_the_run(
    pytester: pytest.Pytester, option: str
) -> None:
    """Found only when the run ends, it would lose the run's result to a traceback."""
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    blocker = pytester.path / "a-file"
    blocker.write_text("")
    for path, why in ((pytester.path, "is a directory"), (blocker / "r.json", "cannot make")):
        result = pytester.runpytest(f"{option}={path}")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([f"ERROR: {option} {path}: {why}*"])
        assert "passed" not in result.stdout.str()


def test_the_report_goes_where_its_path_was_checked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``~`` is expanded once, for the check and for the write alike."""
    monkeypatch.setenv("HOME", str(pytester.path / "home"))
    pytester.makepyfile(
        test_one="""
        import spec
        from contract_tests._requests import Draft

        def test_read(beatpass_session):
            op = spec.load().operations["tracks.show"]
            assert beatpass_session.exercise(Draft(op, "/tracks/1"), "token").status == 200
        """
    )
    result = pytester.runpytest("--beatpass-report=~/reports/drift.md", "-p", "no:randomly")
    assert result.ret == 0
    report = pytester.path / "home" / "reports" / "drift.md"
    assert report.read_text(encoding="utf-8").startswith("# BeatPass contract drift report")
