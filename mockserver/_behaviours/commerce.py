"""Commerce and licensing (commerce.mdx): the price of a track (base plus the platform fee
of ``commerce.platform_fee_rate``), a Stripe payment intent (recorded in ``charges``, never
charged), then a licence with a UUID that anyone can verify and its owner can revoke; licence
presets with one default per artist."""

from __future__ import annotations

import math
import uuid

from .. import _facts
from .._documents import pdf
from .._seed import for_sale_to, license_type_of, price_of
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
            "currency": call.rule("commerce.currency"),
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
    if not for_sale_to(call.store, track, call.user_id):
        raise call.fail(400, "Track not for sale.")
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
            "currency": call.rule("commerce.currency"),
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
    if track.get("licensing_type") == "exclusive":
        track["exclusive_status"] = "sold"  # one buyer only: the next one gets 410
    call.store.touch()
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
    granted = license_type_of(track)
    asked = call.body_get("license_type")
    if asked is not None and asked != granted:
        message = f"The purchase of this track grants a {granted} licence."
        raise call.fail(422, message, {"license_type": [message]})
    lic = _mine_for(call, "License", track) or call.store.add(
        "License",
        {
            "model_type": "license",
            "uuid": str(uuid.UUID(int=call.ctx.rng.getrandbits(128), version=4)),
            "track_id": track["id"],
            "license_type": granted,
            "usage_terms": call.body_get("usage_terms"),
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


def _licence_of(call: Call, track: Record) -> Record:
    """The caller's licence of ``track`` (a licence exists only after a purchase), or 404."""
    lic = _mine_for(call, "License", track)
    if lic is None:
        raise call.fail(404, "No licence of yours for this track.")
    call.ctx.records["License"] = lic
    return lic


@behaviour("tracks.license_certificate.show", "tracks.download_license_pdf")
def _certificate(call: Call) -> int:
    track = call.record("Track")
    lic = _licence_of(call, track)
    if call.op.id == "tracks.download_license_pdf":
        call.ctx.content = pdf(_certificate_lines(call, track, lic))
    return call.success


def _certificate_lines(call: Call, track: Record, lic: Record) -> list[str]:
    """The certificate's text: the licence as its JSON reads give it (no figure of its own)."""
    holder = call.store.get("User", lic.get("_owner")) or {}
    return [
        "BeatPass licence certificate",
        f"Licence {lic['id']} ({lic.get('uuid', '')})",
        f"Track: {track.get('name', '')} (id {track['id']})",
        f"Licence type: {lic['license_type']}",
        f"Licensee: {holder.get('display_name') or holder.get('name') or lic.get('_owner')}",
        f"Issued: {lic.get('created_at', '')}",
        f"Status: {'revoked' if lic.get('revoked') else 'valid'}",
    ]


@behaviour("tracks.check_licenses_batch")
def _check_batch(call: Call) -> int:
    ids = call.body_get("track_ids") or []
    unknown = [i for i in ids if call.store.get("Track", i) is None]
    if unknown:
        message = "The selected track ids are invalid."
        raise call.fail(422, message, {"track_ids": [f"Unknown track id {i}." for i in unknown]})
    held = {lic["track_id"] for lic in call.owned("License") if not lic.get("revoked")}
    call.ctx.values["licenses"] = [{"track_id": i, "has_license": i in held} for i in ids]
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


@behaviour("exclusive_license_presets.default_config.show")
def _default_config(call: Call) -> int:
    default = next((p for p in call.owned("LicensePreset") if p.get("is_default")), None)
    call.ctx.values["config"] = (
        {k: default.get(k) for k in ("price", "currency", "terms")} if default else {}
    )
    return call.success


behaviour(
    "exclusive_license_presets.create",
    "exclusive_license_presets.delete",
    "exclusive_license_presets.show",
    "exclusive_license_presets.update",
)(generic)


# -- coupons ----------------------------------------------------------------------------------


@behaviour("coupons.validate")
def _validate_coupon(call: Call) -> int:
    """A stored coupon (``commerce.coupons``) that has not expired; its discount on ``amount``:
    a percentage truncated to the cent, a fixed amount at most the amount itself."""
    code = str(call.body_get("code") or "").strip().upper()
    coupon = next((c for c in call.store.all("Coupon") if c["code"] == code), None)
    if coupon is None or coupon.get("_expired"):
        message = "Invalid or expired coupon code."
        raise call.fail(422, message, {"code": [message]})
    amount = float(call.body_get("amount") or 0.0)
    if coupon["type"] == "percentage":
        discount = math.floor(amount * float(coupon["amount"]) + 1e-9) / 100
    else:
        discount = min(float(coupon["amount"]), amount)
    discount = round(discount, 2)
    call.ctx.records["Coupon"] = coupon
    call.ctx.values.update(
        {
            "status": "success",
            "discount_amount": discount,
            "final_amount": round(amount - discount, 2),
            "savings": discount,
            "valid": True,
        }
    )
    return call.success


# -- the artist's money: sales and Stripe Connect ---------------------------------------------


def _my_artist(call: Call) -> Record:
    artist = _facts.artist_of(call.store, call.user_id)
    if artist is None:
        raise call.fail(403, "Only artists have sales.")
    return artist


def _earnings(call: Call, artist: Record) -> dict[str, float]:
    """What the artist earned, split into what is paid out and what is still pending (sales
    younger than ``commerce.payout_delay_days``)."""
    sales = _facts.sales_of(call.store, artist["id"])
    delay = float(call.rule("commerce.payout_delay_days")) * _facts.DAY
    pending = [p for p in sales if call.now - (_facts.moment(p["purchased_at"]) or 0.0) < delay]
    total = _facts.earned(sales)
    waiting = _facts.earned(pending)
    return {"total": total, "pending": waiting, "paid": round(total - waiting, 2)}


@behaviour("artist.sales.show")
def _sales(call: Call) -> int:
    artist = _my_artist(call)
    sales = _facts.sales_of(call.store, artist["id"])
    money = _earnings(call, artist)
    currency = call.rule("commerce.currency")
    call.ctx.values["data.earnings"] = {
        "total_sales": len(sales),
        "total_revenue": money["total"],
        "total_revenue_formatted": _facts.money_text(money["total"], currency),
        "pending_payout": money["pending"],
        "paid_out": money["paid"],
        "currency": currency,
    }
    recent = sorted(sales, key=lambda p: (p["purchased_at"], p["id"]), reverse=True)
    call.ctx.collections["Purchase"] = recent[:10]
    return call.success


@behaviour("artist.stripe_connect.status.show")
def _stripe_status(call: Call) -> int:
    connected = bool(_my_artist(call).get("_stripe_connected", True))
    call.ctx.values["account"] = {
        "connected": connected,
        "charges_enabled": connected,
        "payouts_enabled": connected,
        "details_submitted": connected,
    }
    return call.success


@behaviour("artist.stripe_connect.onboard")
def _onboard(call: Call) -> int:
    """The onboarding link of the caller's artist (Stripe's flow cannot run offline: the mock
    counts the account as connected once the link is made)."""
    artist = _my_artist(call)
    artist["_stripe_connected"] = True
    call.store.touch()
    call.ctx.values["url"] = f"https://connect.stripe.test/setup/acct_mock_{artist['id']:06d}"
    return call.success


@behaviour("artist.stripe_connect.finances.show")
def _finances(call: Call) -> int:
    artist = _my_artist(call)
    money = _earnings(call, artist)
    currency = call.rule("commerce.currency")
    # Paid out automatically after the delay, so nothing waits in the available balance.
    balance = {"available": 0.0, "pending": money["pending"], "currency": currency}
    call.ctx.values["balance"] = balance
    call.ctx.values["transactions"] = [
        {"id": f"txn_{p['id']:06d}", **_facts.earning(p)}
        for p in sorted(
            _facts.sales_of(call.store, artist["id"]),
            key=lambda p: (p["purchased_at"], p["id"]),
            reverse=True,
        )
    ]
    return call.success
