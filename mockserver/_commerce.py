"""Behaviours of the commerce flows: beat requests, purchases and licences.

beat-requests.mdx and the error catalogue: a request costs 1/2/3 tokens for 24/48/72 hours from
a monthly allowance (429 when short); producers submit tracks they own to open requests (not
their own, at most 5 each, never the same track twice; 410 once expired); only the owner
deletes or renews, and only after expiry. commerce.mdx: price, then a Stripe payment intent
(recorded in ``charges``, never charged), then a licence with a UUID that anyone can verify.
"""

from __future__ import annotations

import uuid

from ._behaviours import (
    BEAT_REQUEST_TOKENS,
    FORBIDDEN,
    TOKENS_BY_DURATION,
    Call,
    behaviour,
    owned_list,
)
from ._seed import price_of
from ._store import Record
from ._validation import RequestError

MAX_SUBMISSIONS = 5
ALLOWANCE_PERIOD = 30 * 86_400
RENEWAL_WINDOW = 30 * 86_400


def _tokens_used(call: Call) -> int:
    """Tokens the caller spent in the last 30 days (the allowance is monthly)."""
    spent = call.store.edges["beat_request_tokens"]
    return sum(
        n for (user, n, at, _) in spent if user == call.user_id and call.now - at < ALLOWANCE_PERIOD
    )


def _spend(call: Call, hours: int, title: str, request_id: str) -> None:
    cost = TOKENS_BY_DURATION[hours]
    left = BEAT_REQUEST_TOKENS - _tokens_used(call)
    if left < cost:
        spent = [
            at
            for (user, _, at, _) in call.store.edges["beat_request_tokens"]
            if user == call.user_id
        ]
        wait = int(min(spent, default=call.now) + ALLOWANCE_PERIOD - call.now) if spent else 0
        message = "No tokens remaining." if left <= 0 else f"{title}: {cost} needed, {left} left."
        raise RequestError(429, message, retry_after=max(wait, 0))
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
    hours = int(call.body_get("duration_hours") or 24)
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
    _allowance_values(call, "token_info")
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
    return call.success


