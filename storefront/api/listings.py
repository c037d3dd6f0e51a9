"""A cooperative's listings through the API: read them, create or change them in bulk,
set stock and production capacity in bulk. Every write goes through the same use cases
as the back office (:mod:`catalog.listings`, :mod:`catalog.stock`), with the same checks
and audit log, and is all or nothing: one refused item and nothing changes, with every
problem listed.

The shelf count (``on_hand``) changes only by compare-and-set (``expected_on_hand``,
the value read before) or by a signed adjustment with a reason (``adjust``): a call
made on a stale read is answered 409 ``stock_changed`` with the current values."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import g
from sqlalchemy import func, select

from catalog import listings, stock, upsert
from catalog.accounts.users import Role
from catalog.audit import Actor
from catalog.db import utcnow
from catalog.errors import InvalidInput, StockChanged
from catalog.listings import Listing
from catalog.models import Category, Product, ProductStatus
from storefront.api.base import Blueprint, not_found
from storefront.api.listing_schemas import (
    BulkResultSchema,
    ListingArgs,
    ListingPageSchema,
    ListingsBody,
    ListingSchema,
    StockBody,
)
from storefront.api.problems import ApiProblem, FieldError, detail, refusal_errors, rejected
from storefront.extensions import db
from storefront.outcomes import REFUSALS
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

#: the library's field -> the item's, where they differ
_FIELD = {"price": "price_minor"}


def listing_json(product: Product, category_slug: str) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(product, name) for name in listings.LISTING_FIELDS}
    data.pop("category_id")
    data.update(
        allocated=product.allocated,
        available=max(0, product.available),
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
            errors.append(FieldError(f"items.{i}.sku", "duplicate_sku", detail("duplicate_sku")))
        seen.add(item["sku"])
    return errors


def _reject(errors: list[FieldError]) -> ApiProblem:
    db.session.rollback()
    return rejected(errors)


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
    coop = g.cooperative
    plan = upsert.plan_upsert(db.session, coop, [_input(i, item) for i, item in enumerate(items)])
    try:
        upsert.upsert_listings(db.session, coop, plan, actor=_actor(), now=utcnow(), source="api")
    except upsert.ImportRejected as exc:
        problems = [_field_error(p) for p in exc.plan.all_problems()]
        raise _refusal(
            [e for e in problems if e.code != "stock_changed"],
            [e for e in problems if e.code == "stock_changed"],
        ) from exc
    db.session.commit()
    products = own_by_sku([row.sku for row in plan.rows])
    changed: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    for row in plan.rows:
        changed[_CHANGED[row.action]].append(row.sku)
    return _result(changed, [products[row.sku] for row in plan.rows])


#: what an item's SKU is in the answer, by what the plan did with it
_CHANGED = {
    upsert.Action.CREATE: "created",
    upsert.Action.UPDATE: "updated",
    upsert.Action.UNCHANGED: "unchanged",
}
#: what an item says besides the listing's own fields
_ITEM_FIELDS = ("sku", "category", "status", "expected_on_hand")


def _input(i: int, item: dict[str, Any]) -> upsert.ListingInput:
    return upsert.ListingInput(
        line=i,
        sku=item["sku"],
        values={k: v for k, v in item.items() if k not in _ITEM_FIELDS},
        category=item.get("category"),
        status=ProductStatus(item["status"]) if "status" in item else None,
        expected_on_hand=item.get("expected_on_hand"),
    )


def _field_error(problem: upsert.RowProblem) -> FieldError:
    """A refused item's problem as the API names it (``items.3.price_minor``)."""
    return _error(f"items.{problem.line}.{problem.column}", problem.code, problem.data)


def _error(field: str, code: str, data: dict[str, Any]) -> FieldError:
    """One problem with one field; a count that moved since it was read says what it
    is now."""
    current = None
    if code == "stock_changed":
        on_hand, allocated = data["on_hand"], data["allocated"]
        current = {
            "on_hand": on_hand,
            "allocated": allocated,
            "available": data.get("available", on_hand - allocated),
        }
    return FieldError(field, code, detail(code, data), current=current)


def _refuse(errors: list[FieldError], conflicts: list[FieldError]) -> None:
    """Refuse the request when anything is wrong (see :func:`_refusal`); nothing when
    all went well."""
    if errors or conflicts:
        raise _refusal(errors, conflicts)


