"""What the current cooperative or organisation may see: every row a back-office page,
an organisation's page, the console or the API loads for a party goes through these, so
that an id or SKU of another party finds nothing (a 404) instead of someone else's
data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.base import ExecutableOption
from werkzeug.exceptions import HTTPException, NotFound

from catalog.accounts.users import Organisation, Role
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


def _party() -> tuple[Role | None, int | None]:
    """The role and organisation of whoever asks: the API token, else the signed-in
    person."""
    token = g.get("api_token")
    if token is not None:
        return token.role, token.organisation_id
    if current_user.is_authenticated:
        return current_user.role, current_user.organisation_id
    return None, None


def organisation_or_404(organisation_id: int | None) -> Organisation:
    """The organisation with this id if the party asking may see it: any for the
    operator, only their own for an organisation's member or API token; else a 404."""
    role, own = _party()
    if organisation_id is None or (role != Role.OPERATOR and organisation_id != own):
        abort(404)
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def of_organisation_or_404(
    find: Callable[[Session, int, int], T | None],
    object_id: int,
    missing: HTTPException | None = None,
) -> T:
    """The current organisation's (``g.organisation``) quote, basket order, template or
    job with this id, as ``find(session, organisation_id, object_id)`` loads it; when it
    is not theirs, ``missing`` is raised (a 404 page by default)."""
    found = find(db.session, g.organisation.id, object_id)
    if found is None:
        raise missing or NotFound()
    return found
