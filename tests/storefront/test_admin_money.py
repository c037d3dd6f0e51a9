"""The operator's commission, shipping tariffs and payouts."""

from html import unescape

import pytest
from sqlalchemy import func, select

from catalog import settings
from catalog.audit import AuditEntry
from catalog.db import utcnow
from orders import fulfilment, ledger, payment_attempts
from orders.models import LedgerEntry, PayoutBatch, ShippingRate, ShippingTariff
from storefront.demo.identifiers import make_rib
from tests.storefront.backoffice import login, operator


@pytest.fixture
def console(client, session):
    boss = operator(session)
    session.commit()
    login(client, boss)
    return boss


def test_the_commission_is_set_in_percent(client, session, console) -> None:
    assert "10" in client.get("/admin/commission").get_data(as_text=True)
    client.post("/admin/commission", data={"commission": "7,5"})
    assert settings.current(session).commission_bps == 750
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "commission.update"))
    assert entry.details == {"commission_bps": [1000, 750]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("dix", "Enter a percentage"),
        ("60", "from 0 to 50"),
        ("7,555", "Enter a percentage"),
        ("", ""),
        ("Infinity", "Enter a percentage"),
        ("-inf", "Enter a percentage"),
        ("NaN", "Enter a percentage"),
        ("sNaN", "Enter a percentage"),
        ("1e999998", "Enter a percentage"),
    ],
)
def test_a_bad_commission_changes_nothing(client, session, console, value, expected) -> None:
    response = client.post("/admin/commission", data={"commission": value})
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert 'id="commission-errors"' in response.get_data(as_text=True)
    assert settings.current(session).commission_bps == 1000


def test_a_new_shop_starts_from_amanas_prices(client, session, console) -> None:
    assert "No tariff yet" in client.get("/admin/shipping").get_data(as_text=True)
    response = client.post("/admin/shipping/amana", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "prices are in place" in page and "No tariff yet" not in page
    tariffs = session.scalars(select(ShippingTariff)).all()
    assert sorted(t.delivery_option for t in tariffs) == ["home", "relay"]
    assert all(t.rates and t.active for t in tariffs)
    assert session.scalar(select(AuditEntry.action)) == "shipping.amana_prices"


def test_amanas_prices_put_back_a_changed_band(client, session, console, tariff) -> None:
    band = tariff.rates[0]
    key, before = (band.zone, band.max_weight_g), band.price_minor
    client.post(f"/admin/shipping/{tariff.id}", data=_form(tariff, **{f"rate_{band.id}": "999"}))
    client.post("/admin/shipping/amana")
    session.expire_all()
    prices = {
        (r.zone, r.max_weight_g): r.price_minor
        for r in session.get(ShippingTariff, tariff.id).rates
    }
    assert prices[key] == before
    assert session.scalar(select(func.count(ShippingTariff.id))) == 2


@pytest.fixture
def tariff(make, session):
    make.shipping()
    session.commit()
    return session.scalar(select(ShippingTariff).where(ShippingTariff.delivery_option == "home"))


def _form(tariff, **changes) -> dict:
    data = {
        f"t{tariff.id}-active": "y",
        f"t{tariff.id}-cod_fee": "10",
        f"t{tariff.id}-extra_kg": "5",
    }
    for rate in tariff.rates:
        data[f"t{tariff.id}-rate_{rate.id}"] = f"{rate.price_minor / 100:.2f}"
    data.update({f"t{tariff.id}-{k}": v for k, v in changes.items()})
    return data


def test_a_tariff_band_is_changed_and_logged(client, session, console, tariff) -> None:
    assert "Amana" in client.get("/admin/shipping").get_data(as_text=True)
    first = tariff.rates[0]
    response = client.post(
        f"/admin/shipping/{tariff.id}",
        data=_form(tariff, cod_fee="12,50", **{f"rate_{first.id}": "20"}),
    )
    assert response.status_code == 302
    session.expire_all()
    assert (
        tariff.cod_fee_minor == 1_250 and session.get(ShippingRate, first.id).price_minor == 2_000
    )
    assert session.scalar(select(AuditEntry.action)) == "shipping.update"


@pytest.mark.translated
def test_the_history_names_a_changed_band_and_formats_its_price(
    client, session, console, tariff
) -> None:
    band = min(tariff.rates, key=lambda r: (r.zone != "same_region", r.max_weight_g))
    client.post(
        f"/admin/shipping/{tariff.id}",
        data=_form(tariff, cod_fee="12,50", **{f"rate_{band.id}": "20"}),
    )
    assert band.max_weight_g == 1000
    for lang, changed, price, fee in (
        ("fr", "Tarif d'expédition modifié", "Prix, même région, jusqu’à", "20,00"),
        ("ar", "تم تغيير تعريفة الشحن", "السعر، نفس الجهة، حتى", "20,00"),
        ("en", "Shipping tariff changed", "Price, same region, up to", "20.00"),
    ):
        client.set_cookie("lang", lang)
        page = unescape(client.get("/admin/audit").get_data(as_text=True))
        kg = {"fr": "1\u00a0kg", "ar": "1\u00a0كلغ", "en": "1\u00a0kg"}[lang]
        assert changed in page and f"{price} {kg}" in page and fee in page, lang
        for raw in ("shipping.update", "same_region", "cod_fee_minor", "_minor", "Cod fee"):
            assert raw not in page, (lang, raw)


def test_a_heavier_band_cannot_cost_less(client, session, console, tariff) -> None:
    heavy = max(tariff.rates, key=lambda r: (r.zone == "same_region", r.max_weight_g))
    response = client.post(
        f"/admin/shipping/{tariff.id}", data=_form(tariff, **{f"rate_{heavy.id}": "1"})
    )
    page = response.get_data(as_text=True)
    assert "A heavier parcel cannot cost less" in page
    session.expire_all()
    assert session.get(ShippingRate, heavy.id).price_minor > 100
    bad = client.post(f"/admin/shipping/{tariff.id}", data=_form(tariff, cod_fee="beaucoup"))
    assert f'id="t{tariff.id}-cod_fee-errors"' in bad.get_data(as_text=True)


@pytest.fixture
def owed(make, session):
    """A cooperative owed the share of a parcel paid by bank transfer and delivered."""
    coop = make.cooperative(name_fr="Coopérative Tafoukt", ice="001561191000066")
    product = make.product(coop, on_hand=10)
    now = utcnow()
    order = make.order({product: 2}, method="bank_transfer", now=now)
    payment_attempts.record_bank_transfer(session, order, order.total, reference="VIR-1", now=now)
    part = order.fulfilments[0]
    fulfilment.mark_shipped(session, part, "T", now=now)
    fulfilment.mark_delivered(session, part, now=now)
    session.commit()
    return coop, part.total_minor - part.commission_minor


def test_a_payout_batch_is_made_exported_and_paid(client, session, console, owed) -> None:
    coop, amount = owed
    refused = client.post("/admin/payouts/new", data={"minimum": "1"}, follow_redirects=True)
    assert "(1 without one)" in refused.get_data(as_text=True), "no RIB yet"
    ledger.set_payout_account(session, coop.id, holder_name="Tafoukt", rib=make_rib(7, 780, 1))
    session.commit()
    response = client.post("/admin/payouts/new", data={"minimum": "1"})
    batch = session.scalar(select(PayoutBatch))
    assert response.headers["Location"] == f"/admin/payouts/{batch.id}"
    assert batch.total_minor == amount
    exported = client.get(f"/admin/payouts/{batch.id}.csv").get_data(as_text=True)
    assert "Coopérative Tafoukt" in exported and make_rib(7, 780, 1) in exported
    assert (
        client.post(f"/admin/payouts/{batch.id}/paid", data={"bank_reference": ""}).status_code
        == 302
    )
    session.expire_all()
    assert batch.status == "open"
    client.post(f"/admin/payouts/{batch.id}/paid", data={"bank_reference": "BMCE-7781"})
    session.expire_all()
    assert (batch.status, batch.bank_reference) == ("paid", "BMCE-7781")
    assert ledger.balance_of(session, coop.id).amount_minor == 0
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.startswith("payout."))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["payout.create", "payout.paid"]
    again = client.post(f"/admin/payouts/{batch.id}/cancel", follow_redirects=True)
    assert "already closed" in again.get_data(as_text=True)


