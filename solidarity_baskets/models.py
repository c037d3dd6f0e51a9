"""The solidarity-basket tables.

* :class:`BasketTemplate` — what one basket holds: :class:`TemplateLine` rows, each a
  product kind (a catalog category) and a net quantity, one of them usually the
  container (a woven bag), with :class:`LineEquivalent` substitutes.
* :class:`BasketQuote` — one run of the allocation engine for an organisation's
  request, stored whole: the inputs (template, destinations, supply as read), the
  output (purchases, shortfalls, budget excess, figures) and a digest of the supply,
  so that confirming can tell whether stock or prices moved since.
* :class:`QuoteDestination` — a distribution point: a province (HCP code), optionally
  a named hub in it, and a number of baskets. Counts only: never a beneficiary.
* :class:`BasketOrder` — a confirmed quote: one order in the orders library, and
  :class:`AllocationLine` rows tying each purchase line to its distribution point.
* :class:`BasketJob` — a quote or a confirmation too big for a web request, run in
  the background: its state, the stage it is at, and what it produced (or why not).
* :class:`PackingWave` / :class:`ManifestLine` — how the baskets of a point are
  packed: in a wave every basket holds the same products from the same cooperatives,
  so each basket has an exact manifest. A basket's serial is its wave's token and its
  rank in the wave (``K7M2QX9A-125``): a million baskets cost one row per wave.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
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

from catalog.accounts.users import Organisation
from catalog.db import Base, utcnow
from catalog.models import Category
from catalog.money import Money
from orders.models import Order

__all__ = [
    "AllocationLine",
    "BasketOrder",
    "BasketQuote",
    "BasketJob",
    "BasketTemplate",
    "JobKind",
    "JobStatus",
    "FreightRate",
    "LineEquivalent",
    "ManifestLine",
    "PackingWave",
    "PointReceipt",
    "QuoteDestination",
    "QuoteStatus",
    "SourcingSettings",
    "TemplateLine",
]


class BasketTemplate(Base):
    """A basket's composition. Ready-made templates belong to nobody
    (``organisation_id`` None) and are shown to every organisation; an organisation
    edits its own copies."""

    __tablename__ = "solidarity_baskets_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: set on ready-made templates ("sac-2020"), so seeding them is idempotent
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_organisation.id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("solidarity_baskets_template.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship()
    lines: Mapped[list[TemplateLine]] = relationship(
        back_populates="template",
        order_by="TemplateLine.position",
        cascade="all, delete-orphan",
    )

    @property
    def ready_made(self) -> bool:
        return self.organisation_id is None


class TemplateLine(Base):
    """One product kind in a basket: a catalog category (its subcategories count too)
    and a net quantity in the unit of its products (g, ml or pieces)."""

    __tablename__ = "solidarity_baskets_template_line"
    __table_args__ = (
        UniqueConstraint("template_id", "category_id", name="uq_solidarity_baskets_line_kind"),
        CheckConstraint("net_quantity > 0", name="net_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("solidarity_baskets_template.id"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_category.id"))
    net_quantity: Mapped[int]
    #: one of catalog.models.Unit
    unit: Mapped[str] = mapped_column(String(10))
    is_container: Mapped[bool] = mapped_column(default=False)
    #: row of the nutrition table (``staples.csv``); None when the kind is not food
    nutrition_key: Mapped[str | None] = mapped_column(String(40))

    template: Mapped[BasketTemplate] = relationship(back_populates="lines")
    category: Mapped[Category] = relationship(lazy="joined")
    equivalents: Mapped[list[LineEquivalent]] = relationship(
        back_populates="line", order_by="LineEquivalent.id", cascade="all, delete-orphan"
    )

    @property
    def key(self) -> str:
        """The line's name in quotes and manifests (unique in its template)."""
        return self.category.slug


class LineEquivalent(Base):
    """Another product kind that may replace a line: ``net_quantity`` of it stands
    for the line's whole net quantity (pasta 2 kg for couscous 2 kg). When not
    ``accepted`` it is never bought, only proposed as a fix for a shortfall."""

    __tablename__ = "solidarity_baskets_line_equivalent"
    __table_args__ = (
        UniqueConstraint("line_id", "category_id", name="uq_solidarity_baskets_equivalent_kind"),
        CheckConstraint("net_quantity > 0", name="net_quantity_positive"),
        CheckConstraint("penalty_bps BETWEEN 0 AND 10000", name="penalty_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("solidarity_baskets_template_line.id"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_category.id"))
    net_quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(10))
    accepted: Mapped[bool] = mapped_column(default=True)
    #: a cost the optimiser adds to the equivalent's price (never paid), so the
    #: reference kind is preferred at equal cost
    penalty_bps: Mapped[int] = mapped_column(default=300)
    nutrition_key: Mapped[str | None] = mapped_column(String(40))

    line: Mapped[TemplateLine] = relationship(back_populates="equivalents")
    category: Mapped[Category] = relationship(lazy="joined")


