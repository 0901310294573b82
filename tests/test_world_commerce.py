"""Commerce as the docs describe it, in one consistent world: what a track costs, who may buy
it, what a purchase leaves behind (a charge, a sold exclusive, a licence), and the artist's
money read through every endpoint that reports it."""

from __future__ import annotations

import re

import httpx
import pytest

import spec
from mockserver import BeatPassMock

RULES = spec.load()


@pytest.fixture
def api() -> BeatPassMock:
    return BeatPassMock(seed=0)


def _buyer(api: BeatPassMock, user_id: int) -> httpx.Client:
    return api.client(token=api.issue_token(user_id))


def _track(api: BeatPassMock, kind: str, not_owned_by: int = 35) -> dict:  # type: ignore[type-arg]
    return next(
        t
        for t in api.records("Track")
        if t["licensing_type"] == kind
        and t.get("exclusive_status") != "sold"
        and not_owned_by not in api.store.owners(t)
    )


def test_an_exclusive_is_sold_once(api: BeatPassMock) -> None:
    track = _track(api, "exclusive")
    first, second = _buyer(api, 35), _buyer(api, 36)
    assert first.post(f"/tracks/{track['id']}/purchase/initiate").status_code == 200
    assert first.get(f"/tracks/{track['id']}").json()["track"]["exclusive_status"] == "sold"
    late = second.post(f"/tracks/{track['id']}/purchase/initiate")
    assert (late.status_code, late.json()["message"]) == (410, "Exclusive already sold.")
    assert [c["track_id"] for c in api.charges] == [track["id"]]


def test_a_free_track_is_not_for_sale(api: BeatPassMock) -> None:
    track = _track(api, "free")
    assert track["price"] is None
    answer = _buyer(api, 35).post(f"/tracks/{track['id']}/purchase/initiate")
    assert (answer.status_code, answer.json()["message"]) == (400, "Track not for sale.")
    assert api.charges == []


def test_the_price_is_base_plus_the_platform_fee(api: BeatPassMock) -> None:
    track = _track(api, "non-exclusive")
    price = _buyer(api, 35).post(f"/tracks/{track['id']}/purchase/calculate-price").json()
    rate = RULES.rule("commerce.platform_fee_rate")
    assert price["base_price"] == track["price"]
    assert price["platform_fee"] == round(track["price"] * rate, 2)
    assert price["total_price"] == round(price["base_price"] + price["platform_fee"], 2)
    assert price["currency"] == RULES.rule("commerce.currency")


def test_a_licence_certificate_exists_only_after_a_purchase(api: BeatPassMock) -> None:
    track = _track(api, "non-exclusive")
    buyer = _buyer(api, 35)
    tid = track["id"]
    assert buyer.get(f"/tracks/{tid}/license-certificate").status_code == 404
    batch = buyer.post("/tracks/check-licenses-batch", json={"track_ids": [tid]}).json()
    assert batch["licenses"] == [{"track_id": tid, "has_license": False}]
    buyer.post(f"/tracks/{tid}/purchase/initiate")
    made = buyer.post(f"/tracks/{tid}/generate-license", json={}).json()["license"]
    shown = buyer.get(f"/tracks/{tid}/license-certificate").json()["license"]
    assert (shown["uuid"], shown["track_id"], shown["license_type"]) == (
        made["uuid"],
        tid,
        "non-exclusive",
    )
    batch = buyer.post("/tracks/check-licenses-batch", json={"track_ids": [tid]}).json()
    assert batch["licenses"] == [{"track_id": tid, "has_license": True}]
    assert _buyer(api, 36).get(f"/tracks/{tid}/license-certificate").status_code == 404


def test_the_licence_pdf_shows_the_licence_the_certificate_reads(api: BeatPassMock) -> None:
    track = _track(api, "non-exclusive")
    buyer = _buyer(api, 35)
    tid = track["id"]
    assert buyer.get(f"/tracks/{tid}/download-license-pdf").status_code == 404
    buyer.post(f"/tracks/{tid}/purchase/initiate")
    buyer.post(f"/tracks/{tid}/generate-license", json={})
    shown = buyer.get(f"/tracks/{tid}/license-certificate").json()["license"]
    answer = buyer.get(f"/tracks/{tid}/download-license-pdf")
    assert answer.headers["content-type"].startswith("application/pdf")
    assert answer.content.startswith(b"%PDF-1.4")
    assert answer.content.endswith(b"%%EOF\n")
    lines = _pdf_lines(answer.content)
    me = api.store.get("User", 35)
    assert me is not None
    assert lines == [
        "BeatPass licence certificate",
        f"Licence {shown['id']} ({shown['uuid']})",
        f"Track: {track['name']} (id {tid})",
        "Licence type: non-exclusive",
        f"Licensee: {me['display_name']}",
        f"Issued: {shown['created_at']}",
        "Status: valid",
    ]
    assert buyer.post(f"/licenses/{shown['uuid']}/revoke").status_code == 200
    again = _pdf_lines(buyer.get(f"/tracks/{tid}/download-license-pdf").content)
    assert again[-1] == "Status: revoked"


def _pdf_lines(document: bytes) -> list[str]:
    """The text lines of the mock's one-page PDF (its string literals, unescaped)."""
    literals = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", document)
    return [re.sub(rb"\\(.)", rb"\1", raw).decode("latin-1") for raw in literals]


