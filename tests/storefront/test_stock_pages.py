"""Stock through the screens: the cooperative's form and adjustments (compare-and-set,
"reserved for orders", conflicts in the member's language), the sold-out product page
and "tell me when it is back" with its e-mail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import stock
from catalog.audit import AuditEntry
from catalog.models import Product, StockAlert
from catalog.notifications.outbox import OutboxMessage
from tests.conftest import NOW
from tests.storefront.backoffice import login, member, shopper
from tests.storefront.test_coop_products import PRODUCT


def _form(product: Product, **changes: str) -> dict[str, str]:
    return {
        **PRODUCT,
        "category_id": str(product.category_id),
        "sku": product.sku,
        "on_hand": str(product.on_hand),
        "on_hand_seen": str(product.on_hand),
        **changes,
    }


def _coop_with_jars(make, session, client):
    coop = make.cooperative()
    jars = make.product(coop, on_hand=10, sku="JAR")
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop, jars


def test_the_form_shows_what_is_reserved_and_a_stale_count_is_refused(
    client, session, make
) -> None:
    _, jars = _coop_with_jars(make, session, client)
    make.order({jars: 3})
    session.commit()
    page = client.get(f"/back-office/products/{jars.id}").get_data(as_text=True)
    assert "Reserved for orders: 3" in page and "Available: 7" in page
    assert 'name="on_hand_seen" type="hidden" value="10"' in page
    opened = _form(jars)  # the member opens the form: 10 on the shelf
    make.order({jars: 2})  # a buyer buys meanwhile: still 10 on the shelf, 5 promised
    session.commit()
    saved = client.post(
        f"/back-office/products/{jars.id}", data={**opened, "description_fr": "Nouveau"}
    )
    assert saved.status_code == 302, "a description-only save goes through"
    assert stock.level(session, jars.id) == stock.StockLevel(jars.id, 10, 5), "the sales stay"

    stock.adjust_on_hand(session, jars.id, -1, reason="damaged", actor=stock.Actor(None), now=NOW)
    session.commit()  # 9 on the shelf now; the member still has the form saying 10
    stale = client.post(f"/back-office/products/{jars.id}", data={**opened, "on_hand": "14"})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "The count changed since you opened it: now 9 on the shelf (5 reserved" in text
    assert 'name="on_hand_seen" type="hidden" value="9"' in text, "saving again applies it"
    session.expire_all()
    assert stock.level(session, jars.id).on_hand == 9, "nothing changed"

    again = client.post(
        f"/back-office/products/{jars.id}", data={**opened, "on_hand": "14", "on_hand_seen": "9"}
    )
    assert again.status_code == 302
    assert stock.level(session, jars.id).on_hand == 14

    below = client.post(
        f"/back-office/products/{jars.id}", data={**opened, "on_hand": "3", "on_hand_seen": "14"}
    )
    assert below.status_code == 409
    assert "5 units are reserved for orders: the shelf cannot hold fewer." in below.get_data(
        as_text=True
    )


def test_an_adjustment_with_a_reason_goes_to_the_history(client, session, make) -> None:
    _, jars = _coop_with_jars(make, session, client)
    done = client.post(
        f"/back-office/products/{jars.id}/stock",
        data={"adjust-by": "24", "adjust-reason": "received", "adjust-note": "Livraison 12"},
        follow_redirects=True,
    )
    assert "Stock changed: 34 on the shelf, 34 available." in done.get_data(as_text=True)
    refused = client.post(
        f"/back-office/products/{jars.id}/stock",
        data={"adjust-by": "-40", "adjust-reason": "lost"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "There are only 34 on the shelf." in refused
    assert stock.level(session, jars.id).on_hand == 34
    unknown = client.post(
        f"/back-office/products/{jars.id}/stock",
        data={"adjust-by": "2", "adjust-reason": "gift"},
        follow_redirects=True,
    )
    assert unknown.status_code == 200 and stock.level(session, jars.id).on_hand == 34
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "product.stock"))
    assert (entry.details["reason"], entry.details["by"], entry.details["note"]) == (
        "received",
        24,
        "Livraison 12",
    )
    history = client.get("/back-office/activity").get_data(as_text=True)
    assert "JAR" in history


def test_a_sold_out_product_offers_notify_me_and_the_shopper_is_told_when_it_is_back(
    app, client, session, make
) -> None:
    coop = make.cooperative()
    jars = make.product(coop, on_hand=1, sku="JAR", slug="miel-jar", title_en="Thyme honey")
    make.order({jars: 1})
    person = shopper(session)
    session.commit()
    client.set_cookie("lang", "en")
    page = client.get("/en/p/miel-jar").get_data(as_text=True)
    assert "Sold out" in page and "Add to cart" not in page
    assert "Sign in to be told by e-mail when it is back" in page
    listing = client.get(f"/en/coop/{coop.slug}").get_data(as_text=True)
    assert 'class="badge sold-out"' in listing

    login(client, person)
    page = client.get("/en/p/miel-jar").get_data(as_text=True)
    assert "Tell me when it is back" in page
    asked = client.post("/en/p/miel-jar/notify", follow_redirects=True).get_data(as_text=True)
    assert "We will e-mail you as soon as it is back." in asked
    assert "Tell me when it is back" not in asked
    assert session.scalar(select(StockAlert.email)) == person.email

    member_client = app.test_client()
    user = member(session, coop)
    session.commit()
    login(member_client, user)
    member_client.post(
        f"/back-office/products/{jars.id}/stock",
        data={"adjust-by": "12", "adjust-reason": "received"},
    )
    session.expire_all()
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.to == person.email)).all()
    assert "miel-jar" in mail.body_text and mail.language == "en"
    assert session.scalar(select(StockAlert.sent_at)) is not None, "told once"


@pytest.mark.translated
def test_the_cooperatives_history_names_each_stock_move_in_its_language(
    client, session, make
) -> None:
    _, jars = _coop_with_jars(make, session, client)
    client.post(
        f"/back-office/products/{jars.id}/stock",
        data={"adjust-by": "-2", "adjust-reason": "damaged", "adjust-note": "Couvercles"},
    )
    session.expire_all()
    client.post(f"/back-office/products/{jars.id}", data=_form(jars, on_hand="30"))
    assert stock.level(session, jars.id).on_hand == 30
    for lang, said in (
        ("fr", ("Stock en rayon modifié", "Abîmé", "−2", "Comptage du rayon", "espace de gestion")),
        ("ar", ("تعديل المخزون", "تالف", "−2", "تحديد عدد المخزون", "فضاء التدبير")),
        ("en", ("Shelf count changed", "Damaged", "−2", "Shelf count set", "the back office")),
    ):
        client.set_cookie("lang", lang)
        history = client.get("/back-office/activity").get_data(as_text=True)
        for words in said:
            assert words in history, (lang, words)
        for raw in ("product.stock", "damaged", ">count<", ": form", "Source", "By:"):
            assert raw not in history, (lang, raw)
