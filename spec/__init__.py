"""The BeatPass API spec: load it, check it, compile it to JSON Schemas.

>>> import spec
>>> api = spec.load()
>>> api.operations["tracks.show"].path
'/tracks/{id}'
>>> api.schemas.validator("resources/Track.public")  # doctest: +ELLIPSIS
<...>
"""

from ._compile import Schemas, compile_schemas
from ._errors import ContractError, ContractFailure, LiveGuardError, SpecError, SpecErrorKind
from ._generators import GENERATORS
from ._loader import SPEC_DIR, from_dict, load, loads
from ._model import (
    HOWS,
    Body,
    CatalogEntry,
    Derivation,
    Errors,
    Field,
    Operation,
    Parameter,
    Policies,
    RateLimitCategory,
    Resource,
    Response,
    Rule,
    SharedResponse,
    Spec,
    StatusInfo,
    Tier,
)

__all__ = [
    "GENERATORS",
    "HOWS",
    "SPEC_DIR",
    "Body",
    "CatalogEntry",
    "ContractError",
    "ContractFailure",
    "Derivation",
    "Errors",
    "Field",
    "LiveGuardError",
    "Operation",
    "Parameter",
    "Policies",
    "RateLimitCategory",
    "Resource",
    "Response",
    "Rule",
    "Schemas",
    "SharedResponse",
    "Spec",
    "SpecError",
    "SpecErrorKind",
    "StatusInfo",
    "Tier",
    "compile_schemas",
    "from_dict",
    "load",
    "loads",
]
