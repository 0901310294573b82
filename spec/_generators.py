"""The value generators a schema fragment may name with ``generator: NAME``.

A mock answer holds values from the store, the request, the spec's rules or a derivation over
the store. A value that truly has no source (a recommendation sentence, a contact email of a
record the docs never show) is drawn from a generator declared on its field, so that a reader
of the spec sees which values are invented and each one fits its domain: an email looks like an
email, money like the docs' ``"$245.50 USD"``, a month like ``YYYY-MM``.

The spec owns the names and what each promises; the mock implements them
(``mockserver._generate``), and a test checks that both sides hold the same names and that every
drawn value validates against the fragment that names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_DATE = r"^\d{4}-\d{2}-\d{2}$"
GENERATORS: Mapping[str, Mapping[str, Any]] = {
    "email": {"type": "string", "format": "email", "pattern": "@example\\.test$"},
    "url": {"type": "string", "format": "uri", "pattern": "^https://example\\.test/"},
    "image_url": {
        "type": "string",
        "format": "uri",
        "pattern": "^https://cdn\\.example\\.test/images/.+\\.jpg$",
    },
    "words": {"type": "string", "pattern": "^[A-Z][a-z]+ [A-Z][a-z]+$"},
    "sentence": {"type": "string", "pattern": "^[A-Z][a-z ]+\\.$"},
    "money_text": {"type": "string", "pattern": "^\\$\\d{1,3}(,\\d{3})*\\.\\d{2} [A-Z]{3}$"},
    "month": {"type": "string", "pattern": "^\\d{4}-(0[1-9]|1[0-2])$"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time", "pattern": "Z$"},
    "uuid": {"type": "string", "format": "uuid"},
    "slug": {"type": "string", "pattern": "^[a-z]+(-[a-z]+)+$"},
    "hex_color": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
    "price": {"type": "number", "minimum": 0.99, "maximum": 299.99},
    "bpm": {"type": "integer", "minimum": 40, "maximum": 250},
    "tally": {"type": "integer", "minimum": 0, "maximum": 5000},
    "musical_key": {"enum": ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]},
    "musical_scale": {"enum": ["major", "minor"]},
    "city": {"enum": ["Toronto", "Montreal", "Vancouver", "Atlanta", "London", "Lagos"]},
    "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
    "licensing_type": {"enum": ["non-exclusive", "exclusive", "free"]},
    "payout_status": {"enum": ["pending", "completed", "paid"]},
}
"""Generator name -> the JSON Schema of the values it promises. Time-valued generators (month,
date, datetime) also promise a value not after the mock clock's now. ``tally`` is for the seeded
value of a counter the store keeps (a track's plays): answers report the stored counter, never
a fresh draw."""
