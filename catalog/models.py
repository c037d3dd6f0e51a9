"""Who sells what, where, and under which rules.

Denormalised columns on :class:`Product` (``sellable``, ``region_code``,
``women_led``) and the :class:`ProductLabel` rows exist so that listing, facet and
search pages stay fast at national scale; :func:`catalog.rules.refresh_products`
recomputes them and is called by every write path that can change them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Engine,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from catalog.db import Base, utcnow
from catalog.money import Money


class CooperativeStatus(StrEnum):
    PENDING = "pending"  # registered, waiting for the operator's verification
    VERIFIED = "verified"  # may sell
    SUSPENDED = "suspended"  # stopped by the operator, with a reason


class Sector(StrEnum):
    """ODCO's sectors of activity."""

    AGRICULTURE = "agriculture"
    HANDICRAFT = "handicraft"
    FOOD = "food"
    ARGAN = "argan"
    AROMATIC_PLANTS = "aromatic_plants"
    FISHING = "fishing"
    FORESTRY = "forestry"
    TEXTILE = "textile"
    HOUSING = "housing"
    TOURISM = "tourism"
    OTHER = "other"


class CertificateKind(StrEnum):
    ONSSA = "onssa"  # sanitary authorisation or approval of a food establishment
    IMANOR_MASK = "imanor_mask"  # IMANOR NM/ST 21.5.201, fabric masks
    AMMPS = "ammps"  # Ministry of Health registration of a cosmetic
    IGP = "igp"  # protected geographical indication
    AOP = "aop"  # protected designation of origin
    LABEL_AGRICOLE = "label_agricole"
    TERROIR = "terroir"  # "Terroir du Maroc" collective label (3 years)
    ORGANIC = "organic"  # law 39-12 organic label
    HANDMADE = "handmade"  # "Morocco Handmade" national label


class CertificateStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    SUSPENDED = "suspended"  # by the operator, with a reason


class Unit(StrEnum):
    PIECE = "piece"
    GRAM = "g"
    MILLILITRE = "ml"


class Cooperative(Base):
    __tablename__ = "catalog_cooperative"
    __table_args__ = (
        CheckConstraint("women_members <= members", name="women_members_le_members"),
        CheckConstraint("members >= 0 AND women_members >= 0", name="members_not_negative"),
        Index("ix_catalog_cooperative_region_status", "region_code", "status"),
        # the home page's featured cooperatives, without reading 60,000 rows
        Index("ix_catalog_cooperative_featured", "status", "featured", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_fr: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    registration_number: Mapped[str] = mapped_column(String(60), default="")
    registration_court: Mapped[str] = mapped_column(String(120), default="")
    ice: Mapped[str | None] = mapped_column(String(15), unique=True)
    region_code: Mapped[str] = mapped_column(String(2))
    province_code: Mapped[str] = mapped_column(String(6))
    city: Mapped[str] = mapped_column(String(120), default="")
    rural: Mapped[bool] = mapped_column(default=True)
    women_led: Mapped[bool] = mapped_column(default=False)
    members: Mapped[int] = mapped_column(default=0)
    women_members: Mapped[int] = mapped_column(default=0)
    sector: Mapped[Sector] = mapped_column(String(30), default=Sector.AGRICULTURE)
    founded_year: Mapped[int | None]
    story_fr: Mapped[str] = mapped_column(Text, default="")
    story_ar: Mapped[str] = mapped_column(Text, default="")
    story_en: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    vat_exempt: Mapped[bool] = mapped_column(default=True)
    status: Mapped[CooperativeStatus] = mapped_column(String(20), default=CooperativeStatus.PENDING)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    featured: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]

    products: Mapped[list[Product]] = relationship(back_populates="cooperative")
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="cooperative", order_by="Certificate.id"
    )

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" and self.name_ar else self.name_fr

    def story(self, lang: str) -> str:
        return {"ar": self.story_ar, "en": self.story_en}.get(lang) or self.story_fr

    @property
    def is_verified(self) -> bool:
        return self.status == CooperativeStatus.VERIFIED