@behaviour("beat_requests.renew")
def _renew(call: Call) -> int:
    record = _own_request(call)
    if not _expired(call, record):
        raise call.fail(409, "Request still active.")
    if call.now - record.get("_expires", 0) > RENEWAL_WINDOW:
        raise call.fail(410, "Renewal window expired.")
    hours = int(record.get("duration_hours") or 24)
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
    if len(mine) >= MAX_SUBMISSIONS:
        raise call.fail(
            422,
            "Submission limit reached.",
            {"track_id": ["At most 5 tracks per producer per request."]},
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
    for key, value in {
        "tokens_remaining": max(BEAT_REQUEST_TOKENS - used, 0),
        "monthly_limit": BEAT_REQUEST_TOKENS,
        "used_this_month": used,
        "tokens_spent": used,
    }.items():
        call.ctx.values[f"{where}.{key}"] = value


@behaviour("beat_requests.user.rate_limit_status.show")
def _token_status(call: Call) -> int:
    _allowance_values(call, "data")
    return call.success


# -- purchases and licences -------------------------------------------------------------------


def _mine_for(call: Call, resource: str, track: Record) -> Record | None:
    """The caller's purchase (or licence) of ``track``, if any."""
    return next((r for r in call.owned(resource) if r.get("track_id") == track["id"]), None)


@behaviour("tracks.purchase.calculate_price")
def _calculate(call: Call) -> int:
    track = call.record("Track")
    base, fee = price_of(track)
    call.ctx.values.update(
        {
            "base_price": base,
            "platform_fee": fee,
            "total_price": round(base + fee, 2),
            "currency": track.get("currency") or "USD",
        }
    )
    return call.success


@behaviour("tracks.purchase.initiate")
def _initiate(call: Call) -> int:
    track = call.record("Track")
    if call.user_id in (call.store.owners(track) or ()):
        raise call.fail(
            422, "Cannot purchase own track.", {"track": ["You cannot purchase your own track."]}
        )
    if _mine_for(call, "Purchase", track) is not None:
        raise call.fail(409, "Already purchased.")
    if track.get("exclusive_status") == "sold":
        raise call.fail(410, "Exclusive already sold.")
    base, fee = price_of(track)
    purchase = call.store.add(
        "Purchase",
        {
            "model_type": "purchase",
            "track_id": track["id"],
            "track_name": track["name"],
            "artist_amount": base,
            "platform_fee": fee,
            "total_amount": round(base + fee, 2),
            "status": "completed",
            "purchased_at": call.iso(),
            "currency": track.get("currency") or "USD",
            "_owner": call.user_id,
        },
    )
    secret = f"pi_mock_{purchase['id']:06d}_secret_{uuid.UUID(int=purchase['id']).hex[:12]}"
    call.note_side_effect(
        track_id=track["id"],
        amount=purchase["total_amount"],
        currency=purchase["currency"],
        purchase_id=purchase["id"],
    )
    call.ctx.values.update({"client_secret": secret, "purchase_id": purchase["id"]})
    return call.success


@behaviour("tracks.purchase.status.show")
def _purchase_status(call: Call) -> int:
    purchase = _mine_for(call, "Purchase", call.record("Track"))
    call.ctx.values.update(
        {
            "purchased": purchase is not None,
            "purchase": {"id": purchase["id"], "status": purchase["status"]} if purchase else None,
        }
    )
    return call.success


@behaviour("tracks.generate_license")
def _generate(call: Call) -> int:
    track = call.record("Track")
    if _mine_for(call, "Purchase", track) is None:
        raise call.fail(403, "Purchase the track before generating its licence.")
    lic = _mine_for(call, "License", track) or call.store.add(
        "License",
        {
            "model_type": "license",
            "uuid": str(uuid.UUID(int=call.ctx.rng.getrandbits(128), version=4)),
            "track_id": track["id"],
            "license_type": call.body_get("license_type") or "non-exclusive",
            "usage_terms": call.body_get("usage_terms") or "standard",
            "created_at": call.iso(),
            "revoked": False,
            "_owner": call.user_id,
        },
    )
    call.ctx.records["License"] = lic
    call.ctx.values.update(
        {
            "license.uuid": lic["uuid"],
            "license.track_id": track["id"],
            "license.license_type": lic["license_type"],
        }
    )
    return call.success


@behaviour("tracks.check_license")
def _check(call: Call) -> int:
    lic = _mine_for(call, "License", call.record("Track"))
    call.ctx.values["has_license"] = lic is not None and not lic.get("revoked")
    return call.success


@behaviour("licenses.verify")
def _verify(call: Call) -> int:
    call.ctx.values["valid"] = not call.record("License").get("revoked")
    return call.success


@behaviour("licenses.revoke")
def _revoke(call: Call) -> int:
    lic = call.record("License")
    if lic.get("_owner") != call.user_id:
        raise call.fail(403, FORBIDDEN)
    lic["revoked"] = True
    call.store.touch()
    return call.success


owned_list("BeatRequest", "beat_requests.user.my_requests.list")
owned_list("Submission", "beat_requests.user.my_tracks.list")
owned_list("Purchase", "purchases.list")
owned_list("License", "user.licenses.list")


# -- exclusive licence presets ----------------------------------------------------------------


def _make_default(call: Call, preset: Record) -> None:
    if preset.get("_owner") != call.user_id:
        raise call.fail(403, FORBIDDEN)
    for other in call.owned("LicensePreset"):
        other["is_default"] = other is preset
    call.ctx.records["LicensePreset"] = preset
    call.store.touch()


@behaviour("exclusive_license_presets.set_default")
def _set_default(call: Call) -> int:
    _make_default(call, call.record("LicensePreset"))
    return call.success


@behaviour("artist.exclusive_license_default.set")
def _set_artist_default(call: Call) -> int:
    _make_default(call, call.body_record("LicensePreset", "preset_id"))
    return call.success


@behaviour("artist.exclusive_license_default.show")
def _artist_default(call: Call) -> int:
    default = next((p for p in call.owned("LicensePreset") if p.get("is_default")), None)
    if default is None:
        call.ctx.values["preset"] = None
    else:
        call.ctx.records["LicensePreset"] = default
    return call.success


owned_list("LicensePreset", "exclusive_license_presets.list")
owned_list("Collection", "collections.user.list")
