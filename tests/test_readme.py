"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _passes_in_a_throwaway_project(pytester: pytest.Pytester, pattern: str, passed: int) -> None:
    example = re.search(pattern, README, re.S)
    assert example is not None, f"the README lost the example matching {pattern!r}"
    pytester.makepyfile(test_example=example.group(1))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=passed)


def test_the_six_line_fixture_example_passes_in_a_throwaway_project(
    pytester: pytest.Pytester,
) -> None:
    _passes_in_a_throwaway_project(pytester, r"```python\n(def test_my_integration.*?)```", 1)


def test_the_mock_outside_pytest_example_runs() -> None:
    block = re.search(
        r"Outside pytest, or with an explicit transport:\n\n```python\n(.*?)```", README, re.S
    )
    assert block is not None
    exec(block.group(1), {})  # the README's own lines; they assert the 200 themselves


def test_the_fault_examples_are_valid_calls() -> None:
    from mockserver import BeatPassMock

    api = BeatPassMock()
    block = re.search(r"## Inject faults\n\n```python\n(.*?)```", README, re.S)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert lines[-1].startswith("api.faults.clear()")
    exec("\n".join(lines[:-1]), {"api": api})  # the README's own example lines
    assert len(api.faults) == len(lines) - 1
    exec(lines[-1], {"api": api})
    assert len(api.faults) == 0


def test_the_own_property_example_passes_in_a_throwaway_project(
    pytester: pytest.Pytester,
) -> None:
    pattern = r"```python\n(import pytest\n.*?def test_reads_of_held.*?)```"
    _passes_in_a_throwaway_project(pytester, pattern, 3)


def test_the_mock_user_is_who_the_readme_says() -> None:
    """The facts of "Who you are in the mock", read back from the seeded world."""
    from mockserver import BeatPassMock

    api = BeatPassMock(seed=0)
    section = README[README.index("### Who you are in the mock") :]
    section = section[: section.index("Configure it with a marker")]
    user, artist = api.store.get("User", 1), api.store.get("Artist", 1)
    assert user is not None
    assert artist is not None
    assert f'user 1**, "{user["display_name"]}"' in section
    assert f'artist 1**, "{artist["name"]}"' in section
    credited = sorted(t["id"] for t in api.owned("Track", 1))
    assert ", ".join(map(str, credited[:-1])) + f" and {credited[-1]}" in section
    bought = [p["id"] for p in api.owned("Purchase", 1)]
    assert f"buyer of {len(bought)} tracks (purchases {', '.join(map(str, bought))})" in section
    for_sale = [
        t["id"]
        for t in api.records("Track")
        if t["licensing_type"] != "free"
        and t.get("exclusive_status") != "sold"
        and 1 not in api.store.owners(t)
    ]
    first = ", ".join(map(str, for_sale[:4])) + f" and {for_sale[4]}"
    assert f"that is {len(for_sale)} tracks, the first being {first}" in section
    no_artist = sorted(set(range(1, 41)) - {a["_user"] for a in api.records("Artist")})
    assert (no_artist[0], no_artist[-1]) == (31, 40)
    me = api.client()
    assert me.post("/users/1/follow").json()["message"] == "You cannot follow yourself."
    own = me.post("/tracks/17/purchase/initiate").json()["message"]
    assert own == "Cannot purchase own track."
    codes = {c["code"]: c.get("_expired") for c in api.records("Coupon")}
    assert codes == {"SAVE20": False, "WELCOME10": False, "SPRING15": True}