class QuoteStatus(StrEnum):
    OPEN = "open"  # may be confirmed
    CONFIRMED = "confirmed"  # became a basket order
    SUPERSEDED = "superseded"  # supply changed: a newer quote replaced it


class BasketQuote(Base):
    """One allocation run, stored with its inputs and its result (JSON) and the
    headline figures as columns for lists."""

    __tablename__ = "solidarity_baskets_quote"
    __table_args__ = (
        CheckConstraint("baskets >= 0 AND family_size > 0", name="counts_valid"),
        CheckConstraint("max_share_bps BETWEEN 1 AND 10000", name="share_range"),
        Index("ix_solidarity_baskets_quote_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("orders_organisation.id"))
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("solidarity_baskets_template.id", ondelete="SET NULL")
    )
    template_name: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[QuoteStatus] = mapped_column(String(20), default=QuoteStatus.OPEN)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("solidarity_baskets_quote.id", ondelete="SET NULL")
    )
    # -- the request ------------------------------------------------------------------
    planned_on: Mapped[date] = mapped_column(Date)
    deliver_by: Mapped[date] = mapped_column(Date)
    family_size: Mapped[int]
    max_share_bps: Mapped[int]
    #: a fairness level picked from the trade-off (extra cost allowed over the
    #: cheapest plan, basis points); None: the share cap above
    fairness_bps: Mapped[int | None]
    women_led_preference: Mapped[bool] = mapped_column(default=True)
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    budget_per_basket_minor: Mapped[int | None]
    # -- the result -------------------------------------------------------------------
    baskets: Mapped[int]
    #: baskets that receive every line (``baskets`` unless the plan is partial)
    baskets_complete: Mapped[int] = mapped_column(default=0, server_default="0")
    goods_minor: Mapped[int] = mapped_column(default=0)
    shipping_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int] = mapped_column(default=0)
    cost_per_basket_minor: Mapped[int] = mapped_column(default=0)
    suppliers_paid: Mapped[int] = mapped_column(default=0)
    #: share of the goods value going to women-led cooperatives, in basis points
    women_led_share_bps: Mapped[int] = mapped_column(default=0)
    shortage_units: Mapped[int] = mapped_column(default=0)
    budget_excess_minor: Mapped[int] = mapped_column(default=0)
    solve_ms: Mapped[int] = mapped_column(default=0)
    #: SHA-256 of the supply the engine saw (offers and cooperatives)
    supply_digest: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)

    destinations: Mapped[list[QuoteDestination]] = relationship(
        back_populates="quote", order_by="QuoteDestination.position", cascade="all, delete-orphan"
    )
    organisation: Mapped[Organisation] = relationship()

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
    def cost_per_complete_basket(self) -> Money | None:
        """What the order costs per basket that receives every line (rounded up);
        None when no basket is complete."""
        if self.baskets_complete <= 0:
            return None
        return Money(-(-self.total_minor // self.baskets_complete), self.currency)

    @property
    def baskets_missing(self) -> int:
        return self.baskets - self.baskets_complete

    @property
    def budget_per_basket(self) -> Money | None:
        if self.budget_per_basket_minor is None:
            return None
        return Money(self.budget_per_basket_minor, self.currency)


class QuoteDestination(Base):
    """A distribution point and how many baskets go there: counts only."""

    __tablename__ = "solidarity_baskets_destination"
    __table_args__ = (
        UniqueConstraint("quote_id", "key", name="uq_solidarity_baskets_destination_key"),
        CheckConstraint("baskets > 0", name="baskets_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("solidarity_baskets_quote.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    #: the province code, or "<province code>/<hub name>" for a named hub
    key: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(12))
    hub_name: Mapped[str] = mapped_column(String(80), default="")
    #: where and how to deliver (for the cooperatives and carriers)
    address: Mapped[str] = mapped_column(String(80), default="", server_default="")
    contact: Mapped[str] = mapped_column(String(80), default="", server_default="")
    window: Mapped[str] = mapped_column(String(80), default="", server_default="")
    region_code: Mapped[str] = mapped_column(String(2))
    baskets: Mapped[int]

    quote: Mapped[BasketQuote] = relationship(back_populates="destinations")


class BasketOrder(Base):
    """A confirmed quote: the organisation's order of baskets, bought through one
    order of the orders library (one part per cooperative and distribution point)."""

    __tablename__ = "solidarity_baskets_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("orders_organisation.id"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("solidarity_baskets_quote.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders_order.id"), unique=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: complete baskets the purchases make (fewer than asked after a shortfall)
    baskets: Mapped[int]

    quote: Mapped[BasketQuote] = relationship()
    order: Mapped[Order] = relationship()
    organisation: Mapped[Organisation] = relationship()
    allocation: Mapped[list[AllocationLine]] = relationship(
        back_populates="basket_order", order_by="AllocationLine.id", cascade="all, delete-orphan"
    )
    waves: Mapped[list[PackingWave]] = relationship(
        back_populates="basket_order",
        order_by="PackingWave.id",
        cascade="all, delete-orphan",
    )
    receipts: Mapped[list[PointReceipt]] = relationship(
        back_populates="basket_order",
        order_by="PointReceipt.id",
        cascade="all, delete-orphan",
    )


class PointReceipt(Base):
    """The organisation's word that the baskets of one distribution point arrived: how
    many complete baskets, and the lines short or damaged (``problems``: a list of
    ``{"line": key, "short": units, "damaged": units}``) with a note. It is what moves
    the point's parts to delivered and what the impact report counts."""

    __tablename__ = "solidarity_baskets_receipt"
    __table_args__ = (
        UniqueConstraint(
            "basket_order_id", "destination_id", name="uq_solidarity_baskets_receipt_point"
        ),
        CheckConstraint("baskets_received >= 0", name="received_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basket_order_id: Mapped[int] = mapped_column(
        ForeignKey("solidarity_baskets_order.id"), index=True
    )
    destination_id: Mapped[int] = mapped_column(ForeignKey("solidarity_baskets_destination.id"))
    baskets_received: Mapped[int]
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    basket_order: Mapped[BasketOrder] = relationship(back_populates="receipts")
    destination: Mapped[QuoteDestination] = relationship()


class AllocationLine(Base):
    """One purchase of a confirmed plan: units of one product for one distribution
    point, bought through one order line."""

    __tablename__ = "solidarity_baskets_allocation_line"
    __table_args__ = (
        CheckConstraint("line_units > 0 AND product_units > 0", name="units_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basket_order_id: Mapped[int] = mapped_column(
        ForeignKey("solidarity_baskets_order.id"), index=True
    )
    destination_id: Mapped[int] = mapped_column(ForeignKey("solidarity_baskets_destination.id"))
    line_key: Mapped[str] = mapped_column(String(80))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("orders_order_line.id"), unique=True)
    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("orders_fulfilment.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="SET NULL")
    )
    line_units: Mapped[int]
    product_units: Mapped[int]
    goods_minor: Mapped[int]
    shipping_minor: Mapped[int]
    ship_by: Mapped[date | None] = mapped_column(Date)

    basket_order: Mapped[BasketOrder] = relationship(back_populates="allocation")
    destination: Mapped[QuoteDestination] = relationship()


class PackingWave(Base):
    """Consecutive baskets of one distribution point packed alike."""

    __tablename__ = "solidarity_baskets_packing_wave"
    __table_args__ = (
        UniqueConstraint(
            "basket_order_id", "destination_id", "position", name="uq_solidarity_baskets_wave"
        ),
        CheckConstraint("baskets > 0 AND first_basket > 0", name="baskets_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    basket_order_id: Mapped[int] = mapped_column(ForeignKey("solidarity_baskets_order.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("solidarity_baskets_destination.id"))
    #: 1, 2, ... within the distribution point
    position: Mapped[int]
    #: rank of the wave's first basket among the point's baskets (1-based)
    first_basket: Mapped[int]
    baskets: Mapped[int]
    #: random, public: the first part of every basket serial of the wave
    token: Mapped[str] = mapped_column(String(16), unique=True)

    basket_order: Mapped[BasketOrder] = relationship(back_populates="waves")
    destination: Mapped[QuoteDestination] = relationship()
    manifest: Mapped[list[ManifestLine]] = relationship(
        back_populates="wave", order_by="ManifestLine.position", cascade="all, delete-orphan"
    )

    def serial(self, rank: int) -> str:
        """The serial of the wave's ``rank``-th basket (1-based)."""
        return f"{self.token}-{rank}"


class ManifestLine(Base):
    """What every basket of a wave holds for one template line, and who made it.
    Names are copied so manifests and public pages survive catalog edits."""

    __tablename__ = "solidarity_baskets_manifest_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(
        ForeignKey("solidarity_baskets_packing_wave.id"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    line_key: Mapped[str] = mapped_column(String(80))
    is_container: Mapped[bool] = mapped_column(default=False)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_product.id", ondelete="SET NULL")
    )
    product_title_fr: Mapped[str] = mapped_column(String(200))
    product_title_ar: Mapped[str] = mapped_column(String(200), default="")
    product_title_en: Mapped[str] = mapped_column(String(200), default="")
    #: product units in each basket (two 500 g packs for a 1 kg line)
    units_per_basket: Mapped[int]
    net_quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(10))
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"))
    cooperative_name_fr: Mapped[str] = mapped_column(String(200))
    cooperative_name_ar: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(2))
    province_code: Mapped[str] = mapped_column(String(12), default="")
    women_led: Mapped[bool] = mapped_column(default=False)
    rural: Mapped[bool] = mapped_column(default=True)
    allocation_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("solidarity_baskets_allocation_line.id", ondelete="SET NULL")
    )

    wave: Mapped[PackingWave] = relationship(back_populates="manifest")

    def product_title(self, lang: str) -> str:
        return {"ar": self.product_title_ar, "en": self.product_title_en}.get(lang) or (
            self.product_title_fr
        )

    def cooperative_name(self, lang: str) -> str:
        return (
            self.cooperative_name_ar
            if lang == "ar" and self.cooperative_name_ar
            else (self.cooperative_name_fr)
        )


class FreightRate(Base):
    """The operator's basket freight tariff for one zone (same region, another region,
    a remote region at either end, as the shop's parcels): a price per kg, a price per
    kg and 100 km between the regions' capitals, a minimum per shipment and the transit
    days. Read with :func:`solidarity_baskets.freight.current`."""

    __tablename__ = "solidarity_baskets_freight_rate"
    __table_args__ = (
        CheckConstraint(
            "per_kg_minor >= 0 AND per_kg_100km_minor >= 0 AND min_shipment_minor >= 0",
            name="freight_not_negative",
        ),
        CheckConstraint("transit_days BETWEEN 0 AND 30", name="transit_days_range"),
    )

    #: one of orders.shipping.ShippingZone
    zone: Mapped[str] = mapped_column(String(20), primary_key=True)
    per_kg_minor: Mapped[int]
    per_kg_100km_minor: Mapped[int]
    min_shipment_minor: Mapped[int]
    transit_days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SourcingSettings(Base):
    """The operator's rules for viable purchase orders; one row (id 1). Read with
    :func:`solidarity_baskets.freight.sourcing`."""

    __tablename__ = "solidarity_baskets_sourcing_settings"
    __table_args__ = (
        CheckConstraint(
            "min_part_minor >= 0 AND shipment_fee_minor >= 0 AND max_parts >= 1",
            name="sourcing_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: smallest goods value of one cooperative's part for one distribution point
    min_part_minor: Mapped[int]
    #: fixed cost of each shipment (one per part)
    shipment_fee_minor: Mapped[int]
    #: the most parts one basket order may have
    max_parts: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class JobKind(StrEnum):
    QUOTE = "quote"  # a new request
    REQUOTE = "requote"  # a quote again with a fix
    CONFIRM = "confirm"  # a quote into an order


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BasketJob(Base):
    """A quote or confirmation run in the background. ``payload`` holds what the job
    needs (the request, the fix, the payment method); ``quote_id`` is the quote it
    works on (confirm, requote) or produced (quote); ``basket_order_id`` the order a
    confirmation placed. ``stage`` and ``percent`` say where a running job is."""

    __tablename__ = "solidarity_baskets_job"
    __table_args__ = (
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),
        Index("ix_solidarity_baskets_job_status", "status", "id"),
        Index("ix_solidarity_baskets_job_organisation", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("orders_organisation.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("orders_user.id"))
    kind: Mapped[JobKind] = mapped_column(String(20))
    status: Mapped[JobStatus] = mapped_column(String(20), default=JobStatus.QUEUED)
    stage: Mapped[str] = mapped_column(String(40), default="")
    percent: Mapped[int] = mapped_column(default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    baskets: Mapped[int] = mapped_column(default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    quote_id: Mapped[int | None] = mapped_column(
        ForeignKey("solidarity_baskets_quote.id", ondelete="SET NULL")
    )
    basket_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("solidarity_baskets_order.id", ondelete="SET NULL")
    )
    #: why it failed: a problem code and its data, as the libraries raise them
    error_code: Mapped[str] = mapped_column(String(60), default="")
    error_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    basket_order: Mapped[BasketOrder | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
