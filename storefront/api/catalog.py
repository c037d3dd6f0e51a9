"""Public catalog reads: products (the storefront's search, filters, facets and
pagination), cooperatives, categories and regions. No token needed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog import regions as regions_data
from catalog import stock
from catalog.db import utcnow
from catalog.models import Cooperative, CooperativeStatus, Product
from catalog.search import (
    ProductQuery,
    Sort,
    descendant_ids,
    product_on_sale,
    roll_up,
    search_products,
)
from storefront.api.base import Blueprint, not_found
from storefront.api.problems import ApiProblem, FieldError
from storefront.api.schemas import (
    CategorySchema,
    CooperativeArgs,
    CooperativeDetailSchema,
    CooperativePageSchema,
    ProductArgs,
    ProductDetailSchema,
    ProductPageSchema,
    RegionSchema,
    money,
    translated,
)
from storefront.extensions import db
from storefront.paging import paginate
from storefront.shop.facets import categories as kept_categories
from storefront.shop.facets import category as kept_category

bp = Blueprint(
    "api_catalog",
    __name__,
    url_prefix="/api/v1",
    tag="Catalog",
    description="What is on sale, who makes it and where. Public: no token needed.",
)


def _image_path(filename: str) -> str:
    return url_for("site.media", filename=filename)


def product_summary(product: Product, category_slugs: dict[int, str]) -> dict[str, Any]:
    first = product.images[0] if product.images else None
    coop = product.cooperative
    return {
        "slug": product.slug,
        "sku": product.sku,
        "title": translated(product, "title"),
        "price": money(product.price),
        "unit": str(product.unit),
        "net_quantity": product.net_quantity,
        "category": category_slugs.get(product.category_id, ""),
        "region_code": product.region_code,
        "women_led": product.women_led,
        "made_to_order": product.made_to_order,
        "available": stock.available_now(product),
        "sold_out": product.sold_out,
        "cooperative": {"slug": coop.slug, "name_fr": coop.name_fr, "name_ar": coop.name_ar},
        "image": _image_path(first.thumbnail or first.filename) if first else None,
        "url": url_for("shop.product", slug=product.slug),
    }


def _certificate(cert: Any) -> dict[str, Any]:
    return {
        "kind": str(cert.kind),
        "number": cert.number,
        "issuer": cert.issuer,
        "scope": cert.scope,
        "expires_on": cert.expires_on,
    }


def cooperative_summary(coop: Cooperative) -> dict[str, Any]:
    return {
        "slug": coop.slug,
        "name_fr": coop.name_fr,
        "name_ar": coop.name_ar,
        "region_code": coop.region_code,
        "province_code": coop.province_code,
        "city": coop.city,
        "rural": coop.rural,
        "women_led": coop.women_led,
        "members": coop.members,
        "women_members": coop.women_members,
        "sector": str(coop.sector),
        "founded_year": coop.founded_year,
        "url": url_for("shop.cooperative", slug=coop.slug),
    }


@bp.route("/products")
@bp.arguments(ProductArgs, location="query", as_kwargs=True)
@bp.response(200, ProductPageSchema)
def list_products(
    page: int,
    per_page: int,
    q: str,
    sort: str,
    women_led: bool,
    facets: bool,
    category: str | None = None,
    region: str | None = None,
    certificate: str | None = None,
    price: str | None = None,
    cooperative: str | None = None,
) -> dict[str, Any]:
    """Search and filter the products on sale.

    The same query as the shop's listing pages: full-text search, filters that
    combine, disjunctive facet counts (each facet applies every *other* filter) and
    pagination. Only products that may be sold right now are returned.
    """
    categories = kept_categories()
    slugs = {c.id: c.slug for c in categories}
    params: dict[str, Any] = {
        "text": q,
        "region_code": region,
        "certificate": certificate,
        "women_led": women_led,
        "price_band": price,
        "sort": Sort(sort),
        "page": page,
        "per_page": per_page,
    }
    unknown: list[FieldError] = []
    if category is not None:
        current = next((c for c in categories if c.slug == category), None)
        if current is None:
            unknown.append(FieldError("category", "unknown", "No category has this slug."))
        else:
            params["category_ids"] = descendant_ids(categories, current.id)
    if cooperative is not None:
        coop_id = db.session.scalar(
            select(Cooperative.id).where(
                Cooperative.slug == cooperative, Cooperative.status == CooperativeStatus.VERIFIED
            )
        )
        if coop_id is None:
            unknown.append(FieldError("cooperative", "unknown", "No cooperative has this slug."))
        params["cooperative_id"] = coop_id
    if unknown:  # a filter on something that does not exist: say so, never ignore it
        raise ApiProblem(404, "not_found", "A filter names nothing that exists.", errors=unknown)

    result = search_products(db.session, ProductQuery(**params), facets=facets)
    facet_data = None
    if facets:
        rolled = roll_up(categories, result.facets.get("category", []))
        facet_data = {
            "region": result.facets["region"],
            "category": [
                {"value": slug, "count": n}
                for slug, n in sorted(
                    ((slugs[cid], n) for cid, n in rolled.items() if cid in slugs),
                    key=lambda pair: (-pair[1], pair[0]),
                )
            ],
            "certificate": result.facets["certificate"],
            "women_led": result.facets["women_led"],
            "price": result.facets["price"],
        }
    return {
        "items": [product_summary(p, slugs) for p in result.products],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "facets": facet_data,
    }


@bp.route("/products/<string:slug>")
@bp.response(200, ProductDetailSchema)
def get_product(slug: str) -> dict[str, Any]:
    """One product on sale, with its availability and valid certificates."""
    found = product_on_sale(db.session, slug)
    if found is None:
        raise not_found("No product on sale has this slug.")
    item, committed = found
    today = utcnow().date()
    category = kept_category(item.category_id)  # the tree kept per catalog stamp
    data = product_summary(item, {category.id: category.slug})
    data.update(
        description=translated(item, "description"),
        shipping_weight_g=item.shipping_weight_g,
        units_per_day=item.units_per_day,
        lead_days=item.lead_days,
        available_within_week=stock.available_by(
            item, today + timedelta(days=7), today=today, committed_units=committed
        ),
        price_cap=money(category.cap),
        certificates=[
            _certificate(c)
            for c in item.cooperative.certificates
            if c.is_valid_on(today) and c.product_id in (None, item.id)
        ],
        images=[_image_path(i.filename) for i in item.images],
    )
    return data


@bp.route("/cooperatives")
@bp.arguments(CooperativeArgs, location="query", as_kwargs=True)
@bp.response(200, CooperativePageSchema)
def list_cooperatives(
    page: int,
    per_page: int,
    women_led: bool,
    region: str | None = None,
    sector: str | None = None,
) -> dict[str, Any]:
    """Verified cooperatives, featured first."""
    conds = [Cooperative.status == CooperativeStatus.VERIFIED]
    if region:
        conds.append(Cooperative.region_code == region)
    if women_led:
        conds.append(Cooperative.women_led.is_(True))
    if sector:
        conds.append(Cooperative.sector == sector)
    paged = paginate(
        select(Cooperative).where(*conds).order_by(Cooperative.featured.desc(), Cooperative.id),
        select(func.count(Cooperative.id)).where(*conds),
        per_page,
        page=page,
    )
    return paged.envelope([cooperative_summary(c) for c in paged.items])


@bp.route("/cooperatives/<string:slug>")
@bp.response(200, CooperativeDetailSchema)
def get_cooperative(slug: str) -> dict[str, Any]:
    """One verified cooperative, its story and valid certificates."""
    coop = db.session.scalar(
        select(Cooperative)
        .where(Cooperative.slug == slug)
        .options(selectinload(Cooperative.certificates))
    )
    if coop is None or coop.status != CooperativeStatus.VERIFIED:
        raise not_found("No verified cooperative has this slug.")
    today = utcnow().date()
    count = db.session.scalar(
        select(func.count(Product.id)).where(
            Product.cooperative_id == coop.id, Product.sellable.is_(True)
        )
    )
    data = cooperative_summary(coop)
    data.update(
        story=translated(coop, "story"),
        certificates=[
            _certificate(c)
            for c in coop.certificates
            if c.is_valid_on(today) and c.product_id is None
        ],
        product_count=int(count or 0),
    )
    return data


@bp.route("/categories")
@bp.response(200, CategorySchema(many=True))
def list_categories() -> list[dict[str, Any]]:
    """Every category, roots first, with the rules that apply to its products."""
    categories = kept_categories()
    slugs = {c.id: c.slug for c in categories}
    return [
        {
            "slug": c.slug,
            "parent": slugs.get(c.parent_id) if c.parent_id is not None else None,
            "name": translated(c, "name"),
            "required_certificates": list(c.required_kinds),
            "price_cap": money(c.cap),
        }
        for c in categories
    ]


@bp.route("/regions")
@bp.response(200, RegionSchema(many=True))
def list_regions() -> list[dict[str, Any]]:
    """Morocco's 12 regions, their provinces and how many products each sells."""
    counts = dict(
        db.session.execute(
            select(Product.region_code, func.count(Product.id))
            .where(Product.sellable.is_(True))
            .group_by(Product.region_code)
        ).all()
    )
    return [
        {
            "code": r.code,
            "name": translated(r, "name"),
            "product_count": int(counts.get(r.code, 0)),
            "provinces": [
                {"code": p.code, "name_fr": p.name_fr, "name_ar": p.name_ar, "kind": p.kind}
                for p in regions_data.provinces_of(r.code)
            ],
        }
        for r in regions_data.regions()
    ]
