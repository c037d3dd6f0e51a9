"""Every order runs to its end through the screens of the people who own it, in a real
browser on a 360 px phone: a guest's cash-on-delivery parcel refused at the door and
back on the shelf; a card order whose operator refunds one line through Stripe (the
loopback fake). Nothing here calls the libraries to move an order: the database is only
read, to check what the screens say."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from catalog.models import Cooperative, Product
from orders import ledger
from orders.models import LedgerEntry, Order
from storefront.demo.catalog_data import NAMED_COOPERATIVES
from storefront.demo.orders import MEMBER_EMAILS, OPERATOR_EMAIL
from storefront.extensions import db
from tests.browser import flows
from tests.browser.support import Console, login

pytestmark = pytest.mark.browser


def _member_email(slug: str) -> str:
    return MEMBER_EMAILS.get(slug, f"{slug.split('-')[0]}@taawun.ma")


def _stocked_products(live_server: Any, count: int) -> list[tuple[str, str, int]]:
    """(product slug, cooperative slug, product id) of ``count`` products on sale from
    as many cooperatives that have a member account, each with units on the shelf
    (the demo's are made to order, with a few units ready)."""
    named = [row[0] for row in NAMED_COOPERATIVES]
    with live_server.app.app_context():
        rows = db.session.execute(
            select(Product.slug, Cooperative.slug, Product.id)
            .join(Cooperative, Product.cooperative_id == Cooperative.id)
            .where(
                Product.sellable.is_(True),
                Product.available >= 5,
                Cooperative.slug.in_(named),
            )
            .order_by(Cooperative.id, Product.available.desc(), Product.id)
        ).all()
    chosen: dict[str, tuple[str, str, int]] = {}
    for product, coop, product_id in rows:
        chosen.setdefault(coop, (product, coop, product_id))
    assert len(chosen) >= count, "the demo has too few cooperatives with a member"
    return list(chosen.values())[:count]


def _read(live_server: Any, fn: Any) -> Any:
    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _available(live_server: Any, product_id: int) -> int:
    return _read(live_server, lambda s: s.get(Product, product_id).available)


def _press(page: Any, selector: str) -> None:
    """Press a button from the keyboard. On the cooperative's part page at 360 px the
    page is wider than the screen (its contents table), and a tap computed on the
    zoomed-out page lands on the section around the button."""
    page.locator(selector).first.press("Enter")
    page.wait_for_load_state()


def _open_part(page: Any, number: str) -> None:
    """A cooperative member opens its part of order ``number`` from its order list."""
    page.goto("/back-office/orders?status=all")
    page.locator(f"main table a:has-text('{number}')").first.click()
    page.wait_for_load_state()
    assert number in page.locator("h1").inner_text()


def test_a_cash_parcel_refused_at_the_door_comes_back_and_nobody_owes_anything(
    live_server, open_context, shots
):
    (slug_a, coop_a, product_a), (slug_b, _, _) = _stocked_products(live_server, 2)
    before = _available(live_server, product_a)

    # a guest on a phone, in Arabic, orders from two cooperatives and pays cash
    shopper = open_context("ar").new_page()
    console = Console(shopper)
    flows.add_to_cart(shopper, slug_a, 2)
    flows.add_to_cart(shopper, slug_b, 1)
    shopper.goto("/checkout/")
    flows.fill_details(shopper, "ar")
    flows.submit(shopper)
    placed = flows.confirm(shopper)
    assert _available(live_server, product_a) == before - 2
    shots(shopper, "01-shopper-order-placed")

    # the cooperative ships its parcel, the buyer refuses it, the parcel comes back
    coop = open_context("ar").new_page()
    login(coop, _member_email(coop_a))
    _open_part(coop, placed.number)
    coop.locator("#carrier").select_option("amana")
    coop.locator("#tracking_number").fill("x")
    _press(coop, "form[action$='/ship'] button[type=submit]")
    assert coop.locator(".field-error, .error").count() >= 1, "“x” is no Amana number"
    shots(coop, "02-cooperative-tracking-refused")
    coop.locator("#tracking_number").fill("CB123456789MA")
    _press(coop, "form[action$='/ship'] button[type=submit]")
    assert "CB123456789MA" in coop.locator("main").inner_text()
    assert "أمانة" in coop.locator("main").inner_text()
    _press(coop, "form[action$='/refused'] button")
    shots(coop, "03-cooperative-refused-at-the-door")
    assert _available(live_server, product_a) == before - 2, "the parcel is still on its way"
    _press(coop, "form[action$='/returned'] button")
    shots(coop, "04-cooperative-parcel-back")
    assert _available(live_server, product_a) == before, "its stock is back on sale"

    # the shopper sees it on the order page
    flows.track(shopper, placed)
    text = shopper.locator("main").inner_text()
    assert live_server.text("ar", "Returned to the cooperative") in text
    shots(shopper, "05-shopper-sees-the-return")

    # the operator's order desk shows it; nobody owes anything on that parcel
    desk = open_context("fr").new_page()
    login(desk, OPERATOR_EMAIL)
    desk.goto(f"/admin/orders/{placed.number}")
    assert "CB123456789MA" in desk.locator("main").inner_text()
    assert "Amana" in desk.locator("main").inner_text()
    shots(desk, "06-operator-order-page")

    def books(s: Any) -> tuple[int, dict[int, tuple[int, int]]]:
        order = s.scalar(select(Order).where(Order.number == placed.number))
        part = next(p for p in order.fulfilments if p.lines[0].product_id == product_a)
        posted = s.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.fulfilment_id == part.id)
        )
        return int(posted or 0), ledger.reconcile(s)

    posted, differences = _read(live_server, books)
    assert posted == 0, "no commission on a refused parcel"
    assert differences == {}
    assert console.errors == []


