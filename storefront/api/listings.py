"""A cooperative's listings through the API: read them, create or change them in bulk,
set stock and production capacity in bulk. Every write goes through the same use cases
as the back office (:mod:`catalog.listings`), with the same checks and audit log, and
is all or nothing: one refused item and nothing changes, with every problem listed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import g
from sqlalchemy import func, select

from catalog import listings
from catalog.accounts.users import Role
from catalog.audit import Actor
from catalog.db import utcnow
from catalog.errors import FieldProblem, InvalidInput, InvalidState
from catalog.listings import Listing
from catalog.models import Category, Product
from storefront.api.base import TEXT_DETAILS, Blueprint, not_found
from storefront.api.listing_schemas import (
    BulkResultSchema,
    ListingArgs,
    ListingPageSchema,
    ListingsBody,
    ListingSchema,
    StockBody,
)
from storefront.api.problems import ApiProblem, FieldError
from storefront.extensions import db
from storefront.paging import paginate
from storefront.tenancy import own_by_sku

bp = Blueprint(
    "api_listings",
    __name__,
    url_prefix="/api/v1",
    tag="Listings",
    description=(
        "A cooperative's own listings, for the holder of one of its API tokens. Bulk "
        "changes are all or nothing."
    ),
)

#: English sentences for the library's problem codes (partners branch on the code)
DETAILS = {
    "required": "This field is needed.",
    "too_long": "Too long (at most {max} characters).",
    **TEXT_DETAILS,
    "sku_format": "Letters, digits, '.', '_', '/' and '-' only, starting with a letter or digit.",
    "sku_taken": "Another listing of the cooperative has this SKU.",
    "duplicate_sku": "This SKU appears twice in the request.",
    "unknown_category": "No category has this slug.",
    "not_positive": "Must be more than zero.",
    "price_above_cap": "Above this category's price cap ({cap_minor} centimes).",
    "unknown_unit": "Unknown unit.",
    "out_of_range": "Must be between {min} and {max}.",
    "required_for_made_to_order": "A made-to-order listing needs a daily capacity.",
    "unknown_sku": "The cooperative has no listing with this SKU.",
    "product_suspended": "The operator suspended this listing: it cannot be put on sale.",
}
_FIELD = {"category": "category", "price": "price_minor"}


def _detail(code: str, data: dict[str, Any]) -> str:
    try:
        return DETAILS.get(code, code).format(**data)
    except (KeyError, IndexError, ValueError):
        return DETAILS.get(code, code)


def listing_json(product: Product, category_slug: str) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(product, name) for name in listings.LISTING_FIELDS}
    data.pop("category_id")
    data.update(
        unit=str(product.unit),
        slug=product.slug,
        status=str(product.status),
        sellable=product.sellable,
        category=category_slug,
    )
    return data


def _actor() -> Actor:
    return Actor(g.api_token.user_id, g.api_token.user.email)


def _duplicates(items: list[dict[str, Any]]) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for i, item in enumerate(items):
        if item["sku"] in seen:
            errors.append(
                FieldError(f"items.{i}.sku", "duplicate_sku", _detail("duplicate_sku", {}))
            )
        seen.add(item["sku"])
    return errors


def _reject(errors: list[FieldError]) -> ApiProblem:
    db.session.rollback()
    return ApiProblem(
        422,
        "rejected",
        f"{len(errors)} problem(s): nothing was changed.",
        errors=errors,
    )


def _problems(i: int, problems: list[FieldProblem]) -> list[FieldError]:
    return [
        FieldError(f"items.{i}.{_FIELD.get(p.field, p.field)}", p.code, _detail(p.code, p.data))
        for p in problems
    ]


def _result(changed: dict[str, list[str]], products: list[Product]) -> dict[str, Any]:
    slugs = {cid: slug for cid, slug in db.session.execute(select(Category.id, Category.slug))}
    return {
        **changed,
        "items": [listing_json(p, slugs.get(p.category_id, "")) for p in products],
    }


@bp.route("/listings")
@bp.token_required(Role.COOPERATIVE)
@bp.arguments(ListingArgs, location="query", as_kwargs=True)
@bp.response(200, ListingPageSchema)
def list_listings(page: int, per_page: int, sku: str | None = None) -> dict[str, Any]:
    """The cooperative's listings, every status, by SKU."""
    conds = [Product.cooperative_id == g.cooperative.id]
    if sku is not None:
        conds.append(Product.sku == sku)
    paged = paginate(
        select(Product).where(*conds).order_by(Product.sku),
        select(func.count(Product.id)).where(*conds),
        per_page,
        page=page,
    )
    slugs = {cid: slug for cid, slug in db.session.execute(select(Category.id, Category.slug))}
    return paged.envelope([listing_json(p, slugs.get(p.category_id, "")) for p in paged.items])


