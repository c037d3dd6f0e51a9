"""The operator's marketplace settings (commission, reservation times)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orders.models import MarketplaceSettings

SETTINGS_ID = 1
DEFAULTS = {
    "commission_bps": 1000,  # 10 %
    "card_reservation_minutes": 60,
    "transfer_reservation_days": 10,
}


def current(session: Session) -> MarketplaceSettings:
    """The saved settings, or the defaults (a transient object, never written) when
    the operator has not saved any."""
    settings = session.get(MarketplaceSettings, SETTINGS_ID)
    if settings is None:
        settings = MarketplaceSettings(id=SETTINGS_ID, **DEFAULTS)
    return settings


def update(session: Session, **values: int) -> MarketplaceSettings:
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
        setattr(settings, name, int(value))
    session.flush()
    return settings