class _LoopbackStripe:
    """The shared live server, paying by card through the loopback fake Stripe for the
    length of one test."""

    STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE")

    def __init__(self, live_server: Any) -> None:
        from storefront import payments
        from tests.stripe_fakes import LoopbackStripe

        self.app = live_server.app
        self.fake = LoopbackStripe(
            webhook_url=f"{live_server.url}/webhooks/stripe", secret="whsec_browser"
        ).start()
        self.saved = self.app.extensions[payments.EXTENSION]
        config = {
            **self.app.config,
            "STRIPE_SECRET_KEY": "sk_test_browser",
            "STRIPE_WEBHOOK_SECRET": "whsec_browser",
            "STRIPE_API_BASE": self.fake.base,
            "STRIPE_MAX_RETRIES": 0,
        }
        self.app.extensions[payments.EXTENSION] = payments.build(config)
        # the confirmation redirects to the hosted page: here the fake's, not Stripe's,
        # which the security policy lets the form reach as it does for `make run`
        self.saved_config = {k: self.app.config.get(k) for k in self.STRIPE_KEYS}
        self.app.config.update({k: config[k] for k in self.STRIPE_KEYS})

    def close(self) -> None:
        from storefront import payments

        self.app.extensions[payments.EXTENSION] = self.saved
        self.app.config.update(self.saved_config)
        self.fake.stop()


@pytest.fixture
def card_payments(live_server: Any) -> Iterator[_LoopbackStripe]:
    stripe = _LoopbackStripe(live_server)
    yield stripe
    stripe.close()


