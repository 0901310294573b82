"""Commerce and licensing (commerce.mdx): the price of a track (base plus the platform fee
of ``commerce.platform_fee_rate``), a Stripe payment intent (recorded in ``charges``, never
charged), then a licence with a UUID that anyone can verify and its owner can revoke; licence
presets with one default per artist."""

from __future__ import annotations

import uuid

from .._seed import price_of
from .._store import Record
from ._call import FORBIDDEN, Call, behaviour
from ._generic import generic, owned_list


def _mine_for(call: Call, resource: str, track: Record) -> Record | None:
    """The caller's purchase (or licence) of ``track``, if any."""
    return next((r for r in call.owned(resource) if r.get("track_id") == track["id"]), None)


@behaviour("tracks.purchase.calculate_price")
def _calculate(call: Call) -> int:
    track = call.record("Track")
    base, fee = price_of(call.store.spec, track)
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
    base, fee = price_of(call.store.spec, track)
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


# By shape only, for now: these answers are not yet derived from the store (tests list them).
behaviour(
    "artist.sales.show",
    "artist.stripe_connect.finances.show",
    "artist.stripe_connect.onboard",
    "artist.stripe_connect.status.show",
    "coupons.validate",
    "exclusive_license_presets.create",
    "exclusive_license_presets.default_config.show",
    "exclusive_license_presets.delete",
    "exclusive_license_presets.show",
    "exclusive_license_presets.update",
    "tracks.check_licenses_batch",
    "tracks.download_license_pdf",
    "tracks.license_certificate.show",
)(generic)
