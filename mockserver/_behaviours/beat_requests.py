"""Beat requests (beat-requests.mdx): a request costs the tokens of its duration tier from a
monthly allowance (429 when short); producers submit tracks they own to open requests (not
their own, a limited number each, never the same track twice; 410 once expired); only the
owner deletes (tokens refunded) or renews, and only after expiry, within the renewal window.
Every figure is a rule of the spec (``beat_requests.*``)."""

from __future__ import annotations

import datetime
import math

from .. import _facts
from .._store import Record
from .._validation import RequestError
from ._call import Call, behaviour
from ._generic import generic, owned_list

DAY = 86_400


def _month(call: Call) -> tuple[float, float]:
    """The allowance's month around now: from the last reset (the rule's day of the month,
    00:00 UTC) to the next one, as mock-clock seconds."""
    day = int(call.rule("beat_requests.allowance_reset_day"))
    now = datetime.datetime.fromtimestamp(call.now, datetime.timezone.utc)
    year, month = (now.year, now.month) if now.day >= day else _shift(now.year, now.month, -1)
    start = datetime.datetime(year, month, day, tzinfo=datetime.timezone.utc)
    end = datetime.datetime(*_shift(year, month, 1), day, tzinfo=datetime.timezone.utc)
    return start.timestamp(), end.timestamp()


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _tokens_used(call: Call) -> int:
    """Tokens the caller spent since the allowance last reset (it is monthly)."""
    start, _ = _month(call)
    spent = call.store.edges["beat_request_tokens"]
    return sum(n for (user, n, at, _) in spent if user == call.user_id and at >= start)


def tier_cost(call: Call, hours: int) -> int | None:
    """The tokens a request of ``hours`` costs, or None when no duration tier has that length."""
    tiers = call.rule("beat_requests.duration_tiers")
    return next((int(t["tokens"]) for t in tiers if t["hours"] == hours), None)


def _short_message(title: str, hours: int, cost: int, left: int) -> str:
    """The 429's message: the catalogue's title, in the Create Request example's words
    where the docs give them (an allowance partly left, a new request)."""
    if left <= 0:
        return "No tokens remaining."
    if title == "Insufficient tokens":
        have = f"{left} token" if left == 1 else f"{left} tokens"
        return f"You need {cost} tokens for a {hours}-hour request, but you only have {have}."
    return f"{title}: {cost} needed, {left} left."


def _spend(call: Call, hours: int, title: str, request_id: str) -> None:
    cost = tier_cost(call, hours)
    if cost is None:
        raise call.fail(400, "Invalid duration.")
    left = int(call.rule("beat_requests.monthly_tokens")) - _tokens_used(call)
    if left < cost:
        wait = math.ceil(_month(call)[1] - call.now)  # the allowance comes back whole then
        raise RequestError(429, _short_message(title, hours, cost, left), retry_after=wait)
    spends = call.store.edges["beat_request_tokens"]
    spends.add((call.user_id, cost, call.now, f"{request_id}#{len(spends)}"))


def _expiry(call: Call, record: Record, hours: int) -> None:
    record["_expires"] = call.now + hours * 3600
    record["expires_at"] = call.iso(hours)
    record["duration_hours"] = hours
    record["hours_remaining"] = float(hours)
    record["time_remaining"] = f"{hours}h 0m"


def _expired(call: Call, record: Record) -> bool:
    return call.now >= float(record.get("_expires", 0.0))


@behaviour("beat_requests.create")
def _create_request(call: Call) -> int:
    hours = int(
        call.body_get("duration_hours") or call.rule("beat_requests.default_duration_hours")
    )
    request_id = call.store.new_id("BeatRequest")
    _spend(call, hours, "Insufficient tokens", request_id)
    user = call.store.get("User", call.user_id) or {"display_name": "you"}
    record: Record = {
        "id": request_id,
        "model_type": "beat_request",
        "content": call.body_get("content"),
        "user_id": call.user_id,
        "user_name": user["display_name"],
        "reference_track": call.body_get("reference_track"),
        "genre": call.body_get("genre") or "",
        "bpm_range": call.body_get("bpm_range") or "",
        "mood": call.body_get("mood") or "",
        "budget": call.body_get("budget") or "",
        "_owner": call.user_id,
    }
    if call.body_get("key"):
        record["key"] = call.body_get("key")
    _expiry(call, record, hours)
    call.store.add("BeatRequest", record)
    call.ctx.records["BeatRequest"] = record
    for key in ("id", "content", "expires_at", "time_remaining", "hours_remaining"):
        call.ctx.values[f"data.{key}"] = record[key]
    call.ctx.values["message"] = f"Beat request created successfully! Active for {hours} hours."
    _allowance_values(call, "token_info")
    plan = call.rule("beat_requests.plan")
    call.ctx.values["token_info.tokens_spent"] = tier_cost(call, hours)
    call.ctx.values["token_info.plan_type"] = plan["type"]
    call.ctx.values["token_info.plan_name"] = plan["name"]
    return call.success