def test_the_operator_refunds_one_line_of_a_card_order_and_stripe_agrees(
    live_server, open_context, shots, card_payments
):
    (slug_a, coop_a, product_a), (slug_b, _, _) = _stocked_products(live_server, 2)

    # a guest pays by card on the (fake) Stripe page
    shopper = open_context("fr").new_page()
    flows.add_to_cart(shopper, slug_a, 2)
    flows.add_to_cart(shopper, slug_b, 1)
    shopper.goto("/checkout/")
    flows.fill_details(shopper, "fr")
    shopper.locator("input[name=payment_method][value=card]").check()
    flows.submit(shopper)
    shopper.locator("form[action$='/checkout/confirm'] button[type=submit]").click()
    shopper.wait_for_load_state()
    assert shopper.url.startswith(card_payments.fake.base), (
        shopper.url,
        shopper.locator(".flashes, .field-error").all_inner_texts(),
    )
    shots(shopper, "01-stripe-page")
    shopper.get_by_role("button", name="Pay").click()
    shopper.wait_for_load_state()
    match = re.search(r"/orders/([A-Z0-9-]+)", shopper.url)
    assert match, shopper.url
    number = match.group(1)
    shots(shopper, "02-shopper-paid")

    # the cooperative ships and delivers its parcel
    coop = open_context("fr").new_page()
    login(coop, _member_email(coop_a))
    _open_part(coop, number)
    coop.locator("#carrier").select_option("amana")
    coop.locator("#tracking_number").fill("CB123456789MA")
    _press(coop, "form[action$='/ship'] button[type=submit]")
    _press(coop, "form[action$='/deliver'] button")

    def share(s: Any) -> tuple[int, int, int, int]:
        order = s.scalar(select(Order).where(Order.number == number))
        part = next(p for p in order.fulfilments if p.lines[0].product_id == product_a)
        line = part.lines[0]
        balance = ledger.balance_of(s, part.cooperative_id).amount_minor
        return part.cooperative_id, line.unit_price_minor, line.commission_minor, balance

    coop_id, unit_price, commission, balance_before = _read(live_server, share)

    # the operator refunds one unit of that line from the order desk, on a phone
    desk = open_context("fr").new_page()
    login(desk, OPERATOR_EMAIL)
    desk.goto(f"/admin/orders/{number}")
    line_form = desk.locator("form[action*='/lines/']").first
    line_form.locator("xpath=ancestor::details").locator("summary").click()
    line_form.locator("input[name=quantity]").fill("1")
    line_form.locator("textarea[name=reason]").fill("Un flacon arrivé cassé")
    shots(desk, "03-operator-line-refund-form")
    line_form.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    flash = desk.locator(".flashes").inner_text()
    assert "carte" in flash.lower(), flash
    shots(desk, "04-operator-line-refunded")

    # Stripe was asked for exactly that unit, and the ledger takes back its share
    refunds = [form for _, path, form in card_payments.fake.requests if path == "/v1/refunds"]
    assert [form["amount"] for form in refunds] == [[str(unit_price)]]

    def after(s: Any) -> tuple[int, int, dict[int, tuple[int, int]]]:
        order = s.scalar(select(Order).where(Order.number == number))
        return (
            order.amount_refunded_minor,
            ledger.balance_of(s, coop_id).amount_minor,
            ledger.reconcile(s),
        )

    refunded, balance_after, differences = _read(live_server, after)
    assert refunded == unit_price
    assert balance_after == balance_before - (unit_price - commission // 2)
    assert differences == {}

    # the shopper's page says what came back
    flows.track(shopper, flows.Placed(number=number, phone=flows.PHONE_TYPED))
    assert "1 remboursé" in shopper.locator("main").inner_text()
    shots(shopper, "05-shopper-sees-the-refund")


NGO_EMAIL = "ngo@taawun.ma"


def _members(live_server: Any, number: str) -> dict[int, str]:
    """The member e-mail of every cooperative supplying order ``number`` (the demo
    opens one per cooperative, with the demo password). Returns {part id: e-mail}."""
    from catalog.accounts.users import Role, User
    from orders.models import Fulfilment

    def find(s: Any) -> dict[int, str]:
        parts = select(Fulfilment.id, Fulfilment.cooperative_id).join(Order)
        parts = parts.where(Order.number == number).subquery()
        rows = s.execute(
            select(parts.c.id, User.email)
            .outerjoin(
                User,
                (User.cooperative_id == parts.c.cooperative_id) & (User.role == Role.COOPERATIVE),
            )
            .order_by(parts.c.id, User.id.desc())
        ).all()
        found = {part_id: email for part_id, email in rows}
        assert None not in found.values(), "a supplying cooperative has no member in the demo"
        return found

    return _read(live_server, find)


def test_an_ngo_basket_order_is_paid_shipped_and_received_point_by_point(
    live_server, open_context, shots
):
    from catalog.notifications import OutboxMessage

    # the organisation orders 20 baskets for one point and confirms, paying by transfer
    ngo = open_context("fr").new_page()
    console = Console(ngo)
    login(ngo, NGO_EMAIL)
    ngo.goto("/ngo/orders/new")
    sac = ngo.locator("#template_id option", has_text="SAC").first.get_attribute("value")
    ngo.locator("#template_id").select_option(sac)
    ngo.locator("#destinations-0-province_code").select_option("06.141")
    ngo.locator("#destinations-0-hub_name").fill("Hay Mohammadi")
    ngo.locator("#destinations-0-baskets").fill("20")
    ngo.locator("main form button[type=submit]").last.press("Enter")
    ngo.wait_for_load_state()
    assert "/ngo/quotes/" in ngo.url, ngo.locator(".flashes, .field-error").all_inner_texts()
    ngo.locator("form[action$='/confirm'] button[type=submit]").press("Enter")
    ngo.wait_for_load_state()
    assert "/ngo/orders/" in ngo.url, ngo.locator(".flashes").all_inner_texts()
    order_url = ngo.url
    number = ngo.locator("h1 bdi").inner_text()
    shots(ngo, "01-ngo-order-placed")

    # the operator records the transfer from the order desk
    total = _read(
        live_server, lambda s: s.scalar(select(Order.total_minor).where(Order.number == number))
    )
    desk = open_context("fr").new_page()
    login(desk, OPERATOR_EMAIL)
    desk.goto("/admin/orders?queue=awaiting_transfer")
    desk.locator(f"main a:has-text('{number}')").first.click()
    desk.wait_for_load_state()
    desk.locator("#amount").fill(f"{total // 100},{total % 100:02d}")
    desk.locator("#received_on").fill(_today())
    desk.locator("#reference").fill("VIR-SAC-2026-001")
    shots(desk, "02-operator-records-the-transfer")
    desk.locator("form[action$='/transfer'] button[type=submit]").press("Enter")
    desk.wait_for_load_state()
    assert "VIR-SAC-2026-001" in desk.locator("main").inner_text()
    shots(desk, "03-operator-transfer-recorded")

    # every cooperative is told, and ships its part
    members = _members(live_server, number)
    told = _read(
        live_server,
        lambda s: set(
            s.scalars(
                select(OutboxMessage.topic).where(
                    OutboxMessage.topic.like(f"order:{number}:part:%")
                )
            )
        ),
    )
    assert len(told) == len(members), "each cooperative received its purchase order"
    for n, email in enumerate(sorted(set(members.values()))):
        coop = open_context("fr").new_page()
        login(coop, email)
        _open_part(coop, number)
        coop.locator("#carrier").select_option("amana")
        coop.locator("#tracking_number").fill(f"CB{100000000 + n:09d}MA")
        _press(coop, "form[action$='/ship'] button[type=submit]")
        assert "CB" in coop.locator("main").inner_text()
        if n == 0:
            shots(coop, "04-cooperative-shipped")
        coop.context.close()

    # the organisation confirms receipt at the point: 19 baskets, one line short
    ngo.goto(order_url)
    form = ngo.locator("form.receipt-form")
    form.locator("input[name=baskets]").fill("19")
    form.locator("details summary").press("Enter")
    form.locator("input[name=short-0]").fill("1")
    form.locator("textarea[name=note]").fill("Un panier incomplet : un paquet manquant")
    shots(ngo, "05-ngo-receipt-form")
    form.locator("button[type=submit]").press("Enter")
    ngo.wait_for_load_state()
    receipt = ngo.locator(".notice.receipt").inner_text()
    assert "19" in receipt and "20" in receipt, receipt
    shots(ngo, "06-ngo-receipt-confirmed")

    # the impact report counts the received baskets, in Arabic too
    ngo.goto(order_url.rstrip("/") + "/impact")
    assert "19" in ngo.locator("main").inner_text()
    shots(ngo, "07-impact-fr")
    arabic = open_context("ar").new_page()
    login(arabic, NGO_EMAIL)
    arabic.goto(order_url.rstrip("/") + "/impact")
    assert arabic.locator("html").get_attribute("dir") == "rtl"
    assert "19" in arabic.locator("main").inner_text()
    shots(arabic, "08-impact-ar")
    assert console.errors == []


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()
