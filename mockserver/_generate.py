"""Deterministic example values for spec schema fragments.

The mock answers every documented operation, and most have no stored state behind them
(analytics, charts, exports): their bodies are generated from the response schema with a
``random.Random`` seeded from the mock seed and the request, so the same request to the same
mock gives the same body, byte for byte, and every body validates against its schema.
"""

from __future__ import annotations

import datetime
import random
import string
import sys
import uuid
from collections.abc import Callable, Mapping
from typing import Any

if sys.version_info >= (3, 11):
    import re._parser as _sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

Fragment = Mapping[str, Any]
ResourceHook = Callable[[str, random.Random], Any]

_WORDS = (
    "midnight",
    "velvet",
    "echo",
    "neon",
    "drift",
    "lunar",
    "amber",
    "static",
    "golden",
    "hollow",
    "crystal",
    "shadow",
    "fever",
    "river",
    "signal",
    "ember",
    "pulse",
    "orbit",
    "willow",
    "cobalt",
    "sable",
    "vapor",
    "summit",
    "prism",
    "tidal",
)
_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)


def words(rng: random.Random, n: int = 2) -> str:
    return " ".join(rng.choice(_WORDS).capitalize() for _ in range(n))


def fresh_word(rng: random.Random, taken: set[str]) -> str:
    """A lower-case word not in ``taken``, added to it: the drawn word, else the next free one
    after it in the list. It costs one draw either way, so what is drawn after it stays put."""
    if len(taken) >= len(_WORDS):
        raise ValueError(f"only {len(_WORDS)} distinct words exist")
    start = _WORDS.index(rng.choice(_WORDS))
    word = next(
        w for i in range(len(_WORDS)) if (w := _WORDS[(start + i) % len(_WORDS)]) not in taken
    )
    taken.add(word)
    return word


def timestamp(rng: random.Random) -> str:
    moment = _EPOCH + datetime.timedelta(seconds=rng.randrange(0, 2 * 365 * 86_400))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_NAMED_TEXT: dict[str, tuple[str, ...]] = {
    "currency": ("USD", "CAD", "EUR"),
    "key": ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"),
    "scale": ("major", "minor"),
    "licensing_type": ("non-exclusive", "exclusive", "free"),
    "exclusive_status": ("available", "sold"),
    "status": ("active", "pending", "completed"),
    "country": ("CA", "US", "GB", "FR", "NG"),
    "city": ("Toronto", "Montreal", "Atlanta", "London", "Lagos"),
    "role": ("Producer", "Engineer", "Songwriter", "Mixer"),
}
_NAMED_INT: dict[str, tuple[int, int]] = {
    "bpm": (60, 180),
    "position": (0, 50),
    "depth": (0, 3),
    "xp": (0, 5000),
    "confidence_score": (90, 100),
    "duration_hours": (24, 72),
}


def _string(frag: Fragment, rng: random.Random, name: str) -> str:
    fmt = frag.get("format")
    if (
        fmt is None
        and "pattern" not in frag
        and "maxLength" not in frag
        and "minLength" not in frag
    ):
        if name in _NAMED_TEXT:
            return rng.choice(_NAMED_TEXT[name])
        if name.endswith("_date") or name == "date":
            fmt = "date"
        elif name.endswith("_at"):
            fmt = "date-time"
        elif name in ("website",):
            fmt = "uri"
    if fmt == "date":
        return timestamp(rng)[:10]
    if fmt == "date-time":
        return timestamp(rng)
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "email":
        return f"{rng.choice(_WORDS)}{rng.randrange(100)}@example.test"
    if fmt == "uri" or name in ("image", "url", "avatar", "image_small") or name.endswith("_url"):
        return f"https://cdn.example.test/{rng.choice(_WORDS)}/{rng.randrange(10_000)}.jpg"
    if "pattern" in frag:
        return _from_pattern(frag["pattern"], rng)
    lo, hi = frag.get("minLength", 0), frag.get("maxLength", 40)
    text = words(rng, 2 if name in ("name", "title", "display_name") else 3)
    if len(text) < lo:
        text = text + "x" * (lo - len(text))
    return text[:hi]


def _from_pattern(pattern: str, rng: random.Random) -> str:
    """A string matching ``pattern``, built from the parsed regular expression."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:
        return ""
    return "".join(_emit(parsed, rng))


def _emit(items: Any, rng: random.Random) -> list[str]:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append(rng.choice(string.ascii_lowercase))
        elif name == "IN":
            out.append(_from_class(arg, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            high = low + 2 if high == _sre_parse.MAXREPEAT or high > low + 2 else high
            for _ in range(rng.randint(low, max(low, high))):
                out.extend(_emit(sub, rng))
        elif name == "SUBPATTERN":
            out.extend(_emit(arg[-1], rng))
        elif name == "BRANCH":
            out.extend(_emit(rng.choice(arg[1]), rng))
    return out


def _from_class(items: Any, rng: random.Random) -> str:
    choices: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            choices.append(chr(arg))
        elif name == "RANGE":
            choices.extend(chr(c) for c in range(arg[0], arg[1] + 1))
        elif name == "CATEGORY":
            choices.extend(string.digits if "DIGIT" in str(arg) else string.ascii_lowercase)
    return rng.choice(choices) if choices else "a"


def _before(rng: random.Random, now: float) -> datetime.datetime:
    """A moment within the two years before ``now`` (the mock clock's), never after it."""
    end = datetime.datetime.fromtimestamp(now, datetime.timezone.utc) if now else _NOW_DEFAULT
    return end - datetime.timedelta(seconds=rng.randrange(0, 2 * 365 * 86_400))


_NOW_DEFAULT = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def _email(rng: random.Random, now: float) -> str:
    return f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}{rng.randrange(100)}@example.test"


