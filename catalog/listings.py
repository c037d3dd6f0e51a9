"""A cooperative's listings: create, edit, duplicate, publish, unpublish, photos.

Every check on a listing lives in :func:`check_listing`, shared with the CSV import
(:mod:`catalog.csv_io`) so a form and a spreadsheet row are judged the same way. The
use cases refresh sellability (:func:`catalog.rules.refresh_products`) and write the
audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit import Actor
from catalog.errors import FieldProblem, InvalidInput, InvalidState, PriceAboveCap, Problem
from catalog.models import Category, Cooperative, Product, ProductImage, ProductStatus, Unit
from catalog.money import Money
from catalog.rules import check_price, problems, refresh_products
from catalog.safe_text import normalise_newlines, text_problems
from catalog.slugs import slugify, unique_slug

MAX_PRICE_MINOR = 100_000_000  # 1,000,000 MAD
MAX_QUANTITY = 10_000_000
MAX_LEAD_DAYS = 365
MAX_IMAGES = 8
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_LENGTHS = {
    "sku": 64,
    "title_fr": 200,
    "title_ar": 200,
    "title_en": 200,
    "description_fr": 5000,
    "description_ar": 5000,
    "description_en": 5000,
}
_COUNTS = {
    "net_quantity": 1,
    "shipping_weight_g": 0,
    "on_hand": 0,
    "units_per_day": 0,
    "low_stock_threshold": 0,
}


@dataclass(frozen=True, slots=True)
class Listing:
    """What a cooperative writes about a product. French is required; Arabic and
    English fall back to French when empty."""

    title_fr: str
    category_id: int
    price_minor: int
    sku: str = ""
    title_ar: str = ""
    title_en: str = ""
    description_fr: str = ""
    description_ar: str = ""
    description_en: str = ""
    currency: str = "MAD"
    unit: str = Unit.PIECE.value
    net_quantity: int = 1
    shipping_weight_g: int = 0
    #: units on the shelf when the listing is created; afterwards the count changes
    #: only through :mod:`catalog.stock` (compare-and-set, or an adjustment)
    on_hand: int = 0
    made_to_order: bool = False
    units_per_day: int = 0
    lead_days: int = 0
    low_stock_threshold: int = 5

    @classmethod
    def of(cls, product: Product) -> Listing:
        """The listing as it is now (to fill an edit form, or to compare)."""
        return cls(**{name: getattr(product, name) for name in LISTING_FIELDS})

    def as_dict(self) -> dict[str, Any]:
        """Field values (a shallow copy; :func:`dataclasses.asdict` deep-copies, slowly)."""
        return {name: getattr(self, name) for name in LISTING_FIELDS}

    def cleaned(self) -> Listing:
        """Text fields without surrounding spaces, descriptions with ``\n`` line breaks."""
        values = self.as_dict()
        for name in MULTILINE_FIELDS:
            values[name] = normalise_newlines(values[name])
        cleaned: dict[str, Any] = {
            name: value.strip() if isinstance(value, str) else value
            for name, value in values.items()
        }
        return Listing(**cleaned)


LISTING_FIELDS = tuple(f.name for f in fields(Listing))
MULTILINE_FIELDS = ("description_fr", "description_ar", "description_en")
TEXT_FIELDS = ("sku", "title_fr", "title_ar", "title_en", *MULTILINE_FIELDS)


def check_listing(listing: Listing, category: Category | None) -> list[FieldProblem]:
    """Every problem with ``listing`` in ``category`` (None: the category is unknown).
    Pure: no database. ``listing`` should be :meth:`Listing.cleaned` first."""
    found: list[FieldProblem] = []
    if not listing.title_fr:
        found.append(FieldProblem("title_fr", "required"))
    found += text_problems(
        {name: getattr(listing, name) for name in TEXT_FIELDS}, multiline=MULTILINE_FIELDS
    )
    for name, limit in _LENGTHS.items():
        if len(getattr(listing, name)) > limit:
            found.append(FieldProblem(name, "too_long", {"max": limit}))
    if listing.sku and not _SKU.match(listing.sku):
        found.append(FieldProblem("sku", "sku_format"))
    if category is None:
        found.append(FieldProblem("category", "unknown_category"))
    if not 0 < listing.price_minor <= MAX_PRICE_MINOR:
        found.append(FieldProblem("price", "not_positive"))
    elif category is not None:
        try:
            check_price(category, Money(listing.price_minor, listing.currency))
        except PriceAboveCap as exc:
            found.append(FieldProblem("price", "price_above_cap", exc.data))
    if listing.unit not in Unit.__members__.values():
        found.append(FieldProblem("unit", "unknown_unit"))
    for name, low in _COUNTS.items():
        if not low <= getattr(listing, name) <= MAX_QUANTITY:
            found.append(FieldProblem(name, "out_of_range", {"min": low, "max": MAX_QUANTITY}))
    if not 0 <= listing.lead_days <= MAX_LEAD_DAYS:
        found.append(FieldProblem("lead_days", "out_of_range", {"min": 0, "max": MAX_LEAD_DAYS}))
    if listing.made_to_order and listing.units_per_day <= 0:
        found.append(FieldProblem("units_per_day", "required_for_made_to_order"))
    return found


def columns_of(listing: Listing) -> dict[str, object]:
    """The product columns a listing sets (made-to-order fields zeroed when not)."""
    values = listing.as_dict()
    values["unit"] = Unit(values["unit"])
    if not listing.made_to_order:
        values["units_per_day"] = 0
        values["lead_days"] = 0
    return values


def _next_sku(session: Session, coop_id: int) -> str:
    count = session.scalar(select(func.count(Product.id)).where(Product.cooperative_id == coop_id))
    n = int(count or 0) + 1
    taken = set(session.scalars(select(Product.sku).where(Product.cooperative_id == coop_id)))
    while f"P-{n:04d}" in taken:
        n += 1
    return f"P-{n:04d}"


def _sku_taken(session: Session, coop_id: int, sku: str, exclude_id: int | None = None) -> bool:
    stmt = select(Product.id).where(Product.cooperative_id == coop_id, Product.sku == sku)
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    return session.scalar(stmt.limit(1)) is not None


def product_slug(title_fr: str, coop: Cooperative, sku: str) -> str:
    """``<title>-<cooperative id>-<sku>``: readable, and unique before any suffix."""
    title = slugify(title_fr, max_length=60, fallback="product")
    return f"{title}-{coop.id}-{slugify(sku, max_length=40)}"


def _validate(session: Session, listing: Listing, coop_id: int, exclude_id: int | None) -> Category:
    category = session.get(Category, listing.category_id)
    found = check_listing(listing, category)
    if listing.sku and _sku_taken(session, coop_id, listing.sku, exclude_id):
        found.append(FieldProblem("sku", "sku_taken"))
    if found:
        raise InvalidInput(found)
    assert category is not None
    return category


def create_product(
    session: Session, coop: Cooperative, listing: Listing, *, actor: Actor, now: datetime
) -> Product:
    """A new listing, as a draft (publish it with :func:`publish_product`). Without a
    SKU it gets the next free ``P-0001``.

    :raises InvalidInput: with every problem found; nothing is created.
    """
    listing = listing.cleaned()
    category = _validate(session, listing, coop.id, None)
    values = columns_of(listing)
    if not listing.sku:
        values["sku"] = _next_sku(session, coop.id)
    product = Product(
        cooperative=coop,
        category=category,
        slug=unique_slug(
            session, Product.slug, product_slug(listing.title_fr, coop, str(values["sku"]))
        ),
        status=ProductStatus.DRAFT,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(product)
    session.flush()
    refresh_products(session, now.date(), product_ids=[product.id])
    audit.record(
        session,
        actor,
        "product.create",
        object_type="product",
        object_id=product.id,
        cooperative_id=coop.id,
        now=now,
        details={"sku": product.sku, "title_fr": product.title_fr},
    )
    return product


def update_product(
    session: Session, product: Product, listing: Listing, *, actor: Actor, now: datetime
) -> dict[str, list[object]]:
    """Change a listing. An empty SKU keeps the current one. The stock count is not
    changed here: ``listing.on_hand`` is ignored (see :func:`catalog.stock.set_on_hand`,
    which cannot overwrite what was sold meanwhile).

    :raises InvalidInput: with every problem found; nothing is changed.
    :return: the changes, ``{field: [old, new]}``.
    """
    listing = listing.cleaned()
    if not listing.sku:
        listing = replace(listing, sku=product.sku)
    _validate(session, listing, product.cooperative_id, product.id)
    new = columns_of(listing)
    del new["on_hand"]
    diff = audit.changes({name: getattr(product, name) for name in new}, new)
    if not diff:
        return diff
    for name, value in new.items():
        setattr(product, name, value)
    product.updated_at = now
    session.flush()
    session.expire(product, ["category"])
    refresh_products(session, now.date(), product_ids=[product.id])
    audit.record(
        session,
        actor,
        "product.update",
        object_type="product",
        object_id=product.id,
        cooperative_id=product.cooperative_id,
        now=now,
        details={"sku": product.sku, **diff},
    )
    return diff


def duplicate_product(
    session: Session, product: Product, *, actor: Actor, now: datetime
) -> Product:
    """A draft copy of ``product`` (same photos, a new SKU, no stock) to edit into a
    variant: another size, another colour."""
    base = f"{product.sku}-COPY"[:58]
    taken = set(
        session.scalars(
            select(Product.sku).where(
                Product.cooperative_id == product.cooperative_id,
                Product.sku.startswith(base, autoescape=True),
            )
        )
    )
    sku, n = base, 1
    while sku in taken:
        n += 1
        sku = f"{base}{n}"
    listing = replace(Listing.of(product), sku=sku, on_hand=0)
    copy = Product(
        cooperative_id=product.cooperative_id,
        slug=unique_slug(
            session, Product.slug, product_slug(product.title_fr, product.cooperative, sku)
        ),
        status=ProductStatus.DRAFT,
        created_at=now,
        updated_at=now,
        **columns_of(listing),
    )
    for image in product.images:
        copy.images.append(
            ProductImage(
                filename=image.filename,
                thumbnail=image.thumbnail,
                width=image.width,
                height=image.height,
                position=image.position,
                alt=image.alt,
            )
        )
    session.add(copy)
    session.flush()
    refresh_products(session, now.date(), product_ids=[copy.id])
    audit.record(
        session,
        actor,
        "product.duplicate",
        object_type="product",
        object_id=copy.id,
        cooperative_id=copy.cooperative_id,
        now=now,
        details={"sku": copy.sku, "from_id": product.id, "from_sku": product.sku},
    )
    return copy


def publish_product(
    session: Session, product: Product, *, actor: Actor, now: datetime
) -> list[Problem]:
    """Put a listing on sale. It is sold once nothing else stands in the way.

    :raises InvalidState: when the operator suspended it.
    :return: what still keeps it from being sold (empty when it is on sale): the
        cooperative awaiting verification, a missing certificate...
    """
    return _set_status(session, product, ProductStatus.PUBLISHED, "product.publish", actor, now)


def unpublish_product(session: Session, product: Product, *, actor: Actor, now: datetime) -> None:
    """Take a listing off sale (it stays in the back office).

    :raises InvalidState: when the operator suspended it.
    """
    _set_status(session, product, ProductStatus.UNPUBLISHED, "product.unpublish", actor, now)


def _set_status(
    session: Session,
    product: Product,
    status: ProductStatus,
    action: str,
    actor: Actor,
    now: datetime,
) -> list[Problem]:
    if product.status == ProductStatus.SUSPENDED:
        raise InvalidState(status=str(product.status), reason=product.status_reason)
    previous = product.status
    if previous != status:
        product.status = status
        product.updated_at = now
    session.flush()
    refresh_products(session, now.date(), product_ids=[product.id])
    if previous != status:
        audit.record(
            session,
            actor,
            action,
            object_type="product",
            object_id=product.id,
            cooperative_id=product.cooperative_id,
            now=now,
            details={"sku": product.sku, "previous": previous},
        )
    return problems(product, now.date())


def add_image(
    session: Session,
    product: Product,
    *,
    filename: str,
    thumbnail: str,
    width: int,
    height: int,
    actor: Actor,
    now: datetime,
) -> ProductImage:
    """Attach a stored photo (see :func:`catalog.images.store_product_image`).

    :raises InvalidInput: ``image`` / ``too_many_images`` (``max``).
    """
    if len(product.images) >= MAX_IMAGES:
        raise InvalidInput([FieldProblem("image", "too_many_images", {"max": MAX_IMAGES})])
    position = max((i.position for i in product.images), default=-1) + 1
    image = ProductImage(
        filename=filename,
        thumbnail=thumbnail,
        width=width,
        height=height,
        position=position,
        alt=product.title_fr[:200],
    )
    product.images.append(image)
    session.flush()
    audit.record(
        session,
        actor,
        "product.add_image",
        object_type="product",
        object_id=product.id,
        cooperative_id=product.cooperative_id,
        now=now,
        details={"sku": product.sku, "image_id": image.id},
    )
    return image


def remove_image(
    session: Session, product: Product, image: ProductImage, *, actor: Actor, now: datetime
) -> list[str]:
    """Detach a photo. Returns the file names no other listing uses any more (the
    caller deletes those files once the transaction is committed)."""
    names = [n for n in (image.filename, image.thumbnail) if n]
    product.images.remove(image)
    session.flush()
    still_used = set(
        session.scalars(select(ProductImage.filename).where(ProductImage.filename.in_(names)))
    ) | set(
        session.scalars(select(ProductImage.thumbnail).where(ProductImage.thumbnail.in_(names)))
    )
    audit.record(
        session,
        actor,
        "product.remove_image",
        object_type="product",
        object_id=product.id,
        cooperative_id=product.cooperative_id,
        now=now,
        details={"sku": product.sku, "image_id": image.id},
    )
    return [n for n in names if n not in still_used]


def low_stock(session: Session, coop_id: int) -> list[Product]:
    """Published listings (not made to order) at or under their low-stock threshold."""
    return list(
        session.scalars(
            select(Product)
            .where(
                Product.cooperative_id == coop_id,
                Product.status == ProductStatus.PUBLISHED,
                Product.made_to_order.is_(False),
                Product.on_hand - Product.allocated <= Product.low_stock_threshold,
            )
            .order_by(Product.on_hand - Product.allocated, Product.id)
        )
    )
