"""The loaded spec as typed, immutable values.

These classes carry no behaviour beyond small derived properties: the loader builds them, the
compiler turns them into JSON Schemas, and the mock and the contract tests read them. Nothing
downstream redefines a field, a status or a limit; it asks these objects.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._compile import Schemas

Source = Literal["documented", "inferred"]
Auth = Literal["none", "optional", "required"]
Tier = Literal["public", "token"]
SideEffect = Literal["none", "data", "event", "read_like", "charge", "publish", "message"]
Schema = Mapping[str, Any]

_PARAM_RE = re.compile(r"\{([^}/]+)\}")
_TIERS: dict[str, tuple[Tier, ...]] = {
    "none": ("public",),
    "optional": ("public", "token"),
    "required": ("token",),
}


@dataclass(frozen=True)
class Location:
    """Where a value was written, so later checks can point at it."""

    file: str
    line: int | None


@dataclass(frozen=True)
class Parameter:
    name: str
    location: Literal["path", "query"]
    schema: Schema
    required: bool
    description: str = ""
    resource: str | None = None
    source: Source = "documented"
    note: str = ""
    resource_from: str | None = None
    """For an id whose resource another path parameter names (``/radio/{type}/{id}``)."""
    resource_by: tuple[tuple[str, str], ...] = ()
    """With ``resource_from``: each value of that parameter and the resource it names."""
    caps: str = ""
    """For a query parameter that bounds lists: the dotted path, in the success answer, of the
    list it caps, or of an object each of whose lists it caps (``limit`` of search caps every
    list under ``results``)."""
    selects: tuple[str, tuple[tuple[str, str], ...]] = ("", ())
    """For a query parameter whose comma-separated values choose parts of the answer: the
    dotted path of the object they choose in, and each value with the key it names there
    (``types=track,user`` -> ``results.tracks``, ``results.users``; no other key appears)."""


@dataclass(frozen=True)
class Body:
    required: bool
    schema: Schema
    content_type: str = "application/json"
    source: Source = "documented"
    note: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    description: str
    schema: Schema | None
    content_type: str = "application/json"
    source: Source = "documented"
    note: str = ""
    shared: bool = False
    """True when the response comes from policies.yaml ``global_responses``."""


@dataclass(frozen=True)
class CatalogEntry:
    status: int
    title: str
    area: str = ""
    cause: str = ""
    resolution: str = ""


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    section: str
    group: str
    title: str
    auth: Auth
    side_effect: SideEffect
    rate_limit: str
    path_params: tuple[Parameter, ...]
    query_params: tuple[Parameter, ...]
    body: Body | None
    responses: Mapping[int, Response]
    errors: tuple[CatalogEntry, ...] = ()
    resource: str | None = None
    auth_source: Source = "documented"
    source: Source = "documented"
    note: str = ""
    location: Location = field(default=Location("<spec>", None), compare=False)
    derived: tuple[Derivation, ...] = ()
    """Figures of the success answer that the docs derive from others (``derived:``)."""

    @property
    def read_only(self) -> bool:
        """Only GET (and HEAD) are safe to send to production."""
        return self.method in ("GET", "HEAD")

    @property
    def tiers(self) -> tuple[Tier, ...]:
        """The access tiers a caller can meet on this operation."""
        return _TIERS[self.auth]

    @property
    def statuses(self) -> tuple[int, ...]:
        return tuple(sorted(self.responses))

    @functools.cached_property
    def success_status(self) -> int:
        """The documented success (the lowest 2xx): read on every answer, worked out once."""
        return min(s for s in self.responses if s < 300)

    @functools.cached_property
    def path_template_names(self) -> tuple[str, ...]:
        return tuple(_PARAM_RE.findall(self.path))


How = Literal["count", "sum", "equals", "add", "product"]


@dataclass(frozen=True)
class Derivation:
    """A figure of an operation's success answer that the docs derive from other figures (a
    profile's track count is the number of its tracks), so that a check can recompute it.

    Paths are dotted keys into a body (``data.total_tracks``). The source is this same answer,
    or the success answer of the documented read ``read`` sent with path parameters ``params``
    (each a dotted path into this answer, or ``{name}``: this request's path parameter) and the
    constant query ``query``. ``how`` is one of :data:`HOWS`."""

    figure: str
    how: How
    of: tuple[str, ...]
    field: str = ""
    """For ``sum``: the field of each item that is added up."""
    read: str = ""
    params: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    rule: str = ""
    """For ``product``: the rule whose value multiplies the source figure."""
    source: Source = "documented"
    doc: str = ""
    note: str = ""
    location: Location = dataclasses.field(default=Location("<spec>", None), compare=False)


#: The derivations a spec can state, and what each says of the figure.
HOWS: Mapping[str, str] = {
    "count": "the number of items of the list at `of` (a pagination envelope counts its total)",
    "sum": "the sum of `field` over the items of the list at `of` (every page of an envelope)",
    "equals": "the value at `of`",
    "add": "the sum of the values at the paths of `of`, to the cent",
    "product": "the value at `of` times the value of `rule`, rounded to the cent",
}


@dataclass(frozen=True)
class Field:
    name: str
    schema: Schema
    tier: Literal["public", "public_optional", "token"] = "token"
    required: bool = True
    source: Source = "documented"
    description: str = ""
    relative: bool = False
    """The value depends on whom the answer is about (an achievement's ``unlocked`` for the
    artist a list is of, or for the caller), so two reads of one record may rightly differ
    on it: the checks that compare two reads leave it out."""


@dataclass(frozen=True)
class Resource:
    name: str
    fields: Mapping[str, Field]
    hidden: tuple[str, ...] = ()
    source: Source = "documented"
    description: str = ""
    note: str = ""

    @cached_property  # the checks read these for every record of every answer
    def public_fields(self) -> tuple[str, ...]:
        """Fields an anonymous caller always gets."""
        return tuple(n for n, f in self.fields.items() if f.tier == "public")

    @cached_property
    def public_optional_fields(self) -> tuple[str, ...]:
        return tuple(n for n, f in self.fields.items() if f.tier == "public_optional")

    @cached_property
    def token_fields(self) -> tuple[str, ...]:
        """Fields that only a valid token unlocks (never in the public tier)."""
        return tuple(n for n, f in self.fields.items() if f.tier == "token")

    @cached_property
    def required_token_fields(self) -> tuple[str, ...]:
        """The token-tier fields every token-tier record carries, in name order."""
        return tuple(sorted(n for n in self.token_fields if self.fields[n].required))


@dataclass(frozen=True)
class RateLimitCategory:
    name: str
    limit: int
    description: str = ""
    source: Source = "documented"
    note: str = ""


@dataclass(frozen=True)
class SharedResponse:
    """A status that every operation of some kind can return (policies ``global_responses``)."""

    status: int
    description: str
    schema: Schema
    applies_to: Literal["all", "token", "body"]
    """every operation; those that can take a token (auth optional/required); those with a body"""
    source: Source = "documented"
    note: str = ""


@dataclass(frozen=True)
class Policies:
    base_url: str
    token_lifetime_days: int
    window_seconds: int
    global_limit: int
    categories: Mapping[str, RateLimitCategory]
    pagination: Schema
    shared_responses: tuple[SharedResponse, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class StatusInfo:
    code: int
    meaning: str
    action: str = ""
    source: Source = "documented"


@dataclass(frozen=True)
class Errors:
    bodies: Mapping[str, Schema]
    statuses: Mapping[int, StatusInfo]
    catalog: tuple[CatalogEntry, ...]


@dataclass(frozen=True)
class Rule:
    """A business rule or a piece of reference data the docs state (a duration tier's token
    cost, the platform fee, the export formats), as one checked value that the mock, the state
    machines and the tests all read, so that none of them repeats it as a constant."""

    name: str
    value: Any
    source: Source = "documented"
    doc: str = ""
    """The docs page that states it."""
    note: str = ""
    location: Location = field(default=Location("<spec>", None), compare=False)


class Spec:
    """The whole loaded, checked spec. Build it with :func:`spec.load` or :func:`spec.loads`."""

    def __init__(
        self,
        operations: Mapping[str, Operation],
        resources: Mapping[str, Resource],
        policies: Policies,
        errors: Errors,
        rules: Mapping[str, Rule] | None = None,
    ) -> None:
        self.operations = operations
        self.resources = resources
        self.policies = policies
        self.errors = errors
        self.rules: Mapping[str, Rule] = rules or {}

    def rule(self, name: str) -> Any:
        """The value of a rule; an unknown name is a KeyError with a "did you mean"."""
        try:
            return self.rules[name].value
        except KeyError:
            import difflib

            hint = difflib.get_close_matches(name, list(self.rules), n=1)
            tip = f"; did you mean {hint[0]!r}?" if hint else ""
            raise KeyError(f"the spec has no rule {name!r}{tip}") from None

    def __repr__(self) -> str:
        return f"<Spec {len(self.operations)} operations, {len(self.resources)} resources>"

    @functools.cached_property
    def schemas(self) -> Schemas:
        """The JSON Schemas compiled from this spec (built once, on first use)."""
        from ._compile import compile_schemas

        return compile_schemas(self)
