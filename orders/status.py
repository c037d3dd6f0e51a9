"""Order and fulfilment states, the transitions allowed between them, and the kinds
of event written to an order's log.

An order is one checkout; it has one fulfilment per cooperative, each with its own
state. The order's state follows its fulfilments once it is confirmed (see
:func:`orders.fulfilment.settle_order_status`).
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"  # stock reserved; waiting for the card or the transfer
    CONFIRMED = "confirmed"  # cooperatives prepare their parts
    COMPLETED = "completed"  # every part closed, at least one delivered
    CANCELLED = "cancelled"  # nothing delivered, nothing owed
    EXPIRED = "expired"  # the reservation ran out before payment
    REFUNDED = "refunded"  # money given back for every part that was paid


class FulfilmentStatus(StrEnum):
    NEW = "new"  # the order is not confirmed yet
    TO_PREPARE = "to_prepare"  # the cooperative prepares the parcel
    SHIPPED = "shipped"  # handed to the carrier, with a tracking number
    DELIVERED = "delivered"
    CANCELLED = "cancelled"  # before delivery; stock back
    REFUNDED = "refunded"  # the money for this part was given back
    REFUSED = "refused"  # cash on delivery: refused at the door, on its way back
    RETURNED = "returned"  # the refused parcel is back with the cooperative; stock back


class PaymentMethod(StrEnum):
    COD = "cod"  # cash on delivery (the default)
    CARD = "card"  # Stripe Checkout
    BANK_TRANSFER = "bank_transfer"  # institutions; an operator records the transfer


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class DeliveryOption(StrEnum):
    HOME = "home"  # to the door
    RELAY = "relay"  # picked up at the carrier's agency


class EventKind(StrEnum):
    PLACED = "placed"
    CONFIRMED = "confirmed"
    PAYMENT_STARTED = "payment_started"
    PAID = "paid"
    PAYMENT_FAILED = "payment_failed"
    BANK_TRANSFER_RECORDED = "bank_transfer_recorded"
    PREPARING = "preparing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CASH_COLLECTED = "cash_collected"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    REFUND_RECORDED = "refund_recorded"
    RESERVATION_EXPIRED = "reservation_expired"
    REINSTATED = "reinstated"  # paid after the reservation ran out, stock found again
    NEEDS_ATTENTION = "needs_attention"
    REFUSED_AT_DOOR = "refused_at_door"
    RETURNED = "returned"
    TRACKING_CORRECTED = "tracking_corrected"
    ATTENTION_CLEARED = "attention_cleared"  # an operator looked and wrote a note
    REFUND_PAID = "refund_paid"  # an operator gave money back by transfer or cash
    LINE_REFUNDED = "line_refunded"  # units of one line refunded, the parcel kept
    COMPLETED = "completed"


_O = OrderStatus
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    _O.PENDING_PAYMENT: frozenset({_O.CONFIRMED, _O.CANCELLED, _O.EXPIRED}),
    _O.CONFIRMED: frozenset({_O.COMPLETED, _O.CANCELLED, _O.REFUNDED}),
    _O.COMPLETED: frozenset({_O.REFUNDED}),
    # only a payment that arrives after the reservation ran out, when the stock can
    # be reserved again (orders.payments.events)
    _O.EXPIRED: frozenset({_O.CONFIRMED}),
    _O.CANCELLED: frozenset(),
    _O.REFUNDED: frozenset(),
}

_F = FulfilmentStatus
FULFILMENT_TRANSITIONS: dict[FulfilmentStatus, frozenset[FulfilmentStatus]] = {
    _F.NEW: frozenset({_F.TO_PREPARE, _F.CANCELLED}),
    _F.TO_PREPARE: frozenset({_F.SHIPPED, _F.CANCELLED, _F.REFUNDED}),
    # a parcel lost comes back cancelled (unpaid) or refunded; a cash-on-delivery
    # parcel refused at the door travels back to the cooperative
    _F.SHIPPED: frozenset({_F.DELIVERED, _F.CANCELLED, _F.REFUNDED, _F.REFUSED}),
    _F.REFUSED: frozenset({_F.RETURNED}),
    _F.RETURNED: frozenset(),
    _F.DELIVERED: frozenset({_F.REFUNDED}),
    # a late payment for an expired order reinstates its parts
    _F.CANCELLED: frozenset({_F.TO_PREPARE}),
    _F.REFUNDED: frozenset(),
}

#: States in which a part still holds stock (released on cancellation).
HOLDING_STOCK = frozenset({_F.NEW, _F.TO_PREPARE})
#: States a part never leaves in the normal course.
CLOSED_FULFILMENT = frozenset({_F.DELIVERED, _F.CANCELLED, _F.REFUNDED, _F.RETURNED})
#: Order states in which the shopper's money or goods are still in play.
OPEN_ORDER = frozenset({_O.PENDING_PAYMENT, _O.CONFIRMED})


def can_order(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ORDER_TRANSITIONS[OrderStatus(current)]


def can_fulfil(current: FulfilmentStatus, target: FulfilmentStatus) -> bool:
    return target in FULFILMENT_TRANSITIONS[FulfilmentStatus(current)]
