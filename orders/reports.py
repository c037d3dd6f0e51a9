"""A cooperative's sales and money for a period: what its annual accounts and general
assembly need.

Sales are the parts *delivered* in the period (by delivery date; refunded parts are
left out), by month and by product. Money comes from the ledger
(:mod:`orders.ledger`): what the cooperative earned, the cash it kept, the commission,
what was paid out to it and what it paid in, and what it is owed now. Every function
reads a fixed number of queries whatever the number of orders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.money import Money
from orders.ledger import BatchStatus, EntryKind
from orders.models import Fulfilment, LedgerEntry, PayoutBatch
from orders.status import FulfilmentStatus


@dataclass(frozen=True, slots=True)
class PeriodSales:
    period: str  # "2026-03"
    parts: int
    units: int
    goods_minor: int
    shipping_minor: int  # parcels and cash-on-delivery fees
    commission_minor: int

    @property
    def net_minor(self) -> int:
        """What the cooperative keeps: goods and parcels less the commission."""
        return self.goods_minor + self.shipping_minor - self.commission_minor


@dataclass(frozen=True, slots=True)
class ProductSales:
    sku: str
    title_fr: str
    title_ar: str
    title_en: str
    units: int
    goods_minor: int
    commission_minor: int

    def title(self, lang: str) -> str:
        return {"ar": self.title_ar, "en": self.title_en}.get(lang) or self.title_fr


@dataclass(frozen=True, slots=True)
class MoneySummary:
    currency: str
    #: goods and parcels of delivered parts, less commission, less refunds reversed
    earned_minor: int
    #: cash the cooperative collected from shoppers and kept
    cash_kept_minor: int
    #: bank transfers made to the cooperative (paid payout batches, Connect transfers)
    paid_out_minor: int
    #: in payout batches the bank has not executed yet
    in_payment_minor: int
    #: what the cooperative paid the marketplace (commission on cash it kept)
    paid_in_minor: int
    #: owed to the cooperative now, all periods (negative: the cooperative owes)
    balance_minor: int

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


def delivered_parts(
    session: Session, cooperative_id: int, *, start: datetime, end: datetime
) -> list[Fulfilment]:
    """Parts delivered in ``[start, end)``, with their lines, oldest first."""
    return list(
        session.scalars(
            select(Fulfilment)
            .where(
                Fulfilment.cooperative_id == cooperative_id,
                Fulfilment.status == FulfilmentStatus.DELIVERED,
                Fulfilment.delivered_at >= start,
                Fulfilment.delivered_at < end,
            )
            .options(selectinload(Fulfilment.lines))
            .order_by(Fulfilment.delivered_at, Fulfilment.id)
        )
    )


def sales_by_month(parts: Iterable[Fulfilment], *, tz: tzinfo = UTC) -> list[PeriodSales]:
    """Delivered parts summed by the month (in ``tz``) of their delivery."""
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for part in parts:
        assert part.delivered_at is not None
        key = part.delivered_at.astimezone(tz).strftime("%Y-%m")
        row = months[key]
        row[0] += 1
        row[1] += sum(line.quantity for line in part.lines)
        row[2] += part.goods_minor
        row[3] += part.shipping_minor + part.cod_fee_minor
        row[4] += part.commission_minor
    return [PeriodSales(key, *months[key]) for key in sorted(months)]


def sales_by_product(parts: Iterable[Fulfilment]) -> list[ProductSales]:
    """Units and amounts per SKU (titles as last sold), best sellers first."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    titles: dict[str, tuple[str, str, str]] = {}
    for part in parts:
        for line in part.lines:
            row = totals[line.sku]
            row[0] += line.quantity
            row[1] += line.total_minor
            row[2] += line.commission_minor
            titles[line.sku] = (line.title_fr, line.title_ar, line.title_en)
    return sorted(
        (ProductSales(sku, *titles[sku], *row) for sku, row in totals.items()),
        key=lambda r: (-r.goods_minor, r.sku),
    )


def money_summary(
    session: Session,
    cooperative_id: int,
    *,
    start: datetime,
    end: datetime,
    currency: str = "MAD",
) -> MoneySummary:
    """The ledger's movements in ``[start, end)`` by kind, and the balance now."""
    rows = session.execute(
        select(LedgerEntry.kind, PayoutBatch.status, func.sum(LedgerEntry.amount_minor))
        .outerjoin(PayoutBatch, PayoutBatch.id == LedgerEntry.batch_id)
        .where(
            LedgerEntry.cooperative_id == cooperative_id,
            LedgerEntry.currency == currency,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
        .group_by(LedgerEntry.kind, PayoutBatch.status)
    ).all()
    earned = cash = paid_out = in_payment = paid_in = 0
    for kind, batch_status, amount in rows:
        amount = int(amount or 0)
        if kind in (EntryKind.SALE, EntryKind.SHIPPING, EntryKind.COMMISSION, EntryKind.REVERSAL):
            earned += amount
        elif kind == EntryKind.CASH_COLLECTED:
            cash -= amount
        elif kind == EntryKind.TRANSFER or (
            kind == EntryKind.PAYOUT and batch_status == BatchStatus.PAID
        ):
            paid_out -= amount
        elif kind == EntryKind.PAYOUT:
            in_payment -= amount
        elif kind == EntryKind.SETTLEMENT:
            paid_in += amount
    balance = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.cooperative_id == cooperative_id, LedgerEntry.currency == currency
        )
    )
    return MoneySummary(currency, earned, cash, paid_out, in_payment, paid_in, int(balance or 0))


def ledger_entries(
    session: Session, cooperative_id: int, *, start: datetime, end: datetime
) -> list[LedgerEntry]:
    """A cooperative's ledger in ``[start, end)``, oldest first."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(
                LedgerEntry.cooperative_id == cooperative_id,
                LedgerEntry.created_at >= start,
                LedgerEntry.created_at < end,
            )
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
        )
    )
