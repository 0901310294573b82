"""The exception tree of beatpass-contract.

Every error the suite raises on purpose descends from one root, so a caller can catch the
whole family in one clause::

    ContractError
    ├── SpecError (also ValueError)     the YAML spec is malformed; names file, line and key
    ├── LiveGuardError                  a live request was refused before anything was sent
    └── ContractFailure (also AssertionError)
                                        an API response broke the documented contract
"""

from __future__ import annotations

import enum


class ContractError(Exception):
    """Root of every error beatpass-contract raises on purpose."""


class SpecErrorKind(str, enum.Enum):
    """What kind of mistake a spec file holds; tests and tools match on this, not on text."""

    SYNTAX = "syntax"
    UNKNOWN_KEY = "unknown_key"
    MISSING_KEY = "missing_key"
    BAD_VALUE = "bad_value"
    UNDEFINED_REFERENCE = "undefined_reference"
    DUPLICATE = "duplicate"
    UNDECLARED_PATH_PARAMETER = "undeclared_path_parameter"
    UNDOCUMENTED_STATUS = "undocumented_status"
    INVALID_SCHEMA = "invalid_schema"
    MISSING_BEHAVIOUR = "missing_behaviour"
    IO = "io"


class SpecError(ContractError, ValueError):
    """A spec file is wrong. The message reads ``file:line: key: problem``."""

    def __init__(
        self,
        kind: SpecErrorKind,
        problem: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
    ) -> None:
        self.kind = kind
        self.problem = problem
        self.file = file
        self.line = line
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "<spec>"
        if self.line is not None:
            where += f":{self.line}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.problem}"


class LiveGuardError(ContractError):
    """A request to production was refused by the live guard; nothing was sent."""


class ContractFailure(ContractError, AssertionError):
    """A response broke the documented contract. Subclasses are named after the defect."""
