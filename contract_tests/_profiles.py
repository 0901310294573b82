"""Hypothesis profiles for the contract suite, chosen once per run.

``ci``: derandomised and bounded (the whole offline suite well under 5 minutes on 2 cores);
``dev``: more examples, random, for exploring; ``live``: a couple of examples per operation and
no shrinking, because every example against production is a real request.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import InvalidArgument
from hypothesis.internal.reflection import function_digest
from hypothesis.strategies import SearchStrategy

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
}
PROFILES: dict[str, dict[str, Any]] = {
    "ci": {**_COMMON, "max_examples": 8, "derandomize": True},
    "dev": {**_COMMON, "max_examples": 40, "derandomize": False},  # even where CI is set
    "live": {
        **_COMMON,
        "max_examples": 2,
        "derandomize": True,
        "phases": [Phase.explicit, Phase.generate],
    },
}
ENV = "BEATPASS_PROFILE"
_active: list[str | None] = [None]  # None: not chosen yet, read from the environment on use


def _known(name: str, given_as: str = "") -> str:
    if name not in PROFILES:
        where = f"{given_as}: " if given_as else ""
        raise ValueError(f"{where}unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return name


def resolve(
    explicit: str | None = None, *, hypothesis: str | None = None, live: bool = False
) -> str:
    """The profile a run uses, and a ValueError for an unknown name however it was given.

    ``--beatpass-profile`` wins; then ``--hypothesis-profile`` when it names one of ours (the
    Hypothesis option users already know); then ``$BEATPASS_PROFILE``; then ``live`` for a live
    run, else ``ci``. A ``--hypothesis-profile`` of the user's own (not ours) leaves the
    suite's choice alone: it configures the user's tests.
    """
    if explicit is not None:
        return _known(explicit, f"--beatpass-profile {explicit}")
    if hypothesis in PROFILES:
        return hypothesis
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        return _known(from_env, f"{ENV}={from_env}")
    return "live" if live else "ci"


def activate(name: str) -> None:
    _active[0] = _known(name)


def active() -> str:
    name = _active[0]
    if name is None:
        name = _active[0] = resolve()
    return name


def register_with_hypothesis() -> None:
    """Register ``dev`` and ``live`` as Hypothesis profiles, so ``--hypothesis-profile dev``
    selects ours instead of ending in Hypothesis's "not registered" error.

    A profile the user registered under the same name is kept. ``ci`` is Hypothesis's own and
    is left as it is: Hypothesis loads it by itself on CI servers, for the user's tests too,
    and re-registering the active profile would change those tests' settings.
    """
    for name, values in PROFILES.items():
        if name == "ci":
            continue
        try:
            settings.get_profile(name)
        except InvalidArgument:
            settings.register_profile(name, **values)


def suite_settings(**overrides: Any) -> settings:
    """The active profile as a ``@settings`` decorator (overrides win)."""
    return settings(**{**PROFILES[active()], **overrides})


def stateful_settings(**overrides: Any) -> settings:
    """The active profile for a state machine. Under ``ci`` it does not shrink: each step of a
    machine reads its records back, so shrinking a failing run takes Hypothesis's full five
    minutes per machine, while the failure already names the check, the operation, expected and
    observed. ``dev`` shrinks to the shortest sequence."""
    if active() == "ci":
        overrides = {"phases": [Phase.explicit, Phase.reuse, Phase.generate], **overrides}
    return suite_settings(**overrides)


def run_property(
    test: Callable[..., None],
    settings_: settings | None = None,
    /,
    **strategies: SearchStrategy[Any],
) -> None:
    """Run ``test`` now as a Hypothesis property over ``strategies`` (active profile by default).

    Use it inside a ``@pytest.mark.parametrize``d test instead of stacking ``@given`` on it.
    Hypothesis's pytest plugin re-wraps a parametrized ``@given`` function's settings once per
    item (``settings(parent=previous, ...)``), so a test with hundreds of parameters builds a
    settings chain hundreds deep in each worker: every settings lookup walks it, and with the
    ``ci`` profile that Hypothesis loads when ``CI`` is set, deep chains end in RecursionError.
    A fresh property per call keeps every chain one level deep.

    Each call is keyed by the running test's node id, as the plugin keys parametrized items:
    every item gets its own derandomised seed and its own example-database entries.
    """
    chosen = settings_ if settings_ is not None else suite_settings()
    prop: Any = given(**strategies)(test)
    node = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    # Hypothesis reads a test's source to make its digest (the seed under derandomize, the
    # database key), twice a run: a millisecond each, more than a contract example costs. The
    # source is read once per test function here (before the item's digest is attached), and
    # the per-item digest given to Hypothesis as its own ``find`` and ``@seed`` give theirs.
    source = _source_digest(test)
    # The attribute Hypothesis's own pytest plugin sets for the same purpose (kept: it is
    # Hypothesis's digest wherever ours is not read).
    prop.hypothesis.inner_test._hypothesis_internal_add_digest = node.encode()
    key = hashlib.sha384(source + node.encode()).digest()
    prop._hypothesis_internal_database_key = key
    if chosen.derandomize:
        prop._hypothesis_internal_use_seed = int.from_bytes(key, "big")
    chosen(prop)()


_SOURCE_DIGESTS: dict[object, bytes] = {}


def _source_digest(test: Callable[..., None]) -> bytes:
    """Hypothesis's digest of a test function's source and signature, per code object (a
    property defined inside a parametrized test is a new function per item, one code)."""
    # Bounded by the program's test functions (one code object each, however many items);
    # never cleared, so a digest never depends on which item ran first.
    code = getattr(test, "__code__", test)
    digest = _SOURCE_DIGESTS.get(code)
    if digest is None:
        digest = _SOURCE_DIGESTS[code] = function_digest(test)
    return digest
