"""Turn the raw request into typed parameters and a body, or into the documented error.

Path and query values arrive as text; they are coerced by their schema type, then checked with
the validators compiled from the spec. Failures become ``{message, errors: {field: [..]}}``
naming exactly the fields that failed, in Laravel's wording, which the real API uses.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from spec import Operation, Parameter, Schemas

MAX_BODY = 1_000_000
# ASCII digits only ("²" is no number), and at most 100 of them: the schemas set no maximum,
# so a huge page number is valid input, but thousands of digits are an attack, not a number.
_INT_RE = re.compile(r"^-?[0-9]{1,100}$")
_NUM_RE = re.compile(r"^-?[0-9]{1,100}(\.[0-9]{1,100})?$")


class RequestError(Exception):
    """The request cannot be served as sent; carries the status and the documented body."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: Mapping[str, list[str]] | None = None,
        *,
        retry_after: int = 0,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors) if errors else None
        self.retry_after = retry_after
        """For a 429 (a quota): seconds until it resets, sent in the body and as Retry-After."""

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors:
            out["errors"] = self.errors
        if self.status == 429:
            out["retry_after"] = self.retry_after
        return out


def _types(schema: Mapping[str, Any]) -> list[str]:
    kinds = schema.get("type")
    if kinds is None:
        return [t for b in schema.get("anyOf", ()) for t in _types(b)] or ["string"]
    return [kinds] if isinstance(kinds, str) else list(kinds)


def coerce(value: str | list[str], schema: Mapping[str, Any]) -> Any:
    """Text from a URL as the value its schema expects, when it reads as one."""
    kinds = _types(schema)
    if "array" in kinds:
        parts = value if isinstance(value, list) else [v for v in value.split(",") if v != ""]
        items = schema.get("items", {})
        return [coerce(p, items) if isinstance(items, Mapping) else p for p in parts]
    if isinstance(value, list):
        value = value[-1]
    if "integer" in kinds and _INT_RE.match(value):
        return int(value)
    if "number" in kinds and _NUM_RE.match(value):
        return float(value) if "." in value else int(value)
    if "boolean" in kinds and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if "null" in kinds and value in ("", "null"):
        return None
    return value


def _message(error: Any, field: str) -> str:
    label = field.replace("_", " ")
    kind, expected = error.validator, error.validator_value
    if kind == "required":
        return f"The {label} field is required."
    if kind == "type":
        names = [str(n) for n in (expected if isinstance(expected, list) else [expected])]
        return f"The {label} field must be {' or '.join(_ARTICLE.get(n, n) for n in names)}."
    if kind in ("enum", "const"):
        return f"The selected {label} is invalid."
    if kind == "minimum":
        return f"The {label} field must be at least {expected}."
    if kind == "maximum":
        return f"The {label} field must not be greater than {expected}."
    if kind == "minLength":
        return f"The {label} field must be at least {expected} characters."
    if kind == "maxLength":
        return f"The {label} field must not be greater than {expected} characters."
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return f"The {label} field must have {bound} {expected} items."
    if kind in ("pattern", "format"):
        return f"The {label} field format is invalid."
    if kind == "additionalProperties":
        return f"The {label} field is not allowed."
    return f"The {label} field is invalid."


_ARTICLE = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


def field_errors(schemas: Schemas, name: str, instance: Any) -> dict[str, list[str]]:
    """Validation errors keyed by the field that failed (dotted for nested fields)."""
    out: dict[str, list[str]] = {}
    for error in schemas.errors(name, instance):
        path = [str(p) for p in error.absolute_path]
        if error.validator == "required":
            missing = re.match(r"'([^']*)' is a required property", error.message)
            path.append(missing.group(1) if missing else "?")
        elif error.validator == "additionalProperties":
            extra = re.findall(r"'([^']*)'", error.message)
            path.append(extra[0] if extra else "?")
        field = ".".join(path) or "body"
        message = _message(error, path[-1] if path else "body")
        if message not in out.setdefault(field, []):
            out[field].append(message)
    return out


def read_params(
    op: Operation,
    schemas: Schemas,
    raw: Mapping[str, str | list[str]],
    params: tuple[Parameter, ...],
    part: str,
) -> dict[str, Any]:
    values = {p.name: coerce(raw[p.name], p.schema) for p in params if p.name in raw}
    if params:
        name = f"operations/{op.id}/{part}"
        # The same values always get the same verdict: validate each set once.
        key = ("params", name, repr(sorted(values.items())))
        errors = schemas.remember(key, lambda: field_errors(schemas, name, values))
        if errors:
            raise RequestError(422, _summary(errors), errors)
    for p in params:
        if p.name not in values and "default" in p.schema:
            values[p.name] = p.schema["default"]
    return values


class NotStrictJson(ValueError):
    """What Python's parser accepts and strict JSON does not: ``NaN``, ``Infinity``, a number
    too large for a double, an unpaired UTF-16 surrogate (``"\\ud800"``: not text; stored,
    it would be echoed to clients whose parsers refuse it, PHP's among them)."""


def _refuse_constant(name: str) -> Any:
    raise NotStrictJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotStrictJson(f"{text} is out of range for a number")
    return value


def parse_json(content: bytes) -> Any:
    """Strict JSON (RFC 8259): ``NaN``, ``Infinity``, numbers that overflow to infinity and
    unpaired surrogates are errors. Python's parser accepts them, and a stored infinity would
    make every later answer that shows it invalid JSON (``"price":Infinity``)."""
    text = content.decode("utf-8")
    value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    if "\\u" in text:  # only an escape can write a surrogate (UTF-8 cannot)
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise NotStrictJson("an unpaired UTF-16 surrogate is not text") from None
    return value


def read_body(op: Operation, schemas: Schemas, content: bytes, content_type: str) -> Any:
    """The JSON body, checked against the operation's body schema."""
    if op.body is None:
        return None
    if len(content) > MAX_BODY:
        raise RequestError(400, f"The request body is too large (limit {MAX_BODY} bytes).")
    if op.body.required and not content.strip():
        message = "The request body is required (a JSON object)."
        raise RequestError(422, message, {"body": [message]})
    data: Any = {}
    if content.strip():
        if content_type and "json" not in content_type.lower():
            raise RequestError(
                400, "The request body must be JSON (Content-Type: application/json)."
            )
        try:
            data = parse_json(content)
        except NotStrictJson as exc:
            raise RequestError(400, f"Malformed JSON in the request body: {exc}.") from None
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise RequestError(400, "Malformed JSON in the request body.") from None
    errors = field_errors(schemas, f"operations/{op.id}/body", data)
    if errors:
        refusal = _refusal(op.body.schema, errors)
        if refusal is not None:
            raise RequestError(refusal["status"], refusal["message"])
        raise RequestError(422, _summary(errors), errors)
    return data


def _refusal(schema: Mapping[str, Any], errors: Mapping[str, list[str]]) -> Any:
    """The documented refusal (``refusal: {status, message}`` on a body field) when the fields
    that failed all declare the same one: the beat-requests page answers an unknown duration
    with 400 "Invalid duration", not with the generic 422."""
    props = schema.get("properties", {})
    refusals = [props.get(field, {}).get("refusal") for field in errors]
    first = refusals[0]
    return first if first is not None and all(r == first for r in refusals) else None


def _summary(errors: Mapping[str, list[str]]) -> str:
    first = next(iter(errors.values()))[0]
    more = sum(len(v) for v in errors.values()) - 1
    return first if not more else f"{first} (and {more} more error{'s' if more > 1 else ''})"