@bp.route("/listings/<string:sku>")
@bp.token_required(Role.COOPERATIVE)
@bp.response(200, ListingSchema)
def get_listing(sku: str) -> dict[str, Any]:
    """One of the cooperative's listings."""
    product = own_by_sku([sku]).get(sku)
    if product is None:
        raise not_found("The cooperative has no listing with this SKU.")
    category = db.session.get(Category, product.category_id)
    return listing_json(product, category.slug if category else "")


@bp.route("/listings", methods=["POST"])
@bp.token_required(Role.COOPERATIVE)
@bp.arguments(ListingsBody)
@bp.response(200, BulkResultSchema)
def upsert_listings(body: dict[str, Any]) -> dict[str, Any]:
    """Create or change listings in bulk, by SKU.

    A new SKU is created as a draft (add `"status": "published"` to put it on sale);
    an existing one is changed where the item says so. The checks are the back
    office's: category rules, price caps, made-to-order capacity. Refused as a whole
    (422, `rejected`) when any item is wrong, with each problem's item and field.
    """
    items: list[dict[str, Any]] = body["items"]
    errors = _duplicates(items)
    if errors:
        raise _reject(errors)
    existing = own_by_sku([item["sku"] for item in items])
    categories = {c.slug: c.id for c in db.session.scalars(select(Category))}
    now, actor = utcnow(), _actor()
    changed: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    done: list[Product] = []
    for i, item in enumerate(items):
        values = {k: v for k, v in item.items() if k not in ("category", "status")}
        if "category" in item:
            values["category_id"] = categories.get(item["category"], 0)
        product = existing.get(item["sku"])
        try:
            if product is None:
                missing = [f for f in ("title_fr", "category", "price_minor") if f not in item]
                if missing:
                    errors += [
                        FieldError(f"items.{i}.{f}", "required", _detail("required", {}))
                        for f in missing
                    ]
                    continue
                product = listings.create_product(
                    db.session, g.cooperative, Listing(**values), actor=actor, now=now
                )
                changed["created"].append(product.sku)
            else:
                diff = listings.update_product(
                    db.session,
                    product,
                    replace(Listing.of(product), **values),
                    actor=actor,
                    now=now,
                )
                changed["updated" if diff else "unchanged"].append(product.sku)
            status = item.get("status")
            if status == "published" and product.status != "published":
                listings.publish_product(db.session, product, actor=actor, now=now)
                _mark_updated(changed, product.sku)
            elif status == "unpublished" and product.status == "published":
                listings.unpublish_product(db.session, product, actor=actor, now=now)
                _mark_updated(changed, product.sku)
        except InvalidInput as exc:
            errors += _problems(i, exc.problems)
        except InvalidState:
            errors.append(
                FieldError(
                    f"items.{i}.status", "product_suspended", _detail("product_suspended", {})
                )
            )
        else:
            done.append(product)
    if errors:
        raise _reject(errors)
    db.session.commit()
    return _result(changed, done)


def _mark_updated(changed: dict[str, list[str]], sku: str) -> None:
    if sku in changed["unchanged"]:
        changed["unchanged"].remove(sku)
        changed["updated"].append(sku)


@bp.route("/stock", methods=["PATCH"])
@bp.token_required(Role.COOPERATIVE)
@bp.arguments(StockBody)
@bp.response(200, BulkResultSchema)
def update_stock(body: dict[str, Any]) -> dict[str, Any]:
    """Set stock and production capacity of existing listings in bulk, by SKU.

    Only the fields given change. All or nothing (422, `rejected`), e.g. an unknown
    SKU, a negative stock, a made-to-order listing without a daily capacity.
    """
    items: list[dict[str, Any]] = body["items"]
    errors = _duplicates(items)
    if errors:
        raise _reject(errors)
    existing = own_by_sku([item["sku"] for item in items])
    now, actor = utcnow(), _actor()
    changed: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    done: list[Product] = []
    for i, item in enumerate(items):
        product = existing.get(item["sku"])
        if product is None:
            errors.append(FieldError(f"items.{i}.sku", "unknown_sku", _detail("unknown_sku", {})))
            continue
        values = {k: v for k, v in item.items() if k != "sku"}
        try:
            diff = listings.update_product(
                db.session, product, replace(Listing.of(product), **values), actor=actor, now=now
            )
        except InvalidInput as exc:
            errors += _problems(i, exc.problems)
        else:
            changed["updated" if diff else "unchanged"].append(product.sku)
            done.append(product)
    if errors:
        raise _reject(errors)
    db.session.commit()
    return _result(changed, done)
