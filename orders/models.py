"""All of the orders package's tables, importable in one place.

An :class:`Order` is one checkout. It has one :class:`Fulfilment` per cooperative,
each with its own state, parcel, shipping price and invoice; :class:`OrderLine` rows
snapshot what was sold (titles, unit price, cooperative, commission rate) so orders
survive catalog edits. :class:`OrderEvent` is the order's log. Money is integer
minor units (``*_minor``) in the order's currency.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.accounts.users import Organisation, User
from catalog.db import Base, utcnow
from catalog.models import CapacityCommitment, Cooperative, Product
from catalog.money import Money
from orders.status import (
    DeliveryOption,
    EventKind,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)

__all__ = [
    "Cart",
    "CartLine",
    "Fulfilment",
    "LedgerEntry",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "PayoutAccount",
    "PayoutBatch",
    "ProcessedWebhookEvent",
    "ShippingRate",
    "ShippingTariff",
]


class Cart(Base):
    """A logged-in shopper's cart (guests keep theirs in the session cookie)."""

    __tablename__ = "orders_cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("orders_user.id"), unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.position"
    )


class CartLine(Base):
    __tablename__ = "orders_cart_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    cart_id: Mapped[int] = mapped_column(ForeignKey("orders_cart.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="CASCADE"), primary_key=True
    )
    quantity: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    cart: Mapped[Cart] = relationship(back_populates="lines")


