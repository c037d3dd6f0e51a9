"""The operator's changes to the shipping tariffs and the commission rate: checked,
applied and written to the audit log. New orders use them; placed orders keep what
they snapshotted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from catalog import audit, settings
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput
from orders.models import ShippingTariff

MAX_FEE_MINOR = 100_000  # 1,000 DH
MAX_RATE_MINOR = 1_000_000  # 10,000 DH
MAX_COMMISSION_BPS = 5_000  # 50 %


def _range(high: int) -> dict[str, int]:
    return {"min": 0, "max": high}


@dataclass(frozen=True, slots=True)
class TariffChange:
    active: bool
    cod_fee_minor: int
    extra_kg_minor: int
    #: new price of each band, by rate id
    rates: Mapping[int, int] = field(default_factory=dict)


def update_tariff(
    session: Session, tariff: ShippingTariff, change: TariffChange, *, actor: Actor, now: datetime
) -> dict[str, list[object]]:
    """Change a tariff's fees and band prices. Within a zone, a heavier band may not
    cost less than a lighter one.

    :raises InvalidInput: with every problem (``field`` is ``cod_fee``, ``extra_kg`` or
        ``rate-<id>``); nothing changes.
    :return: the changes, ``{name: [old, new]}``.
    """
    problems: list[FieldProblem] = []
    for name, value in (("cod_fee", change.cod_fee_minor), ("extra_kg", change.extra_kg_minor)):
        if not 0 <= value <= MAX_FEE_MINOR:
            problems.append(FieldProblem(name, "out_of_range", _range(MAX_FEE_MINOR // 100)))
    rates = {r.id: r for r in tariff.rates}
    for rate_id, price in change.rates.items():
        if rate_id not in rates:
            problems.append(FieldProblem(f"rate-{rate_id}", "unknown_rate"))
        elif not 0 <= price <= MAX_RATE_MINOR:
            problems.append(
                FieldProblem(f"rate-{rate_id}", "out_of_range", _range(MAX_RATE_MINOR // 100))
            )
    if not problems:
        new_price = {rid: change.rates.get(rid, r.price_minor) for rid, r in rates.items()}
        by_zone: dict[str, list[tuple[int, int, int]]] = {}
        for rid, r in rates.items():
            by_zone.setdefault(r.zone, []).append((r.max_weight_g, new_price[rid], rid))
        for bands in by_zone.values():
            bands.sort()
            for (_, lighter, _), (_, heavier, rid) in zip(bands, bands[1:], strict=False):
                if heavier < lighter:
                    problems.append(FieldProblem(f"rate-{rid}", "band_cheaper_than_lighter"))
    if problems:
        raise InvalidInput(problems)
    diff: dict[str, list[object]] = {}
    for name, old, new in (
        ("active", tariff.active, change.active),
        ("cod_fee_minor", tariff.cod_fee_minor, change.cod_fee_minor),
        ("extra_kg_minor", tariff.extra_kg_minor, change.extra_kg_minor),
    ):
        if old != new:
            diff[name] = [old, new]
            setattr(tariff, name, new)
    for rid, price in change.rates.items():
        rate = rates[rid]
        if rate.price_minor != price:
            diff[f"{rate.zone}:{rate.max_weight_g}g"] = [rate.price_minor, price]
            rate.price_minor = price
    if diff:
        session.flush()
        audit.record(
            session,
            actor,
            "shipping.update",
            object_type="shipping_tariff",
            object_id=tariff.id,
            now=now,
            details={"carrier": tariff.carrier, "option": str(tariff.delivery_option), **diff},
        )
    return diff


#: the largest amount an operator may set for cash-on-delivery codes (1,000,000 DH)
MAX_COD_CODE_ABOVE_MINOR = 100_000_000


def _change_setting(
    session: Session,
    name: str,
    value: int,
    *,
    field: str,
    limit: int,
    shown_limit: int,
    actor: Actor,
    now: datetime,
) -> bool:
    """Save one marketplace setting between 0 and ``limit``, audited as
    ``<field>.update``; whether it changed."""
    if not 0 <= value <= limit:
        raise InvalidInput([FieldProblem(field, "out_of_range", _range(shown_limit))])
    old = getattr(settings.current(session), name)
    if old == value:
        return False
    settings.update(session, **{name: value})
    audit.record(
        session,
        actor,
        f"{field}.update",
        object_type="settings",
        object_id=settings.SETTINGS_ID,
        now=now,
        details={name: [old, value]},
    )
    return True


def set_cod_code_above(session: Session, minor: int, *, actor: Actor, now: datetime) -> bool:
    """Set the total above which a cash-on-delivery order waits for a code sent to the
    phone (0: every cash-on-delivery order).

    :raises InvalidInput: ``cod_code_above`` / ``out_of_range``.
    :return: whether it changed.
    """
    return _change_setting(
        session,
        "cod_code_above_minor",
        minor,
        field="cod_code_above",
        limit=MAX_COD_CODE_ABOVE_MINOR,
        shown_limit=MAX_COD_CODE_ABOVE_MINOR // 100,
        actor=actor,
        now=now,
    )


def set_commission(session: Session, bps: int, *, actor: Actor, now: datetime) -> bool:
    """Set the marketplace's commission (basis points: 1000 = 10 %) for new orders.

    :raises InvalidInput: ``commission`` / ``out_of_range``.
    :return: whether it changed.
    """
    return _change_setting(
        session,
        "commission_bps",
        bps,
        field="commission",
        limit=MAX_COMMISSION_BPS,
        shown_limit=MAX_COMMISSION_BPS // 100,
        actor=actor,
        now=now,
    )


MAX_DELIVERY_MINOR = 1_000_000  # 10,000 DH


def set_delivery_charging(
    session: Session,
    *,
    free_from_minor: int,
    charging: str,
    cap_minor: int,
    actor: Actor,
    now: datetime,
) -> bool:
    """Set how shoppers pay for delivery on new orders: free from ``free_from_minor`` of
    goods (0: never), and for several parcels either each its price (``per_parcel``) or
    at most ``cap_minor`` for the order (``capped``: the marketplace pays the rest).

    :raises InvalidInput: ``free_from`` / ``cap`` out of range, ``charging`` unknown.
    :return: whether anything changed.
    """
    problems = [
        FieldProblem(name, "out_of_range", _range(MAX_DELIVERY_MINOR // 100))
        for name, value in (("free_from", free_from_minor), ("cap", cap_minor))
        if not 0 <= value <= MAX_DELIVERY_MINOR
    ]
    if charging not in set(settings.DeliveryCharging):
        problems.append(FieldProblem("charging", "required"))
    if problems:
        raise InvalidInput(problems)
    current = settings.current(session)
    new: dict[str, int | str] = {
        "free_delivery_from_minor": free_from_minor,
        "delivery_charging": charging,
        "delivery_cap_minor": cap_minor,
    }
    changes = {k: [getattr(current, k), v] for k, v in new.items() if getattr(current, k) != v}
    if not changes:
        return False
    settings.update(session, **new)
    audit.record(
        session,
        actor,
        "delivery_charging.update",
        object_type="settings",
        object_id=settings.SETTINGS_ID,
        now=now,
        details=changes,
    )
    return True
