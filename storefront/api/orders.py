"""Order and fulfilment status for their owners: a shopper's or an organisation's own
orders, a cooperative's own parts of orders. No delivery address or phone goes out
through the API (the back office shows them to the cooperative that ships)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import validate
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from catalog.accounts.users import Role
from orders.models import Fulfilment, Order
from orders.status import FulfilmentStatus, OrderStatus
from storefront.api.base import Blueprint, not_found
from storefront.api.schemas import PageArgs, PageSchema
from storefront.extensions import db
from storefront.paging import paginate

bp = Blueprint(
    "api_orders",
    __name__,
    url_prefix="/api/v1/orders",
    tag="Orders",
    description=(
        "Where orders stand, for their owners: a shopper's or an organisation's own orders; "
        "for a cooperative, its own parts of orders (and nothing of the others')."
    ),
)


class OrderArgs(PageArgs):
    status = ma.fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))


class LineSchema(ma.Schema):
    sku = ma.fields.String(required=True)
    title_fr = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)
    unit_price_minor = ma.fields.Integer(required=True)


class PartSchema(ma.Schema):
    """One cooperative's parcel of an order."""

    cooperative = ma.fields.String(required=True, metadata={"description": "Its name."})
    status = ma.fields.String(
        required=True, validate=validate.OneOf([s.value for s in FulfilmentStatus])
    )
    carrier = ma.fields.String(required=True)
    tracking_number = ma.fields.String(required=True)
    promised_on = ma.fields.Date(required=True, allow_none=True)
    shipped_at = ma.fields.DateTime(required=True, allow_none=True)
    delivered_at = ma.fields.DateTime(required=True, allow_none=True)
    goods_minor = ma.fields.Integer(required=True)
    lines = ma.fields.List(ma.fields.Nested(LineSchema), required=True)


class OrderStatusSchema(ma.Schema):
    number = ma.fields.String(required=True)
    status = ma.fields.String(
        required=True, validate=validate.OneOf([s.value for s in OrderStatus])
    )
    placed_at = ma.fields.DateTime(required=True)
    currency = ma.fields.String(required=True)
    total_minor = ma.fields.Integer(
        required=True, metadata={"description": "The whole order's total (0 for a cooperative)."}
    )
    parts = ma.fields.List(
        ma.fields.Nested(PartSchema),
        required=True,
        metadata={"description": "A cooperative sees only its own part."},
    )


class OrderPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(OrderStatusSchema), required=True)


def _owned() -> list[Any]:
    """Conditions that keep only the token's own orders."""
    token = g.api_token
    if token.cooperative_id is not None:
        return [Order.fulfilments.any(Fulfilment.cooperative_id == token.cooperative_id)]
    if token.organisation_id is not None:
        return [Order.organisation_id == token.organisation_id]
    return [Order.user_id == token.user_id]


def _json(order: Order) -> dict[str, Any]:
    coop_id = g.api_token.cooperative_id
    parts = [p for p in order.fulfilments if coop_id is None or p.cooperative_id == coop_id]
    return {
        "number": order.number,
        "status": str(order.status),
        "placed_at": order.placed_at,
        "currency": order.currency,
        "total_minor": order.total_minor if coop_id is None else 0,
        "parts": [
            {
                "cooperative": p.cooperative_name,
                "status": str(p.status),
                "carrier": p.carrier,
                "tracking_number": p.tracking_number,
                "promised_on": p.promised_on,
                "shipped_at": p.shipped_at,
                "delivered_at": p.delivered_at,
                "goods_minor": p.goods_minor,
                "lines": [
                    {
                        "sku": line.sku,
                        "title_fr": line.title_fr,
                        "quantity": line.quantity,
                        "unit_price_minor": line.unit_price_minor,
                    }
                    for line in p.lines
                ],
            }
            for p in parts
        ],
    }


_LOAD = (selectinload(Order.fulfilments).selectinload(Fulfilment.lines),)
PARTIES = (Role.COOPERATIVE, Role.ORGANISATION, Role.SHOPPER)


@bp.route("")
@bp.token_required(*PARTIES)
@bp.arguments(OrderArgs, location="query", as_kwargs=True)
@bp.response(200, OrderPageSchema)
def list_orders(page: int, per_page: int, status: str | None = None) -> dict[str, Any]:
    """The token's own orders, newest first."""
    conds = _owned()
    if status is not None:
        conds.append(Order.status == status)
    paged = paginate(
        select(Order).where(*conds).options(*_LOAD).order_by(Order.id.desc()),
        select(func.count(Order.id)).where(*conds),
        per_page,
        page=page,
    )
    return paged.envelope([_json(o) for o in paged.items])


@bp.route("/<string:number>")
@bp.token_required(*PARTIES)
@bp.response(200, OrderStatusSchema)
def get_order(number: str) -> dict[str, Any]:
    """One of the token's own orders (404 for any other: nobody learns which exist)."""
    order = db.session.scalar(
        select(Order).where(Order.number == number, *_owned()).options(*_LOAD)
    )
    if order is None:
        raise not_found("No order of yours has this number.")
    return _json(order)
