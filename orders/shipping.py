"""Shipping prices: each cooperative ships its own parcel, priced from a carrier's
tariff by zone (from the cooperative's region to the delivery region) and weight band.

Zones: the same region, another region, or a remote region (Guelmim-Oued Noun,
Laâyoune-Sakia El Hamra, Dakhla-Oued Ed-Dahab: HCP codes 10 to 12) at either end.
Above the heaviest band, each started kilogram costs ``extra_kg_minor``. Cash on
delivery adds the tariff's fee per parcel.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import calendar
from catalog.errors import Problem
from catalog.money import Money
from catalog.regions import REMOTE_REGIONS
from orders.errors import CheckoutError
from orders.models import ShippingRate, ShippingTariff
from orders.status import DeliveryOption


class ShippingZone(StrEnum):
    SAME_REGION = "same_region"
    OTHER_REGION = "other_region"
    REMOTE = "remote"


def zone_for(origin_region: str, destination_region: str) -> ShippingZone:
    if origin_region == destination_region:
        return ShippingZone.SAME_REGION
    if origin_region in REMOTE_REGIONS or destination_region in REMOTE_REGIONS:
        return ShippingZone.REMOTE
    return ShippingZone.OTHER_REGION


#: Working days a parcel travels once the carrier has it, by zone.
TRANSIT_WORKING_DAYS = {
    ShippingZone.SAME_REGION: 1,
    ShippingZone.OTHER_REGION: 2,
    ShippingZone.REMOTE: 4,
}
#: Working days a cooperative takes to hand a parcel of goods in stock to the carrier.
PREPARATION_WORKING_DAYS = 1


def estimated_delivery(today: date, zone: ShippingZone, ready_on: date | None = None) -> date:
    """The day a parcel should arrive: prepared (or made, by ``ready_on``), then carried
    through ``zone``, counting Moroccan working days only."""
    day = max(today, ready_on) if ready_on is not None else today
    left = TRANSIT_WORKING_DAYS[zone] + (PREPARATION_WORKING_DAYS if ready_on is None else 0)
    while left:
        day += timedelta(days=1)
        if calendar.working_days(day, day + timedelta(days=1)):
            left -= 1
    return day


def parcel_price(tariff: ShippingTariff, zone: ShippingZone, weight_g: int) -> Money:
    """The price of one parcel of ``weight_g`` grams in ``zone``.

    :raises CheckoutError: ``no_tariff`` when the tariff has no band for the zone.
    """
    bands = sorted((r for r in tariff.rates if r.zone == zone), key=lambda r: r.max_weight_g)
    if not bands:
        raise CheckoutError([Problem("no_tariff", {"zone": str(zone)})])
    weight_g = max(weight_g, 0)
    for band in bands:
        if weight_g <= band.max_weight_g:
            return Money(band.price_minor, tariff.currency)
    heaviest = bands[-1]
    extra_kg = -(-(weight_g - heaviest.max_weight_g) // 1000)  # started kilograms
    return Money(heaviest.price_minor + extra_kg * tariff.extra_kg_minor, tariff.currency)


def active_tariffs(session: Session) -> dict[DeliveryOption, ShippingTariff]:
    """The active tariff of each delivery option (rates loaded with it)."""
    tariffs = session.scalars(
        select(ShippingTariff).where(ShippingTariff.active.is_(True)).order_by(ShippingTariff.id)
    ).all()
    found: dict[DeliveryOption, ShippingTariff] = {}
    for tariff in tariffs:
        found.setdefault(DeliveryOption(tariff.delivery_option), tariff)
    return found


#: An Amana-like price list (DH, VAT included): (zone, up to kg) -> price for a home
#: delivery. Agency pick-up costs 5 DH less. Every started kg above 10 kg costs extra.
AMANA_HOME = {
    ShippingZone.SAME_REGION: ((1, 25), (3, 30), (5, 38), (10, 50)),
    ShippingZone.OTHER_REGION: ((1, 35), (3, 42), (5, 50), (10, 65)),
    ShippingZone.REMOTE: ((1, 55), (3, 65), (5, 80), (10, 100)),
}
AMANA_EXTRA_KG = {DeliveryOption.HOME: 500, DeliveryOption.RELAY: 500}
AMANA_COD_FEE = 1000  # 10 DH per parcel
AMANA_RELAY_DISCOUNT = 500


def seed_amana_preset(session: Session, carrier: str = "amana") -> list[ShippingTariff]:
    """Create (or replace the bands of) the Amana-like tariffs for home delivery and
    agency pick-up. Idempotent; flushes."""
    made = []
    for option in (DeliveryOption.HOME, DeliveryOption.RELAY):
        tariff = session.scalar(
            select(ShippingTariff).where(
                ShippingTariff.carrier == carrier, ShippingTariff.delivery_option == option
            )
        )
        if tariff is None:
            tariff = ShippingTariff(carrier=carrier, delivery_option=option)
            session.add(tariff)
        tariff.active = True
        tariff.cod_fee_minor = AMANA_COD_FEE
        tariff.extra_kg_minor = AMANA_EXTRA_KG[option]
        tariff.currency = "MAD"
        discount = AMANA_RELAY_DISCOUNT if option == DeliveryOption.RELAY else 0
        tariff.rates.clear()
        session.flush()
        for zone, bands in AMANA_HOME.items():
            for kg, dh in bands:
                tariff.rates.append(
                    ShippingRate(
                        zone=str(zone), max_weight_g=kg * 1000, price_minor=dh * 100 - discount
                    )
                )
        made.append(tariff)
    session.flush()
    return made