class ShippingTariff(Base):
    """A carrier's price list for one delivery option: a price per zone and weight
    band (:class:`ShippingRate`), a price per kilogram above the heaviest band and a
    cash-on-delivery fee per parcel."""

    __tablename__ = "orders_shipping_tariff"
    __table_args__ = (
        UniqueConstraint("carrier", "delivery_option", name="uq_orders_shipping_tariff_option"),
        CheckConstraint("cod_fee_minor >= 0 AND extra_kg_minor >= 0", name="fees_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(String(40))
    delivery_option: Mapped[DeliveryOption] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    cod_fee_minor: Mapped[int] = mapped_column(default=0)
    extra_kg_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="MAD")

    rates: Mapped[list[ShippingRate]] = relationship(
        back_populates="tariff",
        cascade="all, delete-orphan",
        order_by="ShippingRate.max_weight_g",
        lazy="selectin",
    )


class ShippingRate(Base):
    __tablename__ = "orders_shipping_rate"
    __table_args__ = (
        UniqueConstraint("tariff_id", "zone", "max_weight_g", name="uq_orders_shipping_rate_band"),
        CheckConstraint("max_weight_g > 0 AND price_minor >= 0", name="band_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("orders_shipping_tariff.id"), index=True)
    #: one of orders.shipping.ShippingZone
    zone: Mapped[str] = mapped_column(String(20))
    #: the band covers parcels up to this weight (and above the previous band)
    max_weight_g: Mapped[int]
    price_minor: Mapped[int]

    tariff: Mapped[ShippingTariff] = relationship(back_populates="rates")


class Order(Base):
    __tablename__ = "orders_order"
    __table_args__ = (
        CheckConstraint(
            "total_minor = goods_minor + shipping_minor + cod_fee_minor", name="total_adds_up"
        ),
        CheckConstraint(
            "goods_minor >= 0 AND shipping_minor >= 0 AND cod_fee_minor >= 0 "
            "AND amount_paid_minor >= 0 AND amount_refunded_minor >= 0",
            name="amounts_not_negative",
        ),
        Index("ix_orders_order_status_reserved", "status", "reserved_until"),
        Index("ix_orders_order_user_placed", "user_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_organisation.id"), index=True
    )
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.PENDING_PAYMENT)
    payment_method: Mapped[PaymentMethod] = mapped_column(String(20))
    delivery_option: Mapped[DeliveryOption] = mapped_column(String(20))
    # -- the shopper (a guest has no user) ------------------------------------------
    customer_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))  # E.164, +212...
    language: Mapped[str] = mapped_column(String(5), default="fr")
    #: how the shopper wants order updates: "email" or "sms" (catalog.notifications.Channel)
    notify_channel: Mapped[str] = mapped_column(String(10), default="email")
    # -- where to deliver (no postcode in Morocco's everyday addresses) ---------------
    region_code: Mapped[str] = mapped_column(String(2))
    province_code: Mapped[str] = mapped_column(String(12))
    city: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(Text)
    # -- money ------------------------------------------------------------------------
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    goods_minor: Mapped[int]
    shipping_minor: Mapped[int]
    cod_fee_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int]
    commission_minor: Mapped[int] = mapped_column(default=0)
    amount_paid_minor: Mapped[int] = mapped_column(default=0)
    amount_refunded_minor: Mapped[int] = mapped_column(default=0)
    #: money given back to the buyer by hand (a transfer or cash), recorded by an operator
    refund_paid_minor: Mapped[int] = mapped_column(default=0)
    # -- time -----------------------------------------------------------------------
    reserved_until: Mapped[datetime | None]
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: a payment or refund that needs an operator's eye (see the event log)
    needs_attention: Mapped[bool] = mapped_column(default=False)
    #: the checkout form's one-time key: a double submit returns the same order
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    fulfilments: Mapped[list[Fulfilment]] = relationship(
        back_populates="order", order_by="Fulfilment.position", cascade="all, delete-orphan"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="order", order_by="Payment.id", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def goods(self) -> Money:
        return Money(self.goods_minor, self.currency)

    @property
    def shipping(self) -> Money:
        return Money(self.shipping_minor, self.currency)

    @property
    def cod_fee(self) -> Money:
        return Money(self.cod_fee_minor, self.currency)

    @property
    def amount_paid(self) -> Money:
        return Money(self.amount_paid_minor, self.currency)

    @property
    def amount_refunded(self) -> Money:
        return Money(self.amount_refunded_minor, self.currency)

    @property
    def refund_owed_minor(self) -> int:
        """What the marketplace still owes the buyer: refunds of an order not paid by
        card (a card is refunded through the gateway) and any over-payment, less what an
        operator recorded as given back."""
        refunded = 0 if self.payment_method == PaymentMethod.CARD else self.amount_refunded_minor
        overpaid = max(0, self.amount_paid_minor - self.total_minor)
        return max(0, refunded + overpaid - self.refund_paid_minor)

    @property
    def refund_owed(self) -> Money:
        return Money(self.refund_owed_minor, self.currency)

    @property
    def amount_due_minor(self) -> int:
        """What is still to be paid before the order is paid in full."""
        return max(0, self.total_minor - self.amount_paid_minor)

    @property
    def amount_due(self) -> Money:
        return Money(self.amount_due_minor, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.amount_paid_minor > 0

    def current_payment(self) -> Payment | None:
        """The latest payment attempt, if any."""
        return self.payments[-1] if self.payments else None


class Fulfilment(Base):
    """One cooperative's part of an order: its parcel, state and invoice. A shopper's
    order has one per cooperative; an institution's planned order may have several
    per cooperative, one per delivery point (:mod:`orders.institutional`)."""

    __tablename__ = "orders_fulfilment"
    __table_args__ = (
        Index("ix_orders_fulfilment_cooperative_status", "cooperative_id", "status", "id"),
        CheckConstraint(
            "goods_minor >= 0 AND shipping_minor >= 0 AND cod_fee_minor >= 0 "
            "AND commission_minor >= 0 AND cash_collected_minor >= 0 AND refunded_minor >= 0",
            name="amounts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders_order.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"))
    position: Mapped[int] = mapped_column(default=1)
    status: Mapped[FulfilmentStatus] = mapped_column(String(20), default=FulfilmentStatus.NEW)
    # -- the cooperative as it was at sale time (for the invoice) -----------------------
    cooperative_name: Mapped[str] = mapped_column(String(200))
    cooperative_name_ar: Mapped[str] = mapped_column(String(200), default="")
    cooperative_ice: Mapped[str | None] = mapped_column(String(15))
    cooperative_vat_exempt: Mapped[bool] = mapped_column(default=True)
    origin_region_code: Mapped[str] = mapped_column(String(2))
    # -- the parcel -----------------------------------------------------------------
    weight_g: Mapped[int] = mapped_column(default=0)
    zone: Mapped[str] = mapped_column(String(20))
    promised_on: Mapped[date | None] = mapped_column(Date)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    tracking_number: Mapped[str] = mapped_column(String(60), default="")
    # -- money ----------------------------------------------------------------------
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    goods_minor: Mapped[int]
    shipping_minor: Mapped[int]
    cod_fee_minor: Mapped[int] = mapped_column(default=0)
    commission_minor: Mapped[int] = mapped_column(default=0)
    #: the carrier's price of the parcel (and cash-on-delivery fee) the shopper did not
    #: pay: the marketplace owes it to the cooperative (free or capped delivery)
    delivery_subsidy_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    cash_collected_minor: Mapped[int] = mapped_column(default=0)
    refunded_minor: Mapped[int] = mapped_column(default=0)
    # -- time -----------------------------------------------------------------------
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    cash_collected_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship(back_populates="fulfilments")
    cooperative: Mapped[Cooperative] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="fulfilment", order_by="OrderLine.id"
    )

    @property
    def total_minor(self) -> int:
        """What the shopper pays for this part: goods, its parcel and its COD fee."""
        return self.goods_minor + self.shipping_minor + self.cod_fee_minor

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    @property
    def to_collect_minor(self) -> int:
        """Cash on delivery: what the carrier collects at the door, the part's total
        less the units taken off before it left."""
        return self.total_minor - self.refunded_minor

    @property
    def to_collect(self) -> Money:
        return Money(self.to_collect_minor, self.currency)

    @property
    def goods(self) -> Money:
        return Money(self.goods_minor, self.currency)

    @property
    def shipping(self) -> Money:
        return Money(self.shipping_minor, self.currency)

    @property
    def cod_fee(self) -> Money:
        return Money(self.cod_fee_minor, self.currency)

    @property
    def commission(self) -> Money:
        return Money(self.commission_minor, self.currency)

    @property
    def cooperative_share_minor(self) -> int:
        """What the cooperative keeps: goods and parcel (it pays the carrier), less
        the marketplace's commission."""
        return self.total_minor - self.commission_minor

    @property
    def invoice_number(self) -> str:
        return f"{self.order.number}-{self.position}"

    def cooperative_name_in(self, lang: str) -> str:
        """The seller's name as it was at sale time: in Arabic for Arabic readers when
        the cooperative had one, else the French name."""
        if lang == "ar" and self.cooperative_name_ar:
            return self.cooperative_name_ar
        return self.cooperative_name


class OrderLine(Base):
    __tablename__ = "orders_order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "qty_from_stock >= 0 AND qty_made_to_order >= 0 "
            "AND qty_from_stock + qty_made_to_order "
            "BETWEEN quantity - refunded_quantity AND quantity",
            name="quantity_split",
        ),
        CheckConstraint("commission_bps BETWEEN 0 AND 10000", name="commission_range"),
        CheckConstraint(
            "refunded_quantity BETWEEN 0 AND quantity AND refunded_minor >= 0 "
            "AND refunded_commission_minor >= 0",
            name="refund_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders_order.id"), index=True)
    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("orders_fulfilment.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="SET NULL"), index=True
    )
    # -- snapshot at sale time --------------------------------------------------------
    sku: Mapped[str] = mapped_column(String(64))
    title_fr: Mapped[str] = mapped_column(String(200))
    title_ar: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    cooperative_name: Mapped[str] = mapped_column(String(200))
    unit_price_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    quantity: Mapped[int]
    total_minor: Mapped[int]
    commission_bps: Mapped[int]
    commission_minor: Mapped[int]
    unit_weight_g: Mapped[int] = mapped_column(default=0)
    # -- where the units that ship come from (units taken off before the parcel left
    # are in neither: see removed_quantity) -------------------------------------------
    qty_from_stock: Mapped[int] = mapped_column(default=0)
    qty_made_to_order: Mapped[int] = mapped_column(default=0)
    promised_on: Mapped[date | None] = mapped_column(Date)
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_capacity_commitment.id", ondelete="SET NULL")
    )
    #: True once the line holds no allocation of stock any more: shipped (consumed),
    #: or given back (cancellation, expiry...)
    released: Mapped[bool] = mapped_column(default=False)
    #: True once goods that came back after shipping were put back on the shelf
    restocked: Mapped[bool] = mapped_column(default=False)
    # -- units of this line refunded on their own (damaged, missing) -------------------
    refunded_quantity: Mapped[int] = mapped_column(default=0)
    refunded_minor: Mapped[int] = mapped_column(default=0)
    #: the marketplace's commission on the refunded units, given back with them
    refunded_commission_minor: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(back_populates="lines")
    fulfilment: Mapped[Fulfilment] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    commitment: Mapped[CapacityCommitment | None] = relationship()

    def title(self, lang: str) -> str:
        return {"ar": self.title_ar, "en": self.title_en}.get(lang) or self.title_fr

    @property
    def quantity_to_send(self) -> int:
        """The units the cooperative sends: those not taken off before the parcel left."""
        return self.qty_from_stock + self.qty_made_to_order

    @property
    def removed_quantity(self) -> int:
        """Of the refunded units, those taken off before the parcel left: their stock
        went back on sale and they are not sent."""
        return self.quantity - self.quantity_to_send

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_price_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)


