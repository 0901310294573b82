"""Contract tests for the BeatPass API: checks, properties, targets and the command line.

The suite runs offline against the mock by default; ``beatpass-contract verify`` runs it on the
installed package. Write your own properties with the same pieces::

    from contract_tests import suite_settings
"""

from ._checks import CHECKS, CheckContext, check
from ._exchange import Exchange
from ._failures import CheckFailure
from ._profiles import PROFILES, run_property, suite_settings
from ._session import Session
from ._target import MockTarget, Target

__all__ = [
    "CHECKS",
    "PROFILES",
    "CheckContext",
    "CheckFailure",
    "Exchange",
    "MockTarget",
    "Session",
    "Target",
    "check",
    "run_property",
    "suite_settings",
]
