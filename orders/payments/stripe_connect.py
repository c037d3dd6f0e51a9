"""Optional: pay cooperatives that have a Stripe Connect account by transfer instead
of by bank batch ("separate charges and transfers": one charge per order, one
transfer per cooperative with the order's ``transfer_group``).

Stripe cannot pay out to Moroccan bank accounts, so this serves only cooperatives
Stripe accepts; every other cooperative is paid from the ledger's batches. Each
delivered card-paid part is transferred once (idempotency key
``transfer:<order>:<cooperative>``) and the transfer is written to the ledger.

Usage (one commit per transfer, so a crash never forgets one that was made)::

    for part in parts_due(session):
        transfer_part(session, gateway, part, now=now)
        session.commit()

When a transferred part is refunded, :func:`reverse_transfer` takes the transfer back
from the cooperative's Stripe balance (``orders.refunds.refund_part`` calls it); when
units of one of its lines are refunded, it takes back only their share (their price
less the commission on them, ``orders.refunds.refund_line``). A part whose units were
refunded before it was transferred is transferred less those units.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.money import Money
from orders.ledger import EntryKind, add_entry, line_refunds
from orders.models import Fulfilment, LedgerEntry, Order, PayoutAccount
from orders.status import FulfilmentStatus, PaymentMethod


@runtime_checkable
class TransferGateway(Protocol):
    def transfer(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        source_transaction: str | None,
        idempotency_key: str,
    ) -> str: ...

    def reverse_transfer(self, *, transfer_id: str, amount: Money, idempotency_key: str) -> str:
        """Take ``amount`` of a transfer back; returns the reversal's id."""
        ...


def parts_due(session: Session, *, limit: int = 200) -> list[Fulfilment]:
    """Delivered card-paid parts of cooperatives with a Connect account, not yet
    transferred."""
    transferred = select(LedgerEntry.fulfilment_id).where(
        LedgerEntry.kind == EntryKind.TRANSFER, LedgerEntry.fulfilment_id.is_not(None)
    )
    return list(
        session.scalars(
            select(Fulfilment)
            .join(Order, Order.id == Fulfilment.order_id)
            .join(PayoutAccount, PayoutAccount.cooperative_id == Fulfilment.cooperative_id)
            .where(
                Fulfilment.status == FulfilmentStatus.DELIVERED,
                Order.payment_method == PaymentMethod.CARD,
                PayoutAccount.stripe_account_id.is_not(None),
                Fulfilment.id.not_in(transferred),
            )
            .order_by(Fulfilment.id)
            .limit(limit)
        )
    )


def transfer_part(
    session: Session, gateway: TransferGateway, part: Fulfilment, *, now: datetime
) -> LedgerEntry:
    """Transfer the cooperative's share of one part and write it to the ledger.

    :raises GatewayError: when Stripe refuses; nothing is written.
    """
    account = session.get(PayoutAccount, part.cooperative_id)
    assert account is not None and account.stripe_account_id
    order = part.order
    share = Money(part.cooperative_share_minor - line_refunds(part), part.currency)
    transfer_id = gateway.transfer(
        amount=share,
        destination=account.stripe_account_id,
        transfer_group=f"ORDER_{order.number}",
        source_transaction=None,
        idempotency_key=f"transfer:{order.number}:{part.cooperative_id}",
    )
    entry = add_entry(
        session,
        EntryKind.TRANSFER,
        part.cooperative_id,
        -share.amount_minor,
        now=now,
        currency=share.currency,
        fulfilment=part,
        reference=transfer_id,
    )
    session.flush()
    assert entry is not None
    return entry


def reverse_transfer(
    session: Session,
    gateway: TransferGateway,
    part: Fulfilment,
    *,
    now: datetime,
    amount_minor: int | None = None,
    key: str = "",
) -> LedgerEntry | None:
    """Take back what was transferred for ``part`` and not taken back yet (at most
    ``amount_minor`` of it, for units of a line), and write it to the ledger. ``key``
    tells one partial reversal from another for Stripe's idempotency. ``None`` when
    nothing is outstanding (never transferred, or done).

    :raises GatewayError: when Stripe refuses (the cooperative's Stripe balance cannot
        cover it, say); nothing is written and the ledger shows what it owes.
    """
    kinds = [EntryKind.TRANSFER, EntryKind.TRANSFER_REVERSAL]
    outstanding = -int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
                LedgerEntry.fulfilment_id == part.id, LedgerEntry.kind.in_(kinds)
            )
        )
        or 0
    )
    transfer = session.scalar(
        select(LedgerEntry)
        .where(LedgerEntry.fulfilment_id == part.id, LedgerEntry.kind == EntryKind.TRANSFER)
        .order_by(LedgerEntry.id)
        .limit(1)
    )
    if amount_minor is not None:
        outstanding = min(outstanding, amount_minor)
    if outstanding <= 0 or transfer is None:
        return None
    amount = Money(outstanding, transfer.currency)
    reversal_id = gateway.reverse_transfer(
        transfer_id=transfer.reference,
        amount=amount,
        idempotency_key=f"transfer-reversal:{part.order.number}:{part.cooperative_id}"
        + (f":{key}" if key else ""),
    )
    entry = add_entry(
        session,
        EntryKind.TRANSFER_REVERSAL,
        part.cooperative_id,
        outstanding,
        now=now,
        currency=amount.currency,
        fulfilment=part,
        reference=reversal_id,
    )
    session.flush()
    return entry