class OrderEvent(Base):
    """One entry of an order's log: a state change or a fact (payment, tracking...)."""

    __tablename__ = "orders_order_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders_order.id"), index=True)
    fulfilment_id: Mapped[int | None] = mapped_column(ForeignKey("orders_fulfilment.id"))
    kind: Mapped[EventKind] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    #: who did it: "shopper", "cooperative", "operator", "system" or the provider
    source: Mapped[str] = mapped_column(String(20), default="system")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class Payment(Base):
    """One attempt to take money for an order (a card checkout session, a bank
    transfer recorded by an operator). Cash on delivery is tracked on fulfilments."""

    __tablename__ = "orders_payment"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint(
            "amount_refunded_minor >= 0 AND amount_refunded_minor <= amount_minor",
            name="refund_within_amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders_order.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[PaymentStatus] = mapped_column(String(20), default=PaymentStatus.PENDING)
    attempt: Mapped[int] = mapped_column(default=1)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    amount_refunded_minor: Mapped[int] = mapped_column(default=0)
    #: the provider's id for this attempt (a Checkout Session id), or a bank reference
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    redirect_url: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)


class ProcessedWebhookEvent(Base):
    """A provider's event id, written in the same transaction as its effects: an
    event is handled exactly once, however often it is delivered."""

    __tablename__ = "orders_processed_webhook_event"
    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_orders_processed_webhook_event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders_order.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayoutAccount(Base):
    """Where a cooperative is paid: its bank account (RIB) and, optionally, a Stripe
    Connect account."""

    __tablename__ = "orders_payout_account"

    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_cooperative.id"), primary_key=True
    )
    holder_name: Mapped[str] = mapped_column(String(200), default="")
    rib: Mapped[str] = mapped_column(String(24), default="")
    stripe_account_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cooperative: Mapped[Cooperative] = relationship()


class PayoutBatch(Base):
    """A set of bank transfers to cooperatives, exported as CSV for the bank and
    marked paid once the bank has executed it."""

    __tablename__ = "orders_payout_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | paid | cancelled
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    total_minor: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    paid_at: Mapped[datetime | None]
    bank_reference: Mapped[str] = mapped_column(String(120), default="")

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="batch", order_by="LedgerEntry.id"
    )

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)


class LedgerEntry(Base):
    """A movement in what the marketplace owes a cooperative: positive amounts are
    owed to the cooperative, negative ones reduce that (commission it owes on cash it
    collected, payouts made, refunds reversed)."""

    __tablename__ = "orders_ledger_entry"
    __table_args__ = (Index("ix_orders_ledger_entry_cooperative", "cooperative_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders_order.id"))
    fulfilment_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_fulfilment.id"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("orders_payout_batch.id"), index=True)
    #: one of orders.ledger.EntryKind
    kind: Mapped[str] = mapped_column(String(20))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    reference: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative: Mapped[Cooperative] = relationship()
    fulfilment: Mapped[Fulfilment | None] = relationship()
    batch: Mapped[PayoutBatch | None] = relationship(back_populates="entries")

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.currency)
