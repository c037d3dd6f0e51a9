"""marshmallow schemas of the public catalog reads. The same classes validate the
query strings and produce the OpenAPI document (flask-smorest + apispec)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from catalog import regions as regions_data
from catalog.models import CertificateKind, Sector, Unit
from catalog.money import Money
from catalog.search import MAX_PER_PAGE, PRICE_BANDS, Sort

MAX_PAGE = 10_000
SLUG = validate.Length(min=1, max=160)


def _doc(text: str, **more: Any) -> dict[str, Any]:
    return {"description": text, **more}


class MoneySchema(ma.Schema):
    """An amount in minor units (centimes: 6.00 MAD = 600), never a float."""

    amount_minor = ma.fields.Integer(required=True, metadata=_doc("Minor units (centimes)."))
    currency = ma.fields.String(required=True, metadata=_doc("ISO 4217 code.", example="MAD"))
    amount = ma.fields.String(
        required=True, metadata=_doc("The same amount as a decimal string.", example="120.00")
    )


def money(value: Money | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "amount_minor": value.amount_minor,
        "currency": value.currency,
        "amount": f"{value.decimal:.2f}",
    }


class TranslatedSchema(ma.Schema):
    """A text in French, Arabic and English (empty when not written)."""

    fr = ma.fields.String(required=True)
    ar = ma.fields.String(required=True)
    en = ma.fields.String(required=True)


def translated(obj: Any, stem: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{stem}_{lang}", "") or "" for lang in ("fr", "ar", "en")}


# -- query strings -------------------------------------------------------------------


class PageArgs(ma.Schema):
    page = ma.fields.Integer(
        load_default=1, validate=validate.Range(1, MAX_PAGE), metadata=_doc("Page, from 1.")
    )
    per_page = ma.fields.Integer(
        load_default=24,
        validate=validate.Range(1, MAX_PER_PAGE),
        metadata=_doc(f"Items per page, at most {MAX_PER_PAGE}."),
    )


class ProductArgs(PageArgs):
    q = ma.fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata=_doc("Words to search in titles, descriptions, cooperative and category."),
    )
    category = ma.fields.String(
        validate=SLUG, metadata=_doc("A category slug; its sub-categories are included.")
    )
    region = ma.fields.String(
        validate=validate.OneOf([r.code for r in regions_data.regions()]),
        metadata=_doc("HCP region code, `01` to `12`."),
    )
    certificate = ma.fields.String(
        validate=validate.OneOf([k.value for k in CertificateKind]),
        metadata=_doc("Only products holding this certificate or label."),
    )
    women_led = ma.fields.Boolean(load_default=False, metadata=_doc("Only women-led cooperatives."))
    price = ma.fields.String(
        validate=validate.OneOf([b.key for b in PRICE_BANDS]), metadata=_doc("A price band.")
    )
    cooperative = ma.fields.String(validate=SLUG, metadata=_doc("A cooperative slug."))
    sort = ma.fields.String(
        load_default=Sort.RELEVANCE.value, validate=validate.OneOf([s.value for s in Sort])
    )
    facets = ma.fields.Boolean(
        load_default=True, metadata=_doc("Include the facet counts (one query each).")
    )


class CooperativeArgs(PageArgs):
    region = ma.fields.String(
        validate=validate.OneOf([r.code for r in regions_data.regions()]),
        metadata=_doc("HCP region code, `01` to `12`."),
    )
    women_led = ma.fields.Boolean(load_default=False)
    sector = ma.fields.String(validate=validate.OneOf([s.value for s in Sector]))


# -- responses -------------------------------------------------------------------------


class CooperativeRefSchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name_fr = ma.fields.String(required=True)
    name_ar = ma.fields.String(required=True)


class ProductSummarySchema(ma.Schema):
    slug = ma.fields.String(required=True)
    sku = ma.fields.String(required=True)
    title = ma.fields.Nested(TranslatedSchema, required=True)
    price = ma.fields.Nested(MoneySchema, required=True)
    unit = ma.fields.String(required=True, validate=validate.OneOf([u.value for u in Unit]))
    net_quantity = ma.fields.Integer(
        required=True, metadata=_doc("In grams, millilitres or pieces (see `unit`).")
    )
    category = ma.fields.String(required=True, metadata=_doc("The category's slug."))
    region_code = ma.fields.String(required=True)
    women_led = ma.fields.Boolean(required=True)
    made_to_order = ma.fields.Boolean(required=True)
    available = ma.fields.Integer(
        required=True, metadata=_doc("Units that can be ordered from the shelf now.")
    )
    sold_out = ma.fields.Boolean(
        required=True, metadata=_doc("Nothing can be ordered now (nor made to order).")
    )
    cooperative = ma.fields.Nested(CooperativeRefSchema, required=True)
    image = ma.fields.String(
        required=True, allow_none=True, metadata=_doc("Path of the first picture, or null.")
    )
    url = ma.fields.String(required=True, metadata=_doc("The product's page in the shop."))


class FacetValueSchema(ma.Schema):
    value = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class FacetsSchema(ma.Schema):
    region = ma.fields.List(ma.fields.Nested(FacetValueSchema), required=True)
    category = ma.fields.List(
        ma.fields.Nested(FacetValueSchema),
        required=True,
        metadata=_doc("Category slugs; counts include sub-categories."),
    )
    certificate = ma.fields.List(ma.fields.Nested(FacetValueSchema), required=True)
    women_led = ma.fields.List(ma.fields.Nested(FacetValueSchema), required=True)
    price = ma.fields.List(ma.fields.Nested(FacetValueSchema), required=True)


class PageSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class ProductPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ProductSummarySchema), required=True)
    facets = ma.fields.Nested(
        FacetsSchema, allow_none=True, required=True, metadata=_doc("null with `facets=false`.")
    )


class CertificateSchema(ma.Schema):
    kind = ma.fields.String(
        required=True, validate=validate.OneOf([k.value for k in CertificateKind])
    )
    number = ma.fields.String(required=True)
    issuer = ma.fields.String(required=True)
    scope = ma.fields.String(required=True, validate=validate.OneOf(["product", "cooperative"]))
    expires_on = ma.fields.Date(required=True, allow_none=True)


class ProductDetailSchema(ProductSummarySchema):
    description = ma.fields.Nested(TranslatedSchema, required=True)
    shipping_weight_g = ma.fields.Integer(required=True)
    units_per_day = ma.fields.Integer(required=True)
    lead_days = ma.fields.Integer(required=True)
    available_within_week = ma.fields.Integer(
        required=True, metadata=_doc("Units that can be promised within 7 days.")
    )
    price_cap = ma.fields.Nested(MoneySchema, required=True, allow_none=True)
    certificates = ma.fields.List(ma.fields.Nested(CertificateSchema), required=True)
    images = ma.fields.List(ma.fields.String(), required=True, metadata=_doc("Picture paths."))


class CooperativeSummarySchema(ma.Schema):
    slug = ma.fields.String(required=True)
    name_fr = ma.fields.String(required=True)
    name_ar = ma.fields.String(required=True)
    region_code = ma.fields.String(required=True)
    province_code = ma.fields.String(required=True)
    city = ma.fields.String(required=True)
    rural = ma.fields.Boolean(required=True)
    women_led = ma.fields.Boolean(required=True)
    members = ma.fields.Integer(required=True)
    women_members = ma.fields.Integer(required=True)
    sector = ma.fields.String(required=True)
    founded_year = ma.fields.Integer(required=True, allow_none=True)
    url = ma.fields.String(required=True, metadata=_doc("The cooperative's page in the shop."))


class CooperativePageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CooperativeSummarySchema), required=True)


class CooperativeDetailSchema(CooperativeSummarySchema):
    story = ma.fields.Nested(TranslatedSchema, required=True)
    certificates = ma.fields.List(ma.fields.Nested(CertificateSchema), required=True)
    product_count = ma.fields.Integer(required=True, metadata=_doc("Products on sale."))


class CategorySchema(ma.Schema):
    slug = ma.fields.String(required=True)
    parent = ma.fields.String(required=True, allow_none=True, metadata=_doc("Parent slug."))
    name = ma.fields.Nested(TranslatedSchema, required=True)
    required_certificates = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata=_doc("Certificate kinds a product needs here (with the parents' rules)."),
    )
    price_cap = ma.fields.Nested(MoneySchema, required=True, allow_none=True)


class ProvinceSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name_fr = ma.fields.String(required=True)
    name_ar = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)


class RegionSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.Nested(TranslatedSchema, required=True)
    product_count = ma.fields.Integer(required=True)
    provinces = ma.fields.List(ma.fields.Nested(ProvinceSchema), required=True)
