"""Schemas of a cooperative's listing management through the API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from catalog.listings import MAX_LEAD_DAYS, MAX_PRICE_MINOR, MAX_QUANTITY
from catalog.models import ProductStatus, Unit
from storefront.api.schemas import PageArgs, PageSchema

MAX_ITEMS = 500
SKU = validate.Length(min=1, max=64)
COUNT = validate.Range(0, MAX_QUANTITY)
SETTABLE_STATUSES = [ProductStatus.PUBLISHED.value, ProductStatus.UNPUBLISHED.value]


def _doc(text: str) -> dict[str, str]:
    return {"description": text}


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
    stock = ma.fields.Integer(required=True)
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
    stock = ma.fields.Integer(strict=True, validate=COUNT)
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
    stock = ma.fields.Integer(strict=True, validate=COUNT, metadata=_doc("Units on the shelf."))
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
