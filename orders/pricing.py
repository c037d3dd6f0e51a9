"""What an order costs before it is placed: goods per cooperative, one parcel per
cooperative priced from the shipping tariff, the cash-on-delivery fee, and the
marketplace's commission (a rate in basis points, snapshotted on each line).

Pure: products and tariffs come in loaded, a :class:`Quote` comes out. The checkout's
review step shows it and :func:`orders.placing.create_order` records the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from catalog import stock
from catalog.models import Cooperative, Product
from catalog.money import Money
from catalog.money import total as _sum
from orders.models import ShippingTariff
from orders.shipping import ShippingZone, parcel_price, zone_for


@dataclass(frozen=True)
class QuoteLine:
    product: Product
    quantity: int
    unit_price: Money
    total: Money
    commission_bps: int
    commission: Money
    from_stock: int
    to_make: int
    #: when the units to make can be ready (None: everything comes from stock)
    promised_on: date | None


@dataclass(frozen=True)
class Parcel:
    cooperative: Cooperative
    lines: tuple[QuoteLine, ...]
    goods: Money
    weight_g: int
    zone: ShippingZone
    shipping: Money
    cod_fee: Money
    commission: Money
    promised_on: date | None
    #: the day a planner wants the parcel to leave (None for a shopper's cart): the
    #: part keeps it unless production promises a later one
    ship_by: date | None = None

    @property
    def total(self) -> Money:
        return self.goods + self.shipping + self.cod_fee


@dataclass(frozen=True)
class Quote:
    parcels: tuple[Parcel, ...]
    goods: Money
    shipping: Money
    cod_fee: Money
    commission: Money

    @property
    def total(self) -> Money:
        return self.goods + self.shipping + self.cod_fee


def split_stock_and_make(product: Product, quantity: int) -> tuple[int, int]:
    """Units taken from stock and units to make (only made-to-order products make)."""
    if not product.made_to_order:
        return quantity, 0
    from_stock = min(stock.available_now(product), quantity)
    return from_stock, quantity - from_stock


def quote(
    lines: Sequence[tuple[Product, int]],
    *,
    destination_region: str,
    tariff: ShippingTariff,
    cash_on_delivery: bool,
    commission_bps: int,
    today: date,
    committed: Mapping[int, int] | None = None,
) -> Quote:
    """Price ``lines`` (product, quantity) delivered to ``destination_region``.

    Parcels are ordered by cooperative name; lines keep the cart's order.
    """
    committed = committed or {}
    by_coop: dict[int, list[tuple[Product, int]]] = {}
    for product, qty in lines:
        by_coop.setdefault(product.cooperative_id, []).append((product, qty))
    currency = tariff.currency
    parcels = []
    for group in by_coop.values():
        coop = group[0][0].cooperative
        quote_lines = []
        for product, qty in group:
            total = product.price * qty
            from_stock, to_make = split_stock_and_make(product, qty)
            promised = None
            if to_make:
                promised = stock.promise_date(
                    product, qty, today=today, committed_units=committed.get(product.id, 0)
                )
            quote_lines.append(
                QuoteLine(
                    product=product,
                    quantity=qty,
                    unit_price=product.price,
                    total=total,
                    commission_bps=commission_bps,
                    commission=total.percent(commission_bps),
                    from_stock=from_stock,
                    to_make=to_make,
                    promised_on=promised,
                )
            )
        weight = sum(line.product.shipping_weight_g * line.quantity for line in quote_lines)
        zone = zone_for(coop.region_code, destination_region)
        dates = [line.promised_on for line in quote_lines if line.promised_on is not None]
        parcels.append(
            Parcel(
                cooperative=coop,
                lines=tuple(quote_lines),
                goods=_sum([line.total for line in quote_lines], currency),
                weight_g=weight,
                zone=zone,
                shipping=parcel_price(tariff, zone, weight),
                cod_fee=Money(tariff.cod_fee_minor if cash_on_delivery else 0, currency),
                commission=_sum([line.commission for line in quote_lines], currency),
                promised_on=max(dates) if dates else None,
            )
        )
    parcels.sort(key=lambda p: (p.cooperative.name_fr, p.cooperative.id))
    return Quote(
        parcels=tuple(parcels),
        goods=_sum([p.goods for p in parcels], currency),
        shipping=_sum([p.shipping for p in parcels], currency),
        cod_fee=_sum([p.cod_fee for p in parcels], currency),
        commission=_sum([p.commission for p in parcels], currency),
    )
