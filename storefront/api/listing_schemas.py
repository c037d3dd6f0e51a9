"""Schemas of a cooperative's listing management through the API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from catalog.listings import MAX_LEAD_DAYS, MAX_PRICE_MINOR, MAX_QUANTITY
from catalog.models import ProductStatus, Unit
from catalog.stock import ADJUST_REASONS
from storefront.api.schemas import PageArgs, PageSchema

MAX_ITEMS = 500
SKU = validate.Length(min=1, max=64)
COUNT = validate.Range(0, MAX_QUANTITY)
SETTABLE_STATUSES = [ProductStatus.PUBLISHED.value, ProductStatus.UNPUBLISHED.value]


def _doc(text: str) -> dict[str, str]:
    return {"description": text}


EXPECTED = ma.fields.Integer(
    strict=True,
    validate=COUNT,
    metadata=_doc(
        "The `on_hand` you read before (compare-and-set): if the count moved since, the "
        "request is refused with 409 `stock_changed` and the current values."
    ),
)


class ListingArgs(PageArgs):
    sku = ma.fields.String(validate=SKU, metadata=_doc("Only this SKU."))


class ListingSchema(ma.Schema):
    """One of the cooperative's listings, as the back office shows it."""

    sku = ma.fields.String(required=True)
    slug = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, validate=validate.OneOf([s.value for s in ProductStatus])
    )
    sellable = ma.fields.Boolean(required=True, metadata=_doc("On sale right now."))
    category = ma.fields.String(required=True, metadata=_doc("The category's slug."))
    title_fr = ma.fields.String(required=True)
    title_ar = ma.fields.String(required=True)
    title_en = ma.fields.String(required=True)
    description_fr = ma.fields.String(required=True)
    description_ar = ma.fields.String(required=True)
    description_en = ma.fields.String(required=True)
    price_minor = ma.fields.Integer(required=True, metadata=_doc("Centimes."))
    currency = ma.fields.String(required=True)
    unit = ma.fields.String(required=True, validate=validate.OneOf([u.value for u in Unit]))
    net_quantity = ma.fields.Integer(required=True)
    shipping_weight_g = ma.fields.Integer(required=True)
    on_hand = ma.fields.Integer(required=True, metadata=_doc("Units on the shelf."))
    allocated = ma.fields.Integer(
        required=True, metadata=_doc("Units of `on_hand` reserved for orders not shipped yet.")
    )
    available = ma.fields.Integer(
        required=True, metadata=_doc("Units that can still be sold: `on_hand - allocated`.")
    )
    made_to_order = ma.fields.Boolean(required=True)
    units_per_day = ma.fields.Integer(required=True)
    lead_days = ma.fields.Integer(required=True)
    low_stock_threshold = ma.fields.Integer(required=True)


class ListingPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ListingSchema), required=True)


class ListingInputSchema(ma.Schema):
    """A listing to create or change, found by its SKU. For a new SKU, ``category``,
    ``title_fr`` and ``price_minor`` are needed; for an existing one, fields left out
    keep their value."""

    sku = ma.fields.String(required=True, validate=SKU)
    category = ma.fields.String(validate=validate.Length(1, 80), metadata=_doc("Category slug."))
    title_fr = ma.fields.String(validate=validate.Length(max=200))
    title_ar = ma.fields.String(validate=validate.Length(max=200))
    title_en = ma.fields.String(validate=validate.Length(max=200))
    description_fr = ma.fields.String(
        validate=validate.Length(max=5000), metadata={"multiline": True}
    )
    description_ar = ma.fields.String(
        validate=validate.Length(max=5000), metadata={"multiline": True}
    )
    description_en = ma.fields.String(
        validate=validate.Length(max=5000), metadata={"multiline": True}
    )
    price_minor = ma.fields.Integer(
        strict=True, validate=validate.Range(1, MAX_PRICE_MINOR), metadata=_doc("Centimes.")
    )
    unit = ma.fields.String(validate=validate.OneOf([u.value for u in Unit]))
    net_quantity = ma.fields.Integer(strict=True, validate=validate.Range(1, MAX_QUANTITY))
    shipping_weight_g = ma.fields.Integer(strict=True, validate=COUNT)
    on_hand = ma.fields.Integer(
        strict=True,
        validate=COUNT,
        metadata=_doc(
            "Units on the shelf. A new SKU starts with it; an existing one changes only "
            "with `expected_on_hand`."
        ),
    )
    expected_on_hand = EXPECTED
    made_to_order = ma.fields.Boolean()
    units_per_day = ma.fields.Integer(strict=True, validate=COUNT)
    lead_days = ma.fields.Integer(strict=True, validate=validate.Range(0, MAX_LEAD_DAYS))
    low_stock_threshold = ma.fields.Integer(strict=True, validate=COUNT)
    status = ma.fields.String(
        validate=validate.OneOf(SETTABLE_STATUSES),
        metadata=_doc("Put on sale (`published`) or take off sale (`unpublished`)."),
    )


class ListingsBody(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(ListingInputSchema),
        required=True,
        validate=validate.Length(1, MAX_ITEMS),
        metadata=_doc(f"1 to {MAX_ITEMS} listings, each SKU once."),
    )


class StockInputSchema(ma.Schema):
    """Stock and production capacity of one listing, found by its SKU."""

    sku = ma.fields.String(required=True, validate=SKU)
    on_hand = ma.fields.Integer(
        strict=True,
        validate=COUNT,
        metadata=_doc("The new count of units on the shelf (needs `expected_on_hand`)."),
    )
    expected_on_hand = EXPECTED
    adjust = ma.fields.Integer(
        strict=True,
        validate=validate.Range(-MAX_QUANTITY, MAX_QUANTITY),
        metadata=_doc("Units to add (`24`) or take away (`-2`), whatever the count is now."),
    )
    reason = ma.fields.String(
        validate=validate.OneOf(ADJUST_REASONS),
        metadata=_doc("Why `adjust` changes the count (kept in the audit log)."),
    )
    note = ma.fields.String(validate=validate.Length(max=200))
    made_to_order = ma.fields.Boolean()
    units_per_day = ma.fields.Integer(
        strict=True, validate=COUNT, metadata=_doc("Daily production capacity.")
    )
    lead_days = ma.fields.Integer(strict=True, validate=validate.Range(0, MAX_LEAD_DAYS))
    low_stock_threshold = ma.fields.Integer(strict=True, validate=COUNT)


class StockBody(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(StockInputSchema),
        required=True,
        validate=validate.Length(1, MAX_ITEMS),
        metadata=_doc(f"1 to {MAX_ITEMS} listings, each SKU once."),
    )


class BulkResultSchema(ma.Schema):
    created = ma.fields.List(ma.fields.String(), required=True, metadata=_doc("SKUs created."))
    updated = ma.fields.List(ma.fields.String(), required=True, metadata=_doc("SKUs changed."))
    unchanged = ma.fields.List(ma.fields.String(), required=True)
    items = ma.fields.List(ma.fields.Nested(ListingSchema), required=True)
