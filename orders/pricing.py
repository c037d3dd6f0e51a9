"""What an order costs before it is placed: goods per cooperative, one parcel per
cooperative priced from the shipping tariff, the cash-on-delivery fee, and the
marketplace's commission (a rate in basis points, snapshotted on each line).

What the shopper pays for delivery follows the operator's :class:`DeliveryPolicy`
(free from an amount of goods; per parcel, or one capped fee for the whole order): the
carriers' price of a parcel beyond what the shopper pays for it is the parcel's
``delivery_subsidy``, which the marketplace owes the cooperative (see
:mod:`orders.ledger`).

Pure: products and tariffs come in loaded, a :class:`Quote` comes out. The checkout's
review step shows it and :func:`orders.placing.create_order` records the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from catalog import stock
from catalog.models import Cooperative, Product
from catalog.money import Money
from catalog.money import total as _sum
from catalog.settings import DeliveryCharging, MarketplaceSettings
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
    #: what the marketplace pays towards the parcel's delivery (carrier price and
    #: cash-on-delivery fee not charged to the shopper)
    delivery_subsidy: Money = Money(0)

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
    delivery_subsidy: Money = Money(0)

    @property
    def total(self) -> Money:
        return self.goods + self.shipping + self.cod_fee

    @property
    def delivery(self) -> Money:
        """What the shopper pays for delivery: shipping and cash-on-delivery fees."""
        return self.shipping + self.cod_fee


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the shopper is charged for delivery (the operator's settings)."""

    #: goods worth at least this much travel free (0: never free)
    free_from_minor: int = 0
    #: the most one order pays for delivery, all parcels together (None: per parcel)
    cap_minor: int | None = None

    @classmethod
    def of(cls, rules: MarketplaceSettings) -> DeliveryPolicy:
        capped = rules.delivery_charging == DeliveryCharging.CAPPED
        return cls(rules.free_delivery_from_minor, rules.delivery_cap_minor if capped else None)

    def allowance(self, goods_minor: int) -> int | None:
        """The most the shopper pays for delivery of ``goods_minor`` of goods (None: the
        carriers' full price)."""
        if self.free_from_minor and goods_minor >= self.free_from_minor:
            return 0
        return self.cap_minor


def charge(
    costs: Sequence[tuple[int, int]], goods_minor: int, policy: DeliveryPolicy
) -> list[tuple[int, int, int]]:
    """Split each parcel's carrier cost ``(shipping, cod_fee)`` into what the shopper
    pays ``(shipping, cod_fee)`` and what the marketplace pays (the subsidy), parcels
    in order until the order's allowance is used up."""
    allowance = policy.allowance(goods_minor)
    charged = []
    for shipping_minor, cod_minor in costs:
        if allowance is None:
            charged.append((shipping_minor, cod_minor, 0))
            continue
        paid = min(shipping_minor + cod_minor, allowance)
        allowance -= paid
        paid_shipping = min(shipping_minor, paid)
        charged.append((paid_shipping, paid - paid_shipping, shipping_minor + cod_minor - paid))
    return charged


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
    policy: DeliveryPolicy | None = None,
) -> Quote:
    """Price ``lines`` (product, quantity) delivered to ``destination_region``, the
    shopper paying for delivery as ``policy`` says (by default, per parcel).

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
    goods = _sum([p.goods for p in parcels], currency)
    costs = [(p.shipping.amount_minor, p.cod_fee.amount_minor) for p in parcels]
    parcels = [
        replace(
            parcel,
            shipping=Money(shipping_minor, currency),
            cod_fee=Money(cod_minor, currency),
            delivery_subsidy=Money(subsidy_minor, currency),
        )
        for parcel, (shipping_minor, cod_minor, subsidy_minor) in zip(
            parcels, charge(costs, goods.amount_minor, policy or DeliveryPolicy()), strict=True
        )
    ]
    return Quote(
        parcels=tuple(parcels),
        goods=goods,
        shipping=_sum([p.shipping for p in parcels], currency),
        cod_fee=_sum([p.cod_fee for p in parcels], currency),
        commission=_sum([p.commission for p in parcels], currency),
        delivery_subsidy=_sum([p.delivery_subsidy for p in parcels], currency),
    )
