"""What the marketplace owes each cooperative, and the payouts that settle it.

Stripe cannot pay out to Moroccan bank accounts, so the marketplace keeps a ledger per
cooperative (positive = owed to the cooperative):

* a part paid to the marketplace (card, bank transfer) and **delivered**: the
  cooperative is owed its goods and its parcel (it paid the carrier), less the
  commission snapshotted on the lines (``sale`` + ``shipping`` − ``commission``), and
  the part of the parcel's delivery the marketplace took on for the shopper (free or
  capped delivery: ``delivery_subsidy``, paid out of the commission);
* a cash-on-delivery part whose cash the **cooperative collected**: the same three
  entries and ``cash_collected`` for the cash it keeps, so it ends up owing the
  commission;
* a refunded part: one ``reversal`` cancelling every entry of that part;
* payouts: the operator makes a batch (one bank transfer per cooperative owed money,
  exported as CSV) and marks it paid; a cooperative that owes commission pays it in
  (``settlement``); Stripe Connect transfers (``transfer``) are the optional
  alternative for cooperatives with a Connect account.

:func:`reconcile` recomputes every balance from the orders and payouts alone and
reports any cooperative whose ledger disagrees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from catalog import spreadsheet
from catalog.models import Cooperative
from catalog.money import Money
from catalog.spreadsheet import Identifier
from orders.errors import LedgerError
from orders.models import (
    Fulfilment,
    LedgerEntry,
    Order,
    OrderLine,
    PayoutAccount,
    PayoutBatch,
)
from orders.status import FulfilmentStatus, PaymentMethod


class EntryKind(StrEnum):
    SALE = "sale"  # goods delivered
    SHIPPING = "shipping"  # the parcel's shipping and cash-on-delivery fee
    DELIVERY_SUBSIDY = "delivery_subsidy"  # delivery the marketplace pays for the shopper
    COMMISSION = "commission"  # the marketplace's commission (negative)
    CASH_COLLECTED = "cash_collected"  # cash the cooperative kept (negative)
    REVERSAL = "reversal"  # a refunded part: cancels that part's entries
    PAYOUT = "payout"  # a bank transfer to the cooperative in a batch (negative)
    TRANSFER = "transfer"  # a Stripe Connect transfer (negative)
    TRANSFER_REVERSAL = "transfer_reversal"  # a transfer taken back (positive)
    SETTLEMENT = "settlement"  # the cooperative paid what it owed (positive)
    LINE_REFUND = "line_refund"  # units of one line refunded, less their commission (negative)


#: Entries that belong to a part (reversed when the part is refunded).
PART_KINDS = (
    EntryKind.SALE,
    EntryKind.SHIPPING,
    EntryKind.DELIVERY_SUBSIDY,
    EntryKind.COMMISSION,
    EntryKind.CASH_COLLECTED,
    EntryKind.LINE_REFUND,
)


class BatchStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"


def add_entry(
    session: Session,
    kind: EntryKind,
    cooperative_id: int,
    amount_minor: int,
    *,
    now: datetime,
    currency: str = "MAD",
    fulfilment: Fulfilment | None = None,
    batch: PayoutBatch | None = None,
    reference: str = "",
) -> LedgerEntry | None:
    if amount_minor == 0:
        return None
    entry = LedgerEntry(
        cooperative_id=cooperative_id,
        order_id=fulfilment.order_id if fulfilment is not None else None,
        fulfilment_id=fulfilment.id if fulfilment is not None else None,
        batch=batch,
        kind=str(kind),
        amount_minor=amount_minor,
        currency=currency,
        reference=reference,
        created_at=now,
    )
    session.add(entry)
    return entry


def _earned(session: Session, fulfilment: Fulfilment, now: datetime) -> None:
    ref = fulfilment.invoice_number
    coop, cur = fulfilment.cooperative_id, fulfilment.currency
    add_entry(
        session,
        EntryKind.SALE,
        coop,
        fulfilment.goods_minor,
        now=now,
        currency=cur,
        fulfilment=fulfilment,
        reference=ref,
    )
    add_entry(
        session,
        EntryKind.SHIPPING,
        coop,
        fulfilment.shipping_minor + fulfilment.cod_fee_minor,
        now=now,
        currency=cur,
        fulfilment=fulfilment,
        reference=ref,
    )
    add_entry(
        session,
        EntryKind.DELIVERY_SUBSIDY,
        coop,
        fulfilment.delivery_subsidy_minor,
        now=now,
        currency=cur,
        fulfilment=fulfilment,
        reference=ref,
    )
    add_entry(
        session,
        EntryKind.COMMISSION,
        coop,
        -fulfilment.commission_minor,
        now=now,
        currency=cur,
        fulfilment=fulfilment,
        reference=ref,
    )
    # units refunded before the sale was posted (a parcel refunded in part on its way)
    add_entry(
        session,
        EntryKind.LINE_REFUND,
        coop,
        -line_refunds(fulfilment),
        now=now,
        currency=cur,
        fulfilment=fulfilment,
        reference=ref,
    )


def _entries_posted(fulfilment: Fulfilment) -> bool:
    """The part's sale is in the ledger: delivered and paid to the marketplace, or its
    cash collected by the cooperative."""
    if fulfilment.order.payment_method == PaymentMethod.COD:
        return fulfilment.cash_collected_at is not None
    return fulfilment.status == FulfilmentStatus.DELIVERED


def line_refunds(fulfilment: Fulfilment) -> int:
    """What the cooperative gives back for the units of ``fulfilment``'s lines refunded
    on their own: their price less the commission on them."""
    return sum(ln.refunded_minor - ln.refunded_commission_minor for ln in fulfilment.lines)


def post_line_refund(
    session: Session, fulfilment: Fulfilment, net_minor: int, *, now: datetime, reference: str
) -> None:
    """Units of one line were refunded: the cooperative gives back ``net_minor`` (their
    price less the commission on them). Posted now if the part's sale already is,
    otherwise with the sale (see :func:`post_delivery`)."""
    if not _entries_posted(fulfilment):
        return
    add_entry(
        session,
        EntryKind.LINE_REFUND,
        fulfilment.cooperative_id,
        -net_minor,
        now=now,
        currency=fulfilment.currency,
        fulfilment=fulfilment,
        reference=f"{fulfilment.invoice_number} {reference}",
    )
    session.flush()


def post_delivery(session: Session, fulfilment: Fulfilment, *, now: datetime) -> None:
    """A part paid to the marketplace was delivered: the cooperative is owed its share.
    Cash-on-delivery parts post nothing here (see :func:`post_cash_collected`)."""
    if fulfilment.order.payment_method == PaymentMethod.COD:
        return
    _earned(session, fulfilment, now)
    session.flush()


def post_cash_collected(session: Session, fulfilment: Fulfilment, *, now: datetime) -> None:
    """The cooperative collected the cash of a part itself: it keeps the cash and owes
    the commission."""
    _earned(session, fulfilment, now)
    add_entry(
        session,
        EntryKind.CASH_COLLECTED,
        fulfilment.cooperative_id,
        -fulfilment.cash_collected_minor,
        now=now,
        currency=fulfilment.currency,
        fulfilment=fulfilment,
        reference=fulfilment.invoice_number,
    )
    session.flush()


def reverse_part(session: Session, fulfilment: Fulfilment, *, now: datetime) -> int:
    """Cancel every entry of a refunded part; returns the amount reversed."""
    session.flush()
    posted = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.fulfilment_id == fulfilment.id,
            LedgerEntry.kind.in_([str(k) for k in (*PART_KINDS, EntryKind.REVERSAL)]),
        )
    )
    amount = -int(posted or 0)
    add_entry(
        session,
        EntryKind.REVERSAL,
        fulfilment.cooperative_id,
        amount,
        now=now,
        currency=fulfilment.currency,
        fulfilment=fulfilment,
        reference=fulfilment.invoice_number,
    )
    session.flush()
    return amount


# -- balances ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Balance:
    cooperative_id: int
    cooperative_name: str
    #: what the marketplace owes the cooperative now (negative: the cooperative owes)
    balance: Money
    #: in payout batches not yet marked paid
    in_open_batches: Money
    #: paid out so far (paid batches and Connect transfers not taken back)
    paid_out: Money


def balances(session: Session, currency: str = "MAD") -> list[Balance]:
    """Every cooperative with ledger entries, by name. One query."""
    paid_batch = LedgerEntry.batch.has(PayoutBatch.status == BatchStatus.PAID)
    open_batch = LedgerEntry.batch.has(PayoutBatch.status == BatchStatus.OPEN)
    is_payout = LedgerEntry.kind.in_([EntryKind.PAYOUT, EntryKind.TRANSFER])
    is_transfer = LedgerEntry.kind.in_([EntryKind.TRANSFER, EntryKind.TRANSFER_REVERSAL])
    rows = session.execute(
        select(
            Cooperative.id,
            Cooperative.name_fr,
            func.sum(LedgerEntry.amount_minor),
            func.sum(case((open_batch, -LedgerEntry.amount_minor), else_=0)),
            func.sum(
                case(
                    (is_transfer, -LedgerEntry.amount_minor),
                    (is_payout & paid_batch, -LedgerEntry.amount_minor),
                    else_=0,
                )
            ),
        )
        .join(LedgerEntry, LedgerEntry.cooperative_id == Cooperative.id)
        .where(LedgerEntry.currency == currency)
        .group_by(Cooperative.id, Cooperative.name_fr)
        .order_by(Cooperative.name_fr, Cooperative.id)
    ).all()
    return [
        Balance(
            cid,
            name,
            Money(int(bal), currency),
            Money(int(pend), currency),
            Money(int(paid), currency),
        )
        for cid, name, bal, pend, paid in rows
    ]


def balance_of(session: Session, cooperative_id: int, currency: str = "MAD") -> Money:
    value = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.cooperative_id == cooperative_id, LedgerEntry.currency == currency
        )
    )
    return Money(int(value or 0), currency)


def statement(
    session: Session, cooperative_id: int, *, limit: int = 100, offset: int = 0
) -> list[LedgerEntry]:
    """A cooperative's entries, newest first."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.cooperative_id == cooperative_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def expected_balances(session: Session, currency: str = "MAD") -> dict[int, int]:
    """Each cooperative's balance recomputed from the orders and payouts alone (not
    from the part entries): delivered parts paid to the marketplace are owed in full
    less commission; parts whose cash the cooperative collected owe the commission;
    refunded parts count for nothing; payouts and transfers reduce, settlements and
    transfers taken back add."""
    expected: dict[int, int] = defaultdict(int)
    parts = session.execute(
        select(Fulfilment, Order.payment_method)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(Fulfilment.currency == currency)
    ).all()
    line_refunds = {
        part_id: int(net)
        for part_id, net in session.execute(
            select(
                OrderLine.fulfilment_id,
                func.sum(OrderLine.refunded_minor - OrderLine.refunded_commission_minor),
            )
            .where(OrderLine.refunded_quantity > 0)
            .group_by(OrderLine.fulfilment_id)
        )
    }
    for part, method in parts:
        if part.status == FulfilmentStatus.REFUNDED:
            continue
        share = (
            part.total_minor
            + part.delivery_subsidy_minor
            - part.commission_minor
            - line_refunds.get(part.id, 0)
        )
        if method == PaymentMethod.COD:
            if part.cash_collected_at is not None:
                expected[part.cooperative_id] += share - part.cash_collected_minor
        elif part.status == FulfilmentStatus.DELIVERED:
            expected[part.cooperative_id] += share
    moves = session.execute(
        select(LedgerEntry.cooperative_id, func.sum(LedgerEntry.amount_minor))
        .where(
            LedgerEntry.kind.in_(
                [
                    EntryKind.PAYOUT,
                    EntryKind.TRANSFER,
                    EntryKind.TRANSFER_REVERSAL,
                    EntryKind.SETTLEMENT,
                ]
            ),
            LedgerEntry.currency == currency,
        )
        .group_by(LedgerEntry.cooperative_id)
    ).all()
    for cooperative_id, amount in moves:
        expected[cooperative_id] += int(amount)
    return dict(expected)