class Category(Base):
    __tablename__ = "catalog_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_category.id"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_fr: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(String(120), default="")
    name_en: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(default=0)
    #: product kind used by basket templates and nutrition (e.g. "olive_oil")
    nutrition_key: Mapped[str | None] = mapped_column(String(40))

    parent: Mapped[Category | None] = relationship(
        remote_side="Category.id", back_populates="children"
    )
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )
    rule: Mapped[CategoryRule | None] = relationship(
        back_populates="category", uselist=False, lazy="joined"
    )

    def name(self, lang: str) -> str:
        return {"ar": self.name_ar, "en": self.name_en}.get(lang) or self.name_fr

    def lineage(self) -> list[Category]:
        """This category and its ancestors, root last."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain


class CategoryRule(Base):
    """What a category demands of its products; rules of ancestors apply too."""

    __tablename__ = "catalog_category_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_category.id"), unique=True)
    #: certificate kinds a product needs (verified, unexpired), e.g. ["imanor_mask"]
    required_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_unit_price_minor: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3), default="MAD")

    category: Mapped[Category] = relationship(back_populates="rule")

    @property
    def max_unit_price(self) -> Money | None:
        if self.max_unit_price_minor is None:
            return None
        return Money(self.max_unit_price_minor, self.currency)


class Certificate(Base):
    __tablename__ = "catalog_certificate"
    __table_args__ = (
        CheckConstraint(
            "expires_on IS NULL OR issued_on IS NULL OR expires_on >= issued_on",
            name="expires_after_issue",
        ),
        Index("ix_catalog_certificate_status_expires", "status", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"), index=True)
    #: set for a product-scoped certificate; None means it covers the cooperative
    product_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_product.id"), index=True)
    kind: Mapped[CertificateKind] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(120), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    document: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[CertificateStatus] = mapped_column(String(20), default=CertificateStatus.PENDING)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cooperative: Mapped[Cooperative] = relationship(back_populates="certificates")
    product: Mapped[Product | None] = relationship(back_populates="certificates")

    @property
    def scope(self) -> str:
        return "product" if self.product_id is not None else "cooperative"

    def is_valid_on(self, day: date) -> bool:
        return self.status == CertificateStatus.VERIFIED and (
            self.expires_on is None or self.expires_on >= day
        )


class Product(Base):
    __tablename__ = "catalog_product"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "sku", name="uq_catalog_product_cooperative_sku"),
        # what is promised to orders never exceeds what is on the shelf
        CheckConstraint("0 <= allocated AND allocated <= on_hand", name="allocated_within_on_hand"),
        CheckConstraint("units_per_day >= 0", name="units_per_day_not_negative"),
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("net_quantity > 0", name="net_quantity_positive"),
        CheckConstraint("shipping_weight_g >= 0", name="weight_not_negative"),
        Index("ix_catalog_product_listing", "sellable", "category_id", "price_minor", "id"),
        Index("ix_catalog_product_region", "sellable", "region_code", "category_id"),
        Index("ix_catalog_product_women", "sellable", "women_led", "category_id"),
        # covering indexes in each page order (catalog.search reads a page's ids from
        # them without touching the wide rows, and stops after one page)
        Index(
            "ix_catalog_product_by_featured",
            "sellable",
            "featured",
            "id",
            "category_id",
            "region_code",
            "women_led",
            "price_minor",
        ),
        Index(
            "ix_catalog_product_by_price",
            "sellable",
            "price_minor",
            "id",
            "category_id",
            "region_code",
            "women_led",
        ),
        # the facet counts, grouped in this order (catalog.search.facet_cube)
        Index(
            "ix_catalog_product_facets",
            "sellable",
            "category_id",
            "region_code",
            "women_led",
            "price_minor",
        ),
        Index(
            "ix_catalog_product_by_id",
            "sellable",
            "id",
            "category_id",
            "region_code",
            "women_led",
            "price_minor",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_category.id"))
    sku: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title_fr: Mapped[str] = mapped_column(String(200))
    title_ar: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    price_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    price: Mapped[Money] = composite(Money, "price_minor", "currency")
    unit: Mapped[Unit] = mapped_column(String(10), default=Unit.PIECE)
    net_quantity: Mapped[int] = mapped_column(default=1)  # in grams, millilitres or pieces
    shipping_weight_g: Mapped[int] = mapped_column(default=0)
    #: units on the shelf (what the cooperative counts)
    on_hand: Mapped[int] = mapped_column(default=0)
    #: units of ``on_hand`` promised to orders not yet shipped
    allocated: Mapped[int] = mapped_column(default=0)
    made_to_order: Mapped[bool] = mapped_column(default=False)
    units_per_day: Mapped[int] = mapped_column(default=0)
    lead_days: Mapped[int] = mapped_column(default=0)
    low_stock_threshold: Mapped[int] = mapped_column(default=5)
    status: Mapped[ProductStatus] = mapped_column(String(20), default=ProductStatus.DRAFT)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    featured: Mapped[bool] = mapped_column(default=False)
    # -- denormalised by catalog.rules.refresh_products ------------------------
    sellable: Mapped[bool] = mapped_column(default=False)
    region_code: Mapped[str] = mapped_column(String(2), default="")
    women_led: Mapped[bool] = mapped_column(default=False)
    #: normalised text (titles, descriptions, cooperative, category) for full-text search
    search_document: Mapped[str] = mapped_column(Text, default="")
    #: the stems of the same words (catalog.text.search_stems): the index's second column
    search_stems: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cooperative: Mapped[Cooperative] = relationship(back_populates="products")
    category: Mapped[Category] = relationship()
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )
    certificates: Mapped[list[Certificate]] = relationship(back_populates="product")
    labels: Mapped[list[ProductLabel]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )
    commitments: Mapped[list[CapacityCommitment]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )

    def title(self, lang: str) -> str:
        return {"ar": self.title_ar, "en": self.title_en}.get(lang) or self.title_fr

    def description(self, lang: str) -> str:
        return {"ar": self.description_ar, "en": self.description_en}.get(lang) or (
            self.description_fr
        )

    @hybrid_property
    def available(self) -> int:
        """Units that can still be sold from the shelf (also usable in queries)."""
        return self.on_hand - self.allocated

    @property
    def sold_out(self) -> bool:
        """Nothing can be sold: the shelf's units are all promised and nothing can be
        made to order."""
        return self.available <= 0 and not (self.made_to_order and self.units_per_day > 0)

    @property
    def low_stock(self) -> bool:
        return not self.made_to_order and self.available <= self.low_stock_threshold


class ProductLabel(Base):
    """A certificate kind a sellable product can claim right now (for the facet)."""

    __tablename__ = "catalog_product_label"
    __table_args__ = (Index("ix_catalog_product_label_kind", "kind", "product_id"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("catalog_product.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)

    product: Mapped[Product] = relationship(back_populates="labels")


class ProductImage(Base):
    __tablename__ = "catalog_product_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("catalog_product.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    alt: Mapped[str] = mapped_column(String(200), default="")
    #: a small copy for lists and cards ("" for images made before thumbnails)
    thumbnail: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="images")


class CapacityCommitment(Base):
    """Production capacity promised to an order (made-to-order products)."""

    __tablename__ = "catalog_capacity_commitment"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("catalog_product.id"), index=True)
    quantity: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(80), default="")
    fulfilled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="commitments")


class StockAlert(Base):
    """A signed-in shopper asked to be told when a sold-out product is back. The user
    is a plain id (accounts live in the orders package, above this one)."""

    __tablename__ = "catalog_stock_alert"
    __table_args__ = (
        UniqueConstraint("product_id", "user_id", name="uq_catalog_stock_alert_product_user"),
        Index("ix_catalog_stock_alert_pending", "sent_at", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("catalog_product.id", ondelete="CASCADE"))
    user_id: Mapped[int]
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    product: Mapped[Product] = relationship()


class CatalogStamp(Base):
    """One row whose ``version`` moves, in the same transaction, with every change of
    what the catalog pages show. Every worker of every host compares it with the
    version its cached pages were made at; ``changed_at`` is when it last moved (the
    catalog pages' ``Last-Modified``). ``texts`` moves with it only when the products'
    searchable texts change (or products come or go): what each search word matches
    is kept until then (:class:`catalog.search.TermMatches`), through the far more
    frequent stock, price and photo changes. ``facets`` moves with it only when what
    the facet counts count changes (:func:`catalog.search.changes_facets`): the counts,
    and each product's cell, are kept until then, through stock and text changes."""

    __tablename__ = "catalog_stamp"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime | None]
    texts: Mapped[int] = mapped_column(default=0, server_default="0")
    facets: Mapped[int] = mapped_column(default=0, server_default="0")


