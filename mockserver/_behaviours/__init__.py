"""What each operation does, one module per docs reference page (as ``spec/api/`` is laid out):
``content``, ``social``, ``search``, ``messaging``, ``commerce``, ``beat_requests``,
``dashboard``, ``insights``, ``producer_intelligence`` and ``auth``. Importing this package
registers every behaviour; :func:`check_registry` holds the registry against the spec."""

from . import (  # noqa: F401 - importing a page registers its behaviours
    auth,
    beat_requests,
    commerce,
    content,
    dashboard,
    insights,
    messaging,
    producer_intelligence,
    search,
    social,
)
from ._call import BEHAVIOURS, FORBIDDEN, PAGES, Behaviour, Call, behaviour, check_registry
from ._generic import generic, owned_list

__all__ = [
    "BEHAVIOURS",
    "FORBIDDEN",
    "PAGES",
    "Behaviour",
    "Call",
    "behaviour",
    "check_registry",
    "generic",
    "owned_list",
]