def reconcile(session: Session, currency: str = "MAD") -> dict[int, tuple[int, int]]:
    """Cooperatives whose ledger balance differs from the orders: ``{id: (ledger,
    expected)}``. Empty when the books are right."""
    ledger = {b.cooperative_id: b.balance.amount_minor for b in balances(session, currency)}
    expected = expected_balances(session, currency)
    return {
        cid: (ledger.get(cid, 0), expected.get(cid, 0))
        for cid in set(ledger) | set(expected)
        if ledger.get(cid, 0) != expected.get(cid, 0)
    }


# -- bank details -------------------------------------------------------------------
def clean_rib(value: str) -> str:
    """A Moroccan RIB: 24 digits (bank 3, city 3, account 16, key 2) whose key makes
    the whole number divisible by 97.

    :raises LedgerError: ``invalid_rib``.
    """
    digits = "".join(ch for ch in value if not ch.isspace())
    if len(digits) != 24 or not digits.isascii() or not digits.isdigit():
        raise LedgerError("invalid_rib", reason="format")
    if int(digits) % 97 != 0:
        raise LedgerError("invalid_rib", reason="key")
    return digits


def set_payout_account(
    session: Session,
    cooperative_id: int,
    *,
    holder_name: str,
    rib: str,
    stripe_account_id: str | None = None,
) -> PayoutAccount:
    """Save where a cooperative is paid. :raises LedgerError: ``invalid_rib``."""
    account = session.get(PayoutAccount, cooperative_id)
    if account is None:
        account = PayoutAccount(cooperative_id=cooperative_id)
        session.add(account)
    account.holder_name = holder_name.strip()[:200]
    account.rib = clean_rib(rib) if rib.strip() else ""
    account.stripe_account_id = (stripe_account_id or "").strip() or None
    session.flush()
    return account