def _refusal(errors: list[FieldError], conflicts: list[FieldError]) -> ApiProblem:
    """Roll back; 409 when any count moved since it was read, else 422."""
    if not conflicts:
        return _reject(errors)
    db.session.rollback()
    return ApiProblem(
        409,
        "stock_changed",
        f"{len(conflicts)} count(s) moved since they were read: nothing was changed.",
        errors=conflicts,
    )


def _count(
    i: int,
    product: Product,
    item: dict[str, Any],
    errors: list[FieldError],
    conflicts: list[FieldError],
) -> bool:
    """Apply an item's ``on_hand`` (compare-and-set on ``expected_on_hand``) and
    ``adjust``; True when the count changed. Problems go to ``errors``, counts that
    moved since they were read to ``conflicts``."""
    now, actor, changed = utcnow(), _actor(), False
    field = "on_hand"
    try:
        if "on_hand" in item:
            if "expected_on_hand" not in item:
                if item["on_hand"] != product.on_hand:
                    errors.append(
                        FieldError(
                            f"items.{i}.expected_on_hand",
                            "expected_on_hand_required",
                            detail("expected_on_hand_required"),
                        )
                    )
            else:
                before = item["expected_on_hand"]
                level = stock.set_on_hand(
                    db.session,
                    product.id,
                    item["on_hand"],
                    seen=before,
                    actor=actor,
                    now=now,
                    source="api",
                )
                changed = level.on_hand != before
        if "adjust" in item:
            field = "adjust"
            if "reason" not in item:
                errors.append(
                    FieldError(f"items.{i}.reason", "reason_required", detail("reason_required"))
                )
            else:
                stock.adjust_on_hand(
                    db.session,
                    product.id,
                    item["adjust"],
                    reason=item["reason"],
                    note=item.get("note", ""),
                    actor=actor,
                    now=now,
                    source="api",
                )
                changed = True
    except StockChanged as exc:
        conflicts.append(_error(f"items.{i}.{field}", exc.code, exc.data))
    except REFUSALS as exc:
        errors += refusal_errors(exc, prefix=f"items.{i}.", field=field, names=_FIELD)
    return changed


@bp.route("/stock", methods=["PATCH"])
@bp.token_required(Role.COOPERATIVE)
@bp.arguments(StockBody)
@bp.response(200, BulkResultSchema)
def update_stock(body: dict[str, Any]) -> dict[str, Any]:
    """Set stock and production capacity of existing listings in bulk, by SKU.

    Only the fields given change. The shelf count changes by compare-and-set
    (`on_hand` with the `expected_on_hand` you read) or by a signed `adjust` with a
    `reason`; it can never go below the units reserved for orders (`allocated`).
    All or nothing: 409 `stock_changed` with the current values when a count moved
    since it was read; 422 `rejected` for anything else (an unknown SKU, a negative
    count, a made-to-order listing without a daily capacity).
    """
    items: list[dict[str, Any]] = body["items"]
    errors = _duplicates(items)
    if errors:
        raise _reject(errors)
    existing = own_by_sku([item["sku"] for item in items])
    now, actor = utcnow(), _actor()
    changed: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
    done: list[Product] = []
    conflicts: list[FieldError] = []
    for i, item in enumerate(items):
        product = existing.get(item["sku"])
        if product is None:
            errors.append(FieldError(f"items.{i}.sku", "unknown_sku", detail("unknown_sku")))
            continue
        values = {k: v for k, v in item.items() if k not in _COUNT_FIELDS}
        try:
            diff = listings.update_product(
                db.session, product, replace(Listing.of(product), **values), actor=actor, now=now
            )
        except InvalidInput as exc:
            errors += refusal_errors(exc, prefix=f"items.{i}.", names=_FIELD)
        else:
            counted = _count(i, product, item, errors, conflicts)
            changed["updated" if diff or counted else "unchanged"].append(product.sku)
            done.append(product)
    _refuse(errors, conflicts)
    db.session.commit()
    return _result(changed, done)


#: what a stock item says about the shelf count (applied by :func:`_count`)
_COUNT_FIELDS = ("sku", "on_hand", "expected_on_hand", "adjust", "reason", "note")
