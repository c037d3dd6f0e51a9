"""A basket order runs to its end through the screens: the organisation confirms, the
operator records the transfer, the cooperatives ship, the organisation confirms receipt
at each point (one line short) and the impact report counts what it received — not
what the suppliers said they delivered."""

from __future__ import annotations

import io
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from catalog import regions
from catalog.audit import AuditEntry
from catalog.models import Category
from catalog.notifications import OutboxMessage
from orders.status import FulfilmentStatus, OrderStatus
from solidarity_baskets.models import BasketOrder, BasketQuote, PointReceipt
from tests.baskets import basket_world, order_form
from tests.storefront.backoffice import login, member, operator


@pytest.fixture
def world(session, make):
    found = basket_world(session, make)
    found.staff = operator(session)
    found.members = {
        key: member(session, coop, email=f"{key}@example.ma") for key, coop in found.coops.items()
    }
    session.commit()
    return found


def _switch(client, user):
    client.post("/account/logout")
    login(client, user)


def _paid_order(client, world, session) -> BasketOrder:
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    basket_order = session.scalar(select(BasketOrder))
    order = basket_order.order
    _switch(client, world.staff)
    amount = f"{order.total_minor // 100},{order.total_minor % 100:02d}"
    page = client.post(
        f"/admin/orders/{order.number}/transfer",
        data={"amount": amount, "received_on": "2026-03-03", "reference": "VIR-77"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "the order is paid and the cooperatives are told" in page
    session.expire_all()
    return session.scalar(select(BasketOrder))


def _ship_point(client, world, session, basket_order, destination_id):
    parts = {
        a.fulfilment_id: a.cooperative_id
        for a in basket_order.allocation
        if a.destination_id == destination_id
    }
    by_coop = {coop.id: key for key, coop in world.coops.items()}
    for part_id, coop_id in parts.items():
        _switch(client, world.members[by_coop[coop_id]])
        client.post(
            f"/back-office/orders/{part_id}/ship",
            data={"carrier": "amana", "tracking_number": "CB123456789MA"},
        )
        # a cooperative does not mark a basket delivery delivered on its own word
        page = client.post(f"/back-office/orders/{part_id}/deliver", follow_redirects=True)
        assert "The organisation confirms receipt" in page.get_data(as_text=True)
    session.expire_all()
    return set(parts)


def test_the_organisation_confirms_receipt_point_by_point(client, world, session):
    basket_order = _paid_order(client, world, session)
    casablanca, agadir = basket_order.quote.destinations
    _switch(client, world.member)
    page = client.get(f"/ngo/orders/{basket_order.id}").get_data(as_text=True)
    assert "Confirm receipt at this point" not in page
    assert "once every cooperative has shipped to this point" in page

    parts = _ship_point(client, world, session, basket_order, casablanca.id)
    assert all(
        f.status == FulfilmentStatus.SHIPPED
        for f in basket_order.order.fulfilments
        if f.id in parts
    )
    _switch(client, world.member)
    page = client.get(f"/ngo/orders/{basket_order.id}").get_data(as_text=True)
    assert page.count("Confirm receipt at this point") == 1  # Casablanca only

    url = f"/ngo/orders/{basket_order.id}/points/{casablanca.id}/receipt"
    # a short line without a note is refused and changes nothing
    refused = client.post(
        url, data={"baskets": "58", "short-1": "2", "note": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Note: This is required." in refused
    assert session.scalar(select(PointReceipt)) is None
    too_many = client.post(url, data={"baskets": "61"}, follow_redirects=True)
    assert "from 0 to 60" in too_many.get_data(as_text=True)

    done = client.post(
        url,
        data={"baskets": "58", "short-1": "2", "note": "Deux paquets de couscous manquants"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Receipt confirmed at" in done and "58 of 60 baskets received" in done
    assert "2 short" in done and "Deux paquets de couscous manquants" in done
    session.expire_all()
    order = session.get(BasketOrder, basket_order.id).order
    assert all(f.status == FulfilmentStatus.DELIVERED for f in order.fulfilments if f.id in parts)
    assert all(
        f.status == FulfilmentStatus.TO_PREPARE for f in order.fulfilments if f.id not in parts
    )
    assert order.status == OrderStatus.CONFIRMED
    receipt = session.scalar(select(PointReceipt))
    assert receipt.baskets_received == 58 and receipt.problems[0]["short"] == 2
    assert "basket.receipt" in {e.action for e in session.scalars(select(AuditEntry))}
    told = [m for m in session.scalars(select(OutboxMessage)) if "received your goods" in m.subject]
    assert len(told) == len(parts)

    impact = client.get(f"/ngo/orders/{basket_order.id}/impact").get_data(as_text=True)
    ordered, received = '<td data-label="Ordered">', '<td data-label="Received">'
    assert f"{ordered}60</td>{received}58</td>" in impact
    assert f"{ordered}40</td>{received}0</td>" in impact
    _donor_report_counts_what_was_received(client, basket_order)
    again = client.post(url, data={"baskets": "60"}, follow_redirects=True)
    assert "already confirmed" in again.get_data(as_text=True)

    # the second point: everything arrived, the order completes
    _ship_point(client, world, session, basket_order, agadir.id)
    _switch(client, world.member)
    client.post(f"/ngo/orders/{basket_order.id}/points/{agadir.id}/receipt", data={"baskets": "40"})
    session.expire_all()
    order = session.get(BasketOrder, basket_order.id).order
    assert order.status == OrderStatus.COMPLETED
    impact = client.get(f"/ngo/orders/{basket_order.id}/impact").get_data(as_text=True)
    assert "<strong>98</strong> received" in impact
    _the_operators_history_names_each_receipt(client, world, session, casablanca)


def _the_operators_history_names_each_receipt(client, world, session, point) -> None:
    """The history says where, how many and what was missing, in words."""
    missing = session.scalar(select(PointReceipt)).problems[0]["line"]
    kind = session.scalar(select(Category).where(Category.slug == missing))
    _switch(client, world.staff)
    client.set_cookie("lang", "fr")
    history = unescape(client.get("/admin/audit").get_data(as_text=True))
    assert history.count("Receipt confirmed at a distribution point") == 2
    place = regions.province(point.province_code).name("fr")
    assert f"Distribution point: {place}" in history
    assert f"Problems reported: {kind.name_fr}: 2 missing, 0 damaged" in history
    assert "Baskets received: 58" in history and f"{missing}:" not in history
    assert "Problems reported: —" in history  # the second point: everything arrived


def _donor_report_counts_what_was_received(client, basket_order):
    """58 baskets arrived in Casablanca-Settat, none yet in Souss-Massa: the donors' page
    says so in its headline, its chart and its region table, and so do the exports."""
    url = f"/ngo/orders/{basket_order.id}/impact"
    page = client.get(url).get_data(as_text=True)
    assert "<strong>58</strong> families reached" in page
    assert "<strong>290</strong> people fed, at 5 per family" in page
    assert page.count('class="chart-row"') == 2
    casablanca, souss = page.index("58 received of 60"), page.index("0 received of 40")
    assert casablanca < souss, "the region with the most baskets comes first"
    row = '<td data-label="Distribution points">1</td><td data-label="Ordered">60</td>'
    assert row + '<td data-label="Received">58</td>' in page  # the region table: 1 point
    assert "data-print hidden" in page and "js/print.js" in page
    rows = client.get(f"{url}.csv").data.decode("utf-8-sig").splitlines()
    regions = {r.split(",")[1]: r.split(",") for r in rows if r.startswith("Region,")}
    assert regions["06"][6:8] == ["60", "58"] and regions["09"][6:8] == ["40", "0"]


def test_another_organisation_cannot_confirm_receipt(client, world, session):
    from tests.baskets import organisation

    basket_order = _paid_order(client, world, session)
    _, stranger = organisation(session, email="other@example.ma", name="Autre association")
    session.commit()
    _switch(client, stranger)
    point = basket_order.quote.destinations[0]
    response = client.post(
        f"/ngo/orders/{basket_order.id}/points/{point.id}/receipt", data={"baskets": "60"}
    )
    assert response.status_code == 404
    assert session.scalar(select(PointReceipt)) is None


def _pdf_text(client, url: str) -> tuple[str, str]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    return response.headers["Content-Disposition"], text


@pytest.mark.translated
def test_the_organisation_gets_a_pro_forma_then_one_consolidated_invoice(client, world, session):
    from storefront.filters import money_text

    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    client.post(f"/ngo/quotes/{quote.id}/confirm", data={"payment_method": "bank_transfer"})
    basket_order = session.scalar(select(BasketOrder))
    order = basket_order.order
    mails = [m for m in session.scalars(select(OutboxMessage)) if m.to == "ngo@example.ma"]
    assert len(mails) == 1
    assert order.number in mails[0].subject
    assert mails[0].subject in (
        f"Commande de paniers {order.number} : votre facture pro forma et comment payer",
        f"Basket order {order.number}: your pro-forma invoice and how to pay",
    )
    assert f"/ngo/orders/{basket_order.id}/invoice.pdf" in mails[0].body_text
    assert order.number in mails[0].body_text
    # the pro-forma invoice travels with the mail, in the organisation's language
    [file] = mails[0].attachments
    assert (file.filename, file.content_type) == (f"proforma-{order.number}.pdf", "application/pdf")
    attached = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(file.content)).pages)
    assert mails[0].language == "fr" and "Facture pro forma" in attached
    assert order.number in attached and "Coopérative Chaouia" in attached
    page = client.get(f"/ngo/orders/{basket_order.id}").get_data(as_text=True)
    assert "Pro-forma invoice (PDF)" in page

    client.set_cookie("lang", "fr")
    header, text = _pdf_text(client, f"/ngo/orders/{basket_order.id}/invoice.pdf")
    assert f"proforma-{order.number}" in header
    assert "Facture pro forma" in text and order.number in text
    assert "Coopérative Tissage Doum" in text and "Coopérative Chaouia" in text
    with client.application.test_request_context():
        from flask_babel import force_locale

        with force_locale("fr"):
            total = money_text(order.total)
    assert total.replace("\u202f", " ").replace("\xa0", " ") in text.replace("\u202f", " ").replace(
        "\xa0", " "
    )

    _paid_order_from(client, world, session, order)
    _switch(client, world.member)
    client.set_cookie("lang", "fr")
    header, text = _pdf_text(client, f"/ngo/orders/{basket_order.id}/invoice.pdf")
    assert f"invoice-{order.number}" in header
    assert "Facture pro forma" not in text and "Facture" in text
    client.set_cookie("lang", "en")
    page = client.get(f"/ngo/orders/{basket_order.id}").get_data(as_text=True)
    assert "Invoice (PDF)" in page and "Pro-forma" not in page


def _paid_order_from(client, world, session, order):
    _switch(client, world.staff)
    amount = f"{order.total_minor // 100},{order.total_minor % 100:02d}"
    client.post(
        f"/admin/orders/{order.number}/transfer",
        data={"amount": amount, "received_on": "2026-03-03", "reference": "VIR-77"},
    )
    session.expire_all()


def test_a_count_that_only_looks_like_digits_is_refused_not_a_500(client, world, session):
    """'²' passes str.isdigit() but int() cannot read it."""
    basket_order = _paid_order(client, world, session)
    casablanca = basket_order.quote.destinations[0]
    _ship_point(client, world, session, basket_order, casablanca.id)
    _switch(client, world.member)
    url = f"/ngo/orders/{basket_order.id}/points/{casablanca.id}/receipt"
    for count in ("²", "①", "-2", "2.5"):
        page = client.post(
            url, data={"baskets": "58", "short-1": count, "note": "x"}, follow_redirects=True
        )
        assert page.status_code == 200
        assert "from 0 to" in page.get_data(as_text=True), count
    assert session.scalar(select(PointReceipt)) is None
    # digits of another script are digits (٢ is 2)
    done = client.post(
        url, data={"baskets": "58", "short-1": "٢", "note": "x"}, follow_redirects=True
    )
    assert "Receipt confirmed at" in done.get_data(as_text=True)
    assert session.scalar(select(PointReceipt)).problems[0]["short"] == 2
