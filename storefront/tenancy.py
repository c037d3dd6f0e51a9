"""What the current cooperative may see: every row a back-office page or the API loads
for a cooperative goes through these, so that an id or SKU from another cooperative
finds nothing (a 404) instead of someone else's data."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import ExecutableOption

from catalog.accounts.users import Role
from catalog.models import Product
from orders.models import Fulfilment
from storefront.extensions import db

T = TypeVar("T")


def of_cooperative(model: type[T], *conditions: ColumnElement[bool]) -> Select[T]:
    """Rows of ``model`` that belong to the current cooperative (``g.cooperative``)."""
    owner: InstrumentedAttribute[Any] = model.cooperative_id  # type: ignore[attr-defined]
    return select(model).where(owner == g.cooperative.id, *conditions)


def own_or_404(model: type[T], object_id: int, *options: ExecutableOption) -> T:
    """The current cooperative's row with this id, or a 404 page."""
    key: InstrumentedAttribute[Any] = model.id  # type: ignore[attr-defined]
    found = db.session.scalar(of_cooperative(model, key == object_id).options(*options))
    if found is None:
        abort(404)
    return found


def own_by_sku(skus: list[str]) -> dict[str, Product]:
    """The current cooperative's listings with these SKUs."""
    if not skus:
        return {}
    return {p.sku: p for p in db.session.scalars(of_cooperative(Product, Product.sku.in_(skus)))}


def part_or_404(*conditions: ColumnElement[bool]) -> Fulfilment:
    """The order part matching ``conditions`` that the signed-in person may act on: any
    part for the operator, only its own cooperative's for a member; else a 404 page."""
    if current_user.role == Role.OPERATOR:
        part = db.session.scalar(select(Fulfilment).where(*conditions))
    else:
        part = db.session.scalar(of_cooperative(Fulfilment, *conditions))
    if part is None:
        abort(404)
    return part