def test_a_cancelled_batch_is_owed_again(client, session, console, owed) -> None:
    coop, amount = owed
    ledger.set_payout_account(session, coop.id, holder_name="T", rib=make_rib(7, 780, 1))
    session.commit()
    client.post("/admin/payouts/new", data={"minimum": "1"})
    batch = session.scalar(select(PayoutBatch))
    client.post(f"/admin/payouts/{batch.id}/cancel")
    session.expire_all()
    assert batch.status == "cancelled"
    assert ledger.balance_of(session, coop.id).amount_minor == amount


def test_a_cooperative_pays_the_commission_it_owes(client, session, console, make) -> None:
    coop = make.cooperative(name_fr="Coopérative Oqba")
    product = make.product(coop, on_hand=10)
    now = utcnow()
    order = make.order({product: 1}, method="cod", now=now)
    part = order.fulfilments[0]
    fulfilment.mark_shipped(session, part, "T", now=now)
    fulfilment.record_cash_collected(session, part, now=now)
    session.commit()
    page = client.get("/admin/payouts").get_data(as_text=True)
    assert "Coopérative Oqba" in page and "Record the payment" in page
    bad = client.post(
        "/admin/settlements", data={"cooperative_id": coop.id, "amount": "-5", "reference": "X"}
    )
    assert bad.status_code == 302
    assert (
        session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "settlement"))
        == 0
    )
    owed = -ledger.balance_of(session, coop.id).amount_minor
    client.post(
        "/admin/settlements",
        data={"cooperative_id": coop.id, "amount": f"{owed / 100:.2f}", "reference": "VIR-OQBA"},
    )
    session.expire_all()
    assert ledger.balance_of(session, coop.id).amount_minor == 0
    logged = session.scalar(select(AuditEntry).where(AuditEntry.action == "payout.settlement"))
    assert (logged.object_type, logged.object_id, logged.cooperative_id) == (
        "cooperative",
        coop.id,
        coop.id,
    )
    assert logged.details == {"amount_minor": owed, "reference": "VIR-OQBA"}


@pytest.mark.parametrize("minimum", ["beaucoup", "1e999999"])
def test_a_minimum_that_is_not_an_amount_makes_no_batch(client, session, console, minimum) -> None:
    response = client.post("/admin/payouts/new", data={"minimum": minimum}, follow_redirects=True)
    assert response.status_code == 200
    assert "Enter an amount such as 45,50" in response.get_data(as_text=True)
    assert session.scalar(select(PayoutBatch)) is None
