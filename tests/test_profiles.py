"""Hypothesis conventions as users of Hypothesis expect them, in throwaway projects.

Our profiles answer to ``--hypothesis-profile``, an unknown profile is a usage error however it
is chosen, and a project that only has the package installed sees nothing of the plugin.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

REPORTS_PROFILE = """
from hypothesis import settings

from contract_tests import _profiles


def test_profile():
    print("suite profile:", _profiles.active())
    print("hypothesis profile:", settings.get_current_profile_name())
    print("max_examples:", settings.default.max_examples)
"""


@pytest.fixture(autouse=True)
def _no_profile_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEATPASS_PROFILE", raising=False)


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", *args)


@pytest.mark.parametrize(("name", "examples"), [("dev", 40), ("live", 2)])
def test_hypothesis_profile_option_selects_ours(
    pytester: pytest.Pytester, name: str, examples: int
) -> None:
    pytester.makepyfile(test_it=REPORTS_PROFILE)
    result = _run(pytester, "--hypothesis-profile", name)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"*suite profile: {name}",
            f"hypothesis profile: {name}",
            f"max_examples: {examples}",
        ]
    )


def test_the_ci_name_keeps_hypothesis_own_ci_profile_for_the_users_tests(
    pytester: pytest.Pytester,
) -> None:
    """``ci`` is Hypothesis's (it loads it by itself on CI servers): selecting it runs our
    suite with our ``ci`` but leaves the user's own tests at Hypothesis's 100 examples."""
    pytester.makepyfile(test_it=REPORTS_PROFILE)
    result = _run(pytester, "--hypothesis-profile", "ci")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*suite profile: ci", "max_examples: 100"])


def test_beatpass_profile_wins_over_the_hypothesis_option_and_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_it=REPORTS_PROFILE)
    monkeypatch.setenv("BEATPASS_PROFILE", "live")
    _run(pytester).stdout.fnmatch_lines(["*suite profile: live"])
    result = _run(pytester, "--hypothesis-profile", "dev", "--beatpass-profile", "ci")
    result.stdout.fnmatch_lines(["*suite profile: ci"])


def test_a_users_own_profile_of_the_same_name_is_kept(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        'from hypothesis import settings\n\nsettings.register_profile("dev", max_examples=3)\n'
    )
    pytester.makepyfile(test_it=REPORTS_PROFILE)
    result = _run(pytester, "--hypothesis-profile", "dev")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*suite profile: dev", "max_examples: 3"])


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), "bogus", "ERROR: BEATPASS_PROFILE=bogus: unknown profile 'bogus'; choose one of *"),
        (
            ("--hypothesis-profile", "bogus"),
            None,
            "ERROR: --hypothesis-profile bogus: no Hypothesis profile of that name; *",
        ),
        (("--beatpass-profile", "bogus"), None, "*--beatpass-profile: invalid choice: 'bogus'*"),
    ],
    ids=["environment", "hypothesis-option", "beatpass-option"],
)
def test_an_unknown_profile_is_a_usage_error_however_it_is_chosen(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    env: str | None,
    message: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("BEATPASS_PROFILE", env)
    pytester.makepyfile(test_it=REPORTS_PROFILE)
    result = _run(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert "suite profile" not in result.stdout.str()  # nothing ran


def test_a_project_that_does_not_use_the_plugin_sees_nothing_of_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = _run(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert "beatpass" not in result.stdout.str().replace("beatpass-contract-", "")


def test_the_line_appears_once_a_test_uses_a_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="def test_plain():\n    assert True\n",
        test_uses="def test_uses(beatpass_client):\n"
        '    assert beatpass_client.get("/tracks/1").status_code == 200\n',
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["collected 2 items", "beatpass-contract: target = offline mock (no network); profile = ci"]
    )
