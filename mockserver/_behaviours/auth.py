"""Auth (openapi.json only): register creates a user, login checks the password; both answer
the user and a Bearer token issued through the mock's own :class:`TokenStore`, so the token
acts as that user in process and in the served sandbox alike. Seeded users sign in with
``auth.seeded_email`` and ``auth.seeded_password`` (rules of the spec)."""

from __future__ import annotations

from .._facts import user_by_email
from .._store import Record
from ._call import Call, behaviour

INVALID = "Invalid credentials."


def _credentials(call: Call) -> tuple[str, str]:
    email, password = call.body_get("email"), call.body_get("password")
    errors = {
        key: [f"The {key} field is required."]
        for key, value in (("email", email), ("password", password))
        if not isinstance(value, str) or not value.strip()
    }
    if errors:
        raise call.fail(422, next(iter(errors.values()))[0], errors)
    return str(email).strip(), str(password)


def _signed_in(call: Call, user: Record) -> int:
    call.ctx.records["User"] = user
    if call.tokens is not None:
        call.ctx.values["access_token"] = call.tokens.issue(user["id"])
    return call.success


@behaviour("auth.register")
def _register(call: Call) -> int:
    email, password = _credentials(call)
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain):
        message = "The email must be a valid email address."
        raise call.fail(422, message, {"email": [message]})
    if user_by_email(call.store, email) is not None:
        message = "The email has already been taken."
        raise call.fail(422, message, {"email": [message]})
    user = call.store.add(
        "User",
        {
            "display_name": local,
            "model_type": "user",
            "avatar": None,
            "_email": email,
            "_password": password,
        },
    )
    return _signed_in(call, user)


@behaviour("auth.login")
def _login(call: Call) -> int:
    email, password = _credentials(call)
    user = user_by_email(call.store, email)
    expected = None if user is None else user.get("_password", call.rule("auth.seeded_password"))
    if user is None or password != expected:
        raise call.fail(401, INVALID)
    return _signed_in(call, user)