def test_a_licence_is_of_the_type_its_purchase_grants(api: BeatPassMock) -> None:
    track = _track(api, "non-exclusive")
    buyer = _buyer(api, 35)
    buyer.post(f"/tracks/{track['id']}/purchase/initiate")
    asked = {"license_type": "exclusive"}
    wrong = buyer.post(f"/tracks/{track['id']}/generate-license", json=asked)
    assert wrong.status_code == 422


@pytest.mark.parametrize(
    ("code", "amount", "discount"),
    [
        ("SAVE20", 29.98, 5.99),
        ("save20", 100, 20.0),
        ("WELCOME10", 5, 5.0),
        ("WELCOME10", 50, 10.0),
    ],
)
def test_a_coupon_discounts_as_its_type_says(
    api: BeatPassMock, code: str, amount: float, discount: float
) -> None:
    """SAVE20 on 29.98 is the docs' own example: 5.99 off, 23.99 to pay."""
    answer = api.client().post("/coupons/validate", json={"code": code, "amount": amount}).json()
    assert answer["coupon"]["code"] == code.upper()
    assert (answer["discount_amount"], answer["savings"]) == (discount, discount)
    assert answer["final_amount"] == round(amount - discount, 2)
    assert answer["valid"] is True


@pytest.mark.parametrize("code", ["SPRING15", "NOPE"])
def test_an_expired_or_unknown_coupon_is_refused(api: BeatPassMock, code: str) -> None:
    answer = api.client().post("/coupons/validate", json={"code": code, "amount": 10})
    assert answer.status_code == 422
    assert answer.json()["message"] == "Invalid or expired coupon code."


def test_the_artist_money_agrees_everywhere(api: BeatPassMock) -> None:
    """Sales, their total, the payout split and the Stripe balance restate the same purchases."""
    me = api.client()  # user 1, artist 1
    buyer = _buyer(api, 35)
    mine = next(t for t in api.records("Track") if t["artists"] == [1] and t["price"])
    buyer.post(f"/tracks/{mine['id']}/purchase/initiate")
    sales = me.get("/artist/sales").json()["data"]
    finances = me.get("/artist/stripe-connect/finances").json()
    tracks = {t["id"] for t in api.records("Track") if t["artists"][0] == 1}
    purchases = [p for p in api.records("Purchase") if p["track_id"] in tracks]
    earned = round(sum(p["artist_amount"] for p in purchases), 2)
    money = sales["earnings"]
    assert money["total_sales"] == len(purchases)
    assert money["total_revenue"] == earned
    assert money["total_revenue_formatted"] == f"${earned:,.2f} USD"
    assert round(money["pending_payout"] + money["paid_out"], 2) == earned
    assert money["pending_payout"] >= mine["price"]  # just sold: not paid out yet
    assert finances["balance"]["pending"] == money["pending_payout"]
    assert sorted(t["amount"] for t in finances["transactions"]) == sorted(
        p["artist_amount"] for p in purchases
    )
    assert {p["id"] for p in sales["recent_purchases"]} <= {p["id"] for p in purchases}


def _money(api: BeatPassMock, user_id: int) -> tuple[float, float, int, float]:
    """An artist's revenue, pending balance, ledger length and subscription estimate."""
    me = _buyer(api, user_id)
    return (
        me.get("/artist/sales").json()["data"]["earnings"]["total_revenue"],
        me.get("/artist/stripe-connect/finances").json()["balance"]["pending"],
        me.get("/artist/unified-transactions").json()["pagination"]["total"],
        me.get("/producer/earnings").json()["earnings"]["estimated_earnings"],
    )


def test_a_co_credited_sale_is_the_first_credited_artists_alone(api: BeatPassMock) -> None:
    """A track credited to several artists sells once: its artist amount is counted once,
    for its first credited artist (``commerce.sale_earner``), in every read of their money."""
    assert RULES.rule("commerce.sale_earner") == "first_credited"
    users = {a["id"]: a["_user"] for a in api.records("Artist") if "_user" in a}
    track = next(
        t
        for t in api.records("Track")
        if len(t["artists"]) > 1
        and all(a in users for a in t["artists"])
        and t["price"]
        and t.get("exclusive_status") != "sold"
        and 40 not in api.store.owners(t)
    )
    credited = [users[a] for a in track["artists"]]
    before = {u: _money(api, u) for u in credited}
    assert _buyer(api, 40).post(f"/tracks/{track['id']}/purchase/initiate").status_code == 200
    after = {u: _money(api, u) for u in credited}
    earner, *others = credited
    rise = [round(after[u][0] - before[u][0], 2) for u in credited]
    assert rise == [track["price"]] + [0.0] * len(others)
    assert round(after[earner][1] - before[earner][1], 2) == track["price"]
    assert after[earner][2] == before[earner][2] + 1
    assert all(after[u] == before[u] for u in others)
    rate = RULES.rule("producer_intelligence.contribution_per_play")
    estimates = [
        r["estimated_earnings"]
        for u in credited
        for r in _buyer(api, u).get("/producer/track-breakdown").json()["tracks"]
        if r["track_id"] == track["id"]
    ]
    assert sorted(estimates) == [0.0] * len(others) + [round(track["plays"] * rate, 2)]


def test_only_an_artist_has_sales(api: BeatPassMock) -> None:
    assert _buyer(api, 35).get("/artist/sales").status_code == 403