def _own_request(call: Call) -> Record:
    record = call.record("BeatRequest")
    if record.get("_owner") != call.user_id:
        raise call.fail(403, "Not request owner.")
    return record


@behaviour("beat_requests.delete")
def _delete_request(call: Call) -> int:
    record = _own_request(call)
    call.store.delete("BeatRequest", record["id"])
    # beat-requests.mdx: the tokens spent on a deleted request are refunded.
    spends = call.store.edges["beat_request_tokens"]
    for spend in [s for s in spends if str(s[3]).split("#")[0] == str(record["id"])]:
        spends.discard(spend)
    call.ctx.values["message"] = "Beat request deleted; its tokens were refunded."
    return call.success


@behaviour("beat_requests.renew")
def _renew(call: Call) -> int:
    record = _own_request(call)
    if not _expired(call, record):
        raise call.fail(409, "Request still active.")
    if call.now - record.get("_expires", 0) > call.rule("beat_requests.renewal_window_days") * DAY:
        raise call.fail(410, "Renewal window expired.")
    hours = int(record.get("duration_hours") or call.rule("beat_requests.default_duration_hours"))
    _spend(call, hours, "No token for renewal", record["id"])
    _expiry(call, record, hours)
    call.store.touch()
    return call.success


@behaviour("beat_requests.fulfill")
def _fulfill(call: Call) -> int:
    request = call.record("BeatRequest")
    if _expired(call, request):
        raise call.fail(410, "Request expired.")
    if request.get("_owner") == call.user_id:
        raise call.fail(403, "Self-submission blocked.")
    track = call.body_record("Track", "track_id")
    if call.user_id not in (call.store.owners(track) or ()):
        raise call.fail(403, "Not track owner.")
    mine = [
        s
        for s in call.store.all("Submission")
        if s.get("beat_request_id") == request["id"] and s.get("user_id") == call.user_id
    ]
    if any(s.get("track_id") == track["id"] for s in mine):
        raise call.fail(409, "Duplicate submission.")
    limit = int(call.rule("beat_requests.max_submissions_per_producer"))
    if len(mine) >= limit:
        raise call.fail(
            422,
            "Submission limit reached.",
            {"track_id": [f"At most {limit} tracks per producer per request."]},
        )
    submission = call.store.add(
        "Submission",
        {
            "model_type": "submission",
            "beat_request_id": request["id"],
            "track_id": track["id"],
            "user_id": call.user_id,
            "track": track["id"],
            "created_at": call.iso(),
            "_owner": call.user_id,
        },
    )
    call.ctx.records["Submission"] = submission
    return call.success


@behaviour("beat_requests.submissions.list")
def _submissions(call: Call) -> int:
    request = call.record("BeatRequest")
    call.ctx.collections["Submission"] = [
        s for s in call.store.all("Submission") if s.get("beat_request_id") == request["id"]
    ]
    return call.success


def _allowance_values(call: Call, where: str) -> None:
    """The token allowance as the body reports it (rate-limit status, token_info)."""
    used = _tokens_used(call)
    allowance = int(call.rule("beat_requests.monthly_tokens"))
    reset = _month(call)[1]
    for key, value in {
        "tokens_remaining": max(allowance - used, 0),
        "monthly_limit": allowance,
        "used_this_month": used,
        "reset_date": _facts.iso(reset)[:10],
        # Whole days left, as the example counts them (16 from Jan 15 14:30 to Feb 1).
        "days_until_reset": max(0, math.floor((reset - call.now) / DAY)),
    }.items():
        call.ctx.values[f"{where}.{key}"] = value


@behaviour("beat_requests.user.rate_limit_status.show")
def _token_status(call: Call) -> int:
    _allowance_values(call, "data")
    return call.success


@behaviour("beat_requests.list")
def _active(call: Call) -> int:
    """The marketplace: requests that have not expired."""
    active = [r for r in call.store.all("BeatRequest") if not _expired(call, r)]
    call.ctx.collections["BeatRequest"] = active
    call.ctx.values["count"] = len(active)
    return call.success


@behaviour("beat_requests.statistics.show")
def _statistics(call: Call) -> int:
    requests = call.store.all("BeatRequest")
    submissions = call.store.all("Submission")
    answered = {s.get("beat_request_id") for s in submissions}
    call.ctx.values["data"] = {
        "total_requests": len(requests),
        "active_requests": sum(not _expired(call, r) for r in requests),
        "fulfilled_requests": sum(r["id"] in answered for r in requests),
        "total_submissions": len(submissions),
    }
    return call.success


@behaviour("beat_requests.duration_tiers.list")
def _tiers(call: Call) -> int:
    call.ctx.values["data"] = call.rule("beat_requests.duration_tiers")
    return call.success


owned_list("BeatRequest", "beat_requests.user.my_requests.list")
owned_list("Submission", "beat_requests.user.my_tracks.list")


# A request by its id; a view is an analytics event (recorded, never sent).
behaviour("beat_requests.show", "beat_requests.track_view")(generic)
