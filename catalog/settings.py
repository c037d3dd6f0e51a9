"""The operator's marketplace settings (commission, reservation times): one row that
every package reads, so it lives at the bottom layer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.db import Base, utcnow


class DeliveryCharging(StrEnum):
    """How an order from several cooperatives pays for delivery."""

    #: each cooperative's parcel is charged its carrier price (and cash-on-delivery fee)
    PER_PARCEL = "per_parcel"
    #: the shopper pays at most ``delivery_cap_minor`` for the whole order; the
    #: marketplace pays the carriers the rest out of its commission
    CAPPED = "capped"


class MarketplaceSettings(Base):
    """The operator's settings; one row (id 1). Read with
    :func:`current`."""

    __tablename__ = "orders_marketplace_settings"
    __table_args__ = (
        CheckConstraint("commission_bps BETWEEN 0 AND 10000", name="commission_range"),
        CheckConstraint("card_reservation_minutes >= 30", name="card_reservation_min"),
        CheckConstraint("transfer_reservation_days >= 1", name="transfer_reservation_min"),
        CheckConstraint("cod_code_above_minor >= 0", name="cod_code_above_min"),
        CheckConstraint(
            "free_delivery_from_minor >= 0 AND delivery_cap_minor >= 0",
            name="delivery_not_negative",
        ),
        CheckConstraint(
            "delivery_charging IN ('per_parcel', 'capped')", name="delivery_charging_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the marketplace's commission on goods, in basis points (1000 = 10 %)
    commission_bps: Mapped[int] = mapped_column(default=1000)
    #: how long stock stays reserved for an unpaid card order (Stripe's minimum is 30)
    card_reservation_minutes: Mapped[int] = mapped_column(default=60)
    #: how long stock stays reserved while an institution's bank transfer is awaited
    transfer_reservation_days: Mapped[int] = mapped_column(default=10)
    #: a cash-on-delivery order above this total (or from a phone that never received
    #: an order) waits for a code sent by text message to the phone
    cod_code_above_minor: Mapped[int] = mapped_column(default=100_000)
    #: goods worth at least this much are delivered free (0: never free)
    free_delivery_from_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    #: a :class:`DeliveryCharging`
    delivery_charging: Mapped[str] = mapped_column(
        String(20), default=DeliveryCharging.PER_PARCEL, server_default="per_parcel"
    )
    #: with :attr:`DeliveryCharging.CAPPED`, the most an order pays for delivery
    delivery_cap_minor: Mapped[int] = mapped_column(default=4500, server_default="4500")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


SETTINGS_ID = 1
DEFAULTS: dict[str, int | str] = {
    "commission_bps": 1000,  # 10 %
    "card_reservation_minutes": 60,
    "transfer_reservation_days": 10,
    "cod_code_above_minor": 100_000,  # 1,000.00 MAD
    "free_delivery_from_minor": 0,
    "delivery_charging": DeliveryCharging.PER_PARCEL.value,
    "delivery_cap_minor": 4500,  # 45 DH
}


def current(session: Session) -> MarketplaceSettings:
    """The saved settings, or the defaults (a transient object, never written) when
    the operator has not saved any."""
    settings = session.get(MarketplaceSettings, SETTINGS_ID)
    if settings is None:
        settings = MarketplaceSettings(id=SETTINGS_ID, **DEFAULTS)
    return settings


def update(session: Session, **values: int | str) -> MarketplaceSettings:
    """Save settings (only the known names); flushes, so the database's checks
    (commission between 0 and 100 %, reservations long enough) apply at once.

    :raises ValueError: for an unknown setting name.
    """
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    settings = session.get(MarketplaceSettings, SETTINGS_ID)
    if settings is None:
        settings = MarketplaceSettings(id=SETTINGS_ID, **DEFAULTS)
        session.add(settings)
    for name, value in values.items():
        setattr(settings, name, str(value) if name == "delivery_charging" else int(value))
    session.flush()
    return settings