class CooperativeInvitation(Base):
    """An invitation, sent by e-mail, to join a cooperative as a member. Only the
    SHA-256 of the token is stored; the token itself is in the link."""

    __tablename__ = "catalog_cooperative_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_user.id", ondelete="SET NULL")
    )
    accepted_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    cooperative: Mapped[Cooperative] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > now


class ProductImport(Base):
    """A CSV file a cooperative uploaded: checked (dry run) on upload, applied later."""

    __tablename__ = "catalog_product_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("catalog_cooperative.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    #: the file's text, decoded from UTF-8
    content: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)


class SearchSynonym(Base):
    """A group of words or phrases that name the same thing, added by an operator on top
    of the curated file (catalog/data/synonyms.txt); see catalog.synonyms."""

    __tablename__ = "catalog_search_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the phrases as the operator typed them, separated by commas
    terms: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- full-text index -------------------------------------------------------------------
# SQLite: an FTS5 table over the normalised ``search_document`` (exact words) and
# ``search_stems`` (their stems), kept in sync by triggers. PostgreSQL: a GIN index on a
# tsvector weighting exact words A and stems B (matching a page in another order than
# relevance, and one cooperative's counts; ranking reads the stored vector), and one
# unweighted GIN index on each column's text (matching every product a word finds, for
# its facet counts, and a page ranked by relevance, with no re-reading of each match's
# weights). Both receive text already analysed by catalog.text, so the 'simple'
# configurations suffice in every language.
SQLITE_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5("
    "search_document, search_stems, content='catalog_product', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ai AFTER INSERT ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(rowid, search_document, search_stems) "
    "VALUES (new.id, new.search_document, new.search_stems); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ad AFTER DELETE ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(catalog_product_fts, rowid, search_document, search_stems) "
    "VALUES ('delete', old.id, old.search_document, old.search_stems); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_au AFTER UPDATE OF search_document, "
    "search_stems ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(catalog_product_fts, rowid, search_document, search_stems) "
    "VALUES ('delete', old.id, old.search_document, old.search_stems); "
    "INSERT INTO catalog_product_fts(rowid, search_document, search_stems) "
    "VALUES (new.id, new.search_document, new.search_stems); END",
)
#: PostgreSQL: each column's words without weights (see catalog.search._column_match)
POSTGRES_COLUMN_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search_document ON catalog_product "
    "USING gin (to_tsvector('simple', search_document))",
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search_stems ON catalog_product "
    "USING gin (to_tsvector('simple', search_stems))",
)
# PostgreSQL keeps the tsvector in a generated column: matching, ranking and filtering
# then read it instead of parsing the document again for every candidate row.
POSTGRES_FTS_DDL = (
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (setweight(to_tsvector('simple', search_document), 'A') || "
    "setweight(to_tsvector('simple', search_stems), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search ON catalog_product "
    "USING gin (search_vector)",
    *POSTGRES_COLUMN_INDEXES,
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS catalog_product_fts_au",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ai",
    "DROP TABLE IF EXISTS catalog_product_fts",
)
POSTGRES_FTS_DROP = (
    "DROP INDEX IF EXISTS ix_catalog_product_search_stems",
    "DROP INDEX IF EXISTS ix_catalog_product_search_document",
    "DROP INDEX IF EXISTS ix_catalog_product_search",
    "ALTER TABLE IF EXISTS catalog_product DROP COLUMN IF EXISTS search_vector",
)


def _run(engine: Engine, statements: dict[str, tuple[str, ...]]) -> None:
    with engine.begin() as connection:
        for statement in statements.get(connection.dialect.name, ()):
            connection.execute(text(statement))


def create_all(engine: Engine) -> None:
    """Make every table registered on :class:`~catalog.db.Base` (import the packages'
    model modules first) and the full-text objects: the schema of tests and benchmarks.
    Deployed databases get theirs from the migrations."""
    Base.metadata.create_all(engine)
    _run(engine, {"sqlite": SQLITE_FTS_DDL, "postgresql": POSTGRES_FTS_DDL})


def drop_all(engine: Engine) -> None:
    """Drop what :func:`create_all` made."""
    _run(engine, {"sqlite": SQLITE_FTS_DROP, "postgresql": POSTGRES_FTS_DROP})
    Base.metadata.drop_all(engine)