# -- payouts ------------------------------------------------------------------------------
def create_payout_batch(
    session: Session,
    *,
    now: datetime,
    created_by_id: int | None = None,
    minimum_minor: int = 1,
    currency: str = "MAD",
) -> PayoutBatch:
    """One payout per cooperative owed at least ``minimum_minor`` that has a bank
    account (RIB) and no Stripe Connect account. Flushes.

    :raises LedgerError: ``nothing_to_pay`` when no cooperative qualifies.
    """
    owed = [b for b in balances(session, currency) if b.balance.amount_minor >= minimum_minor]
    accounts = {
        a.cooperative_id: a
        for a in session.scalars(
            select(PayoutAccount).where(
                PayoutAccount.cooperative_id.in_([b.cooperative_id for b in owed])
            )
        )
    }
    payable = [
        b
        for b in owed
        if (a := accounts.get(b.cooperative_id)) is not None and a.rib and not a.stripe_account_id
    ]
    if not payable:
        raise LedgerError("nothing_to_pay", without_rib=len(owed) - len(payable))
    count = session.scalar(select(func.count(PayoutBatch.id))) or 0
    batch = PayoutBatch(
        reference=f"PAY-{now:%Y%m%d}-{count + 1:04d}",
        status=BatchStatus.OPEN,
        currency=currency,
        created_at=now,
        created_by_id=created_by_id,
    )
    session.add(batch)
    total = 0
    for b in payable:
        amount = b.balance.amount_minor
        add_entry(
            session,
            EntryKind.PAYOUT,
            b.cooperative_id,
            -amount,
            now=now,
            currency=currency,
            batch=batch,
            reference=batch.reference,
        )
        total += amount
    batch.total_minor = total
    session.flush()
    return batch


