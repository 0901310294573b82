"""Contract failures, named after the defect they report.

Each is an ``AssertionError`` (pytest shows it as a test failure) and a ``ContractError``. The
message reads like a bug report: the check, the operation, the request with the token
redacted, what the contract expects and what was observed.
"""

from __future__ import annotations

from spec import ContractFailure


class CheckFailure(ContractFailure):
    """Base of the failures raised by registered checks."""

    title = "Contract violated"

    def __init__(
        self, check: str, operation: str, request: str, expected: str, observed: str
    ) -> None:
        self.check = check
        self.operation = operation
        self.request = request
        self.expected = expected
        self.observed = observed
        super().__init__(self.report())

    def report(self) -> str:
        return (
            f"{self.title} [{self.check}]\n"
            f"  operation: {self.operation}\n"
            f"  request:   {self.request}\n"
            f"  expected:  {self.expected}\n"
            f"  observed:  {self.observed}"
        )

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str, str]]:  # picklable (xdist)
        return type(self), (self.check, self.operation, self.request, self.expected, self.observed)


class UndocumentedStatus(CheckFailure):
    title = "Undocumented status code"


class ServerError(CheckFailure):
    title = "Server error on a valid request"


class SchemaViolation(CheckFailure):
    title = "Response body does not match the schema"


class NotJson(CheckFailure):
    title = "Response is not JSON"


class MissingRateLimitHeaders(CheckFailure):
    title = "Rate-limit headers missing or inconsistent"


class TokenFieldLeaked(CheckFailure):
    title = "Token-tier field in an anonymous response"


class RichFieldsMissing(CheckFailure):
    title = "Token-tier response lacks promised fields"


class MalformedErrorBody(CheckFailure):
    title = "Error body is not in the documented format"


class MissingRetryAfter(CheckFailure):
    title = "429 without a usable Retry-After"


class InconsistentPagination(CheckFailure):
    title = "Pagination envelope is inconsistent"


class AuthNotEnforced(CheckFailure):
    title = "Authentication not enforced"


class WrongRejection(CheckFailure):
    title = "Invalid input not rejected as documented"


class WriteNotPersisted(CheckFailure):
    title = "A write did not persist"


class RateLimitNotEnforced(CheckFailure):
    title = "Rate limit not enforced"


class ValidRequestRefused(CheckFailure):
    title = "A valid request was refused"


class WrongRecord(CheckFailure):
    title = "The answer is about another record than the one requested"


class QueryNotHonoured(CheckFailure):
    title = "The answer does not honour its query"


class FactsDisagree(CheckFailure):
    title = "The same fact reads differently in two answers"


class DanglingReference(CheckFailure):
    title = "An answer names a record that does not exist"


class ListedButUnreadable(CheckFailure):
    title = "A record a list holds cannot be read on its own"


class DerivedFigureWrong(CheckFailure):
    title = "A derived figure disagrees with what it derives from"
