"""What delivery will cost and when it arrives, shown before the checkout (product page
and cart) for the province the shopper chose once: kept in the session, so pages that
show it are never shared by the anonymous page cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import session

from catalog import regions, settings
from catalog.db import utcnow
from catalog.money import Money
from catalog.regions import Province
from orders import cart, placing
from orders.pricing import Quote
from orders.shipping import estimated_delivery
from orders.status import PaymentMethod
from storefront import payments
from storefront.cart.forms import DeliverToForm
from storefront.extensions import db
from storefront.i18n import current_language

SESSION_KEY = "deliver_to"


def remembered() -> Province | None:
    code = session.get(SESSION_KEY)
    return regions.province(code) if isinstance(code, str) else None


def remember(province: Province) -> None:
    session[SESSION_KEY] = province.code


def chooser() -> DeliverToForm:
    """The province chooser, on the remembered province (or on "Choose…")."""
    form = DeliverToForm(lang=current_language(), formdata=None)
    chosen = remembered()
    form.province.data = chosen.code if chosen else ""
    return form


@dataclass(frozen=True)
class Estimate:
    province: Province
    quote: Quote
    #: the latest parcel's expected day
    arrives_on: date
    #: whether the shopper may pay cash on delivery (the fee is then included)
    cash_on_delivery: bool
    #: goods still to add for free delivery (None: no such offer, or already free)
    short_of_free: Money | None


def estimate(items: Mapping[int, int]) -> Estimate | None:
    """The delivery of ``items`` (product id -> quantity) to the remembered province,
    paid cash on delivery when offered; None without a province or a priceable cart."""
    province = remembered()
    if province is None or not items:
        return None
    today = utcnow().date()
    view = cart.view(db.session, items, today=today)
    cod = PaymentMethod.COD in payments.offered(view.total if view.groups else Money(0))
    prepared = placing.prepare(
        db.session,
        items,
        destination_region=province.region_code,
        delivery_option="home",
        payment_method="cod" if cod else "card",
        today=today,
    )
    quote = prepared.quote
    if quote is None or not quote.parcels:
        return None
    free_from = settings.current(db.session).free_delivery_from_minor
    short = free_from - quote.goods.amount_minor
    return Estimate(
        province=province,
        quote=quote,
        arrives_on=max(estimated_delivery(today, p.zone, p.promised_on) for p in quote.parcels),
        cash_on_delivery=cod,
        short_of_free=Money(short, quote.goods.currency) if free_from and short > 0 else None,
    )