def mark_batch_paid(
    session: Session, batch: PayoutBatch, *, now: datetime, bank_reference: str = ""
) -> None:
    """:raises LedgerError: ``batch_not_open``."""
    if batch.status != BatchStatus.OPEN:
        raise LedgerError("batch_not_open", status=batch.status)
    batch.status = BatchStatus.PAID
    batch.paid_at = now
    batch.bank_reference = bank_reference.strip()[:120]
    session.flush()


def cancel_payout_batch(session: Session, batch: PayoutBatch) -> None:
    """Drop an open batch the bank did not execute: its amounts are owed again.

    :raises LedgerError: ``batch_not_open``.
    """
    if batch.status != BatchStatus.OPEN:
        raise LedgerError("batch_not_open", status=batch.status)
    for entry in list(batch.entries):
        session.delete(entry)
    batch.status = BatchStatus.CANCELLED
    session.flush()


def record_settlement(
    session: Session, cooperative_id: int, amount: Money, *, now: datetime, reference: str
) -> LedgerEntry:
    """A cooperative paid the marketplace what it owed (commission on cash it kept).

    :raises LedgerError: ``invalid_amount`` unless positive.
    """
    if amount.amount_minor <= 0:
        raise LedgerError("invalid_amount", amount_minor=amount.amount_minor)
    entry = add_entry(
        session,
        EntryKind.SETTLEMENT,
        cooperative_id,
        amount.amount_minor,
        now=now,
        currency=amount.currency,
        reference=reference.strip()[:120],
    )
    session.flush()
    assert entry is not None
    return entry


CSV_COLUMNS = ("batch", "cooperative", "ice", "holder", "rib", "amount", "currency", "label")


def batch_csv(session: Session, batch: PayoutBatch) -> str:
    """The batch as CSV for the bank: one transfer per line, amounts with a dot and
    two decimals, RIB and ICE kept as text."""
    rows = session.execute(
        select(LedgerEntry, Cooperative, PayoutAccount)
        .join(Cooperative, Cooperative.id == LedgerEntry.cooperative_id)
        .outerjoin(PayoutAccount, PayoutAccount.cooperative_id == LedgerEntry.cooperative_id)
        .where(LedgerEntry.batch_id == batch.id)
        .order_by(Cooperative.name_fr, LedgerEntry.id)
    ).all()
    return spreadsheet.write_csv(
        CSV_COLUMNS,
        (
            (
                batch.reference,
                coop.name_fr,
                Identifier(coop.ice or ""),
                account.holder_name if account else "",
                Identifier(account.rib if account else ""),
                spreadsheet.amount(-entry.amount_minor),
                entry.currency,
                f"Taawun {batch.reference}",
            )
            for entry, coop, account in rows
        ),
    )