def _sentence(rng: random.Random, now: float) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 9)))
    return text[0].upper() + text[1:] + "."


GENERATE: dict[str, Callable[[random.Random, float], Any]] = {
    "email": _email,
    "url": lambda rng, now: f"https://example.test/{rng.choice(_WORDS)}-{rng.randrange(10_000)}",
    "image_url": lambda rng, now: (
        f"https://cdn.example.test/images/{rng.choice(_WORDS)}-{rng.randrange(10_000)}.jpg"
    ),
    "words": lambda rng, now: words(rng, 2),
    "sentence": _sentence,
    "money_text": lambda rng, now: f"${rng.randrange(100, 100_000) / 100:.2f} USD",
    "month": lambda rng, now: _before(rng, now).strftime("%Y-%m"),
    "date": lambda rng, now: _before(rng, now).strftime("%Y-%m-%d"),
    "datetime": lambda rng, now: _before(rng, now).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "uuid": lambda rng, now: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "slug": lambda rng, now: f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}",
    "hex_color": lambda rng, now: f"#{rng.randrange(0x1000000):06x}",
    "price": lambda rng, now: rng.randrange(99, 30_000) / 100,
    "bpm": lambda rng, now: rng.randint(60, 180),
    "tally": lambda rng, now: rng.randint(0, 5000),
    "musical_key": lambda rng, now: rng.choice(_NAMED_TEXT["key"]),
    "musical_scale": lambda rng, now: rng.choice(("major", "minor")),
    "city": lambda rng, now: rng.choice(
        ("Toronto", "Montreal", "Vancouver", "Atlanta", "London", "Lagos")
    ),
    "country": lambda rng, now: rng.choice(("CA", "US", "GB", "FR", "NG")),
    "payout_status": lambda rng, now: rng.choice(("pending", "completed", "paid")),
    "licensing_type": lambda rng, now: rng.choice(
        ("non-exclusive", "non-exclusive", "exclusive", "free")
    ),
}
"""The mock's side of ``spec.GENERATORS``: name -> ``(rng, now) -> value``."""


def example(
    frag: Any,
    rng: random.Random,
    *,
    name: str = "",
    resource: ResourceHook | None = None,
    depth: int = 0,
    now: float = 0.0,
) -> Any:
    """A value valid for ``frag``. ``resource(name, rng)`` supplies ``{resource: X}`` spots;
    a fragment naming a ``generator`` gets that generator's value."""
    if frag is True or frag == {}:
        return words(rng, 1)
    if "generator" in frag:
        return GENERATE[frag["generator"]](rng, now)
    if "resource" in frag:
        if resource is None:
            raise ValueError("a resource hook is needed for resource fragments")
        return resource(frag["resource"], rng)
    if "const" in frag:
        return frag["const"]
    if "enum" in frag:
        return frag["enum"][rng.randrange(len(frag["enum"]))]
    if "anyOf" in frag:
        first = frag["anyOf"][0]
        if {"type", "properties", "required"} & set(frag):  # they hold for every branch
            rest = {k: v for k, v in frag.items() if k != "anyOf"}
            needed = [*rest.get("required", ()), *first.get("required", ())]
            # Branches naming only required fields are alternatives: send the first one alone.
            alone = {n for b in frag["anyOf"][1:] if set(b) <= {"required"} for n in b["required"]}
            fields = {**rest.get("properties", {}), **first.get("properties", {})}
            fields = {n: s for n, s in fields.items() if n not in alone}
            first = {**rest, **first, "properties": fields, "required": needed}
        return example(first, rng, name=name, resource=resource, depth=depth, now=now)
    if "default" in frag and rng.random() < 0.3:
        return frag["default"]
    types = frag.get("type", "object" if "properties" in frag else "string")
    kinds = [types] if isinstance(types, str) else [t for t in types if t != "null"] or ["null"]
    kind = kinds[0]
    if kind == "null":
        return None
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        if name in _NAMED_INT and "minimum" not in frag and "maximum" not in frag:
            return rng.randint(*_NAMED_INT[name])
        low = int(frag.get("minimum", 0))
        return rng.randint(low, int(frag.get("maximum", max(low + 5000, 5000))))
    if kind == "number":
        bottom = float(frag.get("minimum", 0.0))
        top = float(frag.get("maximum", max(bottom + 500.0, 500.0)))
        return min(max(round(rng.uniform(bottom, top), 2), bottom), top)
    if kind == "string":
        return _string(frag, rng, name)
    if kind == "array":
        lo = frag.get("minItems", 0)
        hi = frag.get("maxItems", max(lo, 3 if depth < 2 else lo))
        items = frag.get("items", {"type": "string"})
        out = [
            example(items, rng, name=name, resource=resource, depth=depth + 1, now=now)
            for _ in range(rng.randint(lo, hi))
        ]
        if frag.get("uniqueItems"):
            seen: list[Any] = []
            for item in out:
                if item not in seen:
                    seen.append(item)
            out = seen
        return out
    props: Mapping[str, Any] = frag.get("properties", {})
    required = set(frag.get("required", ()))
    obj = {}
    for key, sub in props.items():
        if sub is False or (key not in required and depth >= 3):
            continue
        obj[key] = example(sub, rng, name=key, resource=resource, depth=depth + 1, now=now)
    extra = frag.get("minProperties", 0) - len(obj)
    extra_schema = frag.get("additionalProperties", {"type": "string"})
    for i in range(max(extra, 0)):
        obj[f"field_{i}"] = example(
            extra_schema if isinstance(extra_schema, Mapping) else {}, rng, depth=depth + 1
        )
    return obj
