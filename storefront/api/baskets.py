"""Solidarity-basket quotes for an organisation's token: post a composition (one of its
basket templates), the baskets per distribution point, a date and a budget; get the
quote — which cooperatives supply what, to where, at what cost — or the shortfalls."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import validate
from sqlalchemy import select

from catalog.accounts.users import Role
from catalog.db import utcnow
from catalog.models import Cooperative
from solidarity_baskets.models import BasketQuote
from solidarity_baskets.request import DEFAULT_MAX_SHARE_BPS, BasketRequest, DestinationRequest
from solidarity_baskets.service import quote_baskets, quote_for
from storefront.api.base import Blueprint, not_found
from storefront.api.problems import answering
from storefront.extensions import db
from storefront.tenancy import of_organisation_or_404

bp = Blueprint(
    "api_baskets",
    __name__,
    url_prefix="/api/v1/basket-quotes",
    tag="Baskets",
    description=(
        "Quotes for solidarity baskets, for an organisation's token. Every unit comes from a "
        "rural cooperative; a short supply is not an error: the quote lists the shortfalls."
    ),
)


class DestinationSchema(ma.Schema):
    province_code = ma.fields.String(
        required=True, validate=validate.Length(1, 12), metadata={"description": "HCP code."}
    )
    baskets = ma.fields.Integer(strict=True, required=True, validate=validate.Range(1, 2_000_000))
    hub_name = ma.fields.String(load_default="", validate=validate.Length(max=80))


class QuoteRequestSchema(ma.Schema):
    template_id = ma.fields.Integer(strict=True, required=True, validate=validate.Range(1))
    destinations = ma.fields.List(
        ma.fields.Nested(DestinationSchema), required=True, validate=validate.Length(1, 200)
    )
    deliver_by = ma.fields.Date(required=True)
    family_size = ma.fields.Integer(strict=True, load_default=5, validate=validate.Range(1, 30))
    budget_per_basket_minor = ma.fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 10**9)
    )
    max_share_bps = ma.fields.Integer(
        strict=True, load_default=DEFAULT_MAX_SHARE_BPS, validate=validate.Range(1, 10_000)
    )
    women_led_preference = ma.fields.Boolean(load_default=True)


class SupplySchema(ma.Schema):
    cooperative = ma.fields.String(required=True)
    line = ma.fields.String(required=True)
    destination = ma.fields.String(required=True)
    units = ma.fields.Integer(required=True)
    goods_minor = ma.fields.Integer(required=True)


class ShortfallSchema(ma.Schema):
    line = ma.fields.String(required=True)
    destination = ma.fields.String(required=True)
    needed = ma.fields.Integer(required=True)
    missing = ma.fields.Integer(required=True)
    available = ma.fields.Integer(required=True)
    fixes = ma.fields.List(ma.fields.String(), required=True)


class QuoteSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    baskets = ma.fields.Integer(required=True)
    deliver_by = ma.fields.Date(required=True)
    currency = ma.fields.String(required=True)
    goods_minor = ma.fields.Integer(required=True)
    shipping_minor = ma.fields.Integer(required=True)
    total_minor = ma.fields.Integer(required=True)
    cost_per_basket_minor = ma.fields.Integer(required=True)
    budget_per_basket_minor = ma.fields.Integer(required=True, allow_none=True)
    budget_excess_minor = ma.fields.Integer(required=True)
    shortage_units = ma.fields.Integer(required=True)
    supply = ma.fields.List(ma.fields.Nested(SupplySchema), required=True)
    shortfalls = ma.fields.List(ma.fields.Nested(ShortfallSchema), required=True)


def quote_json(quote: BasketQuote) -> dict[str, Any]:
    rows = quote.result.get("assignments", [])
    names = {
        c.id: c.name_fr
        for c in db.session.scalars(
            select(Cooperative).where(Cooperative.id.in_({int(r[1]) for r in rows}))
        )
    }
    supply: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        entry = supply[(int(row[1]), str(row[2]), str(row[3]))]
        entry[0] += int(row[4])
        entry[1] += int(row[6])
    return {
        **{
            name: getattr(quote, name)
            for name in (
                "id",
                "baskets",
                "deliver_by",
                "currency",
                "goods_minor",
                "shipping_minor",
                "total_minor",
                "cost_per_basket_minor",
                "budget_per_basket_minor",
                "budget_excess_minor",
                "shortage_units",
            )
        },  # fmt: skip
        "status": str(quote.status),
        "supply": [
            {
                "cooperative": names.get(coop, str(coop)),
                "line": line,
                "destination": dest,
                "units": units,
                "goods_minor": goods,
            }
            for (coop, line, dest), (units, goods) in sorted(supply.items())
        ],
        "shortfalls": [
            {
                "line": s["line_key"],
                "destination": s["destination_key"],
                "needed": s["needed"],
                "missing": s["missing"],
                "available": s["available"],
                "fixes": [f["kind"] for f in s["fixes"]],
            }
            for s in quote.result.get("shortfalls", [])
        ],
    }


@bp.route("", methods=["POST"])
@bp.token_required(Role.ORGANISATION)
@bp.arguments(QuoteRequestSchema)
@bp.response(201, QuoteSchema)
def create_quote(body: dict[str, Any]) -> dict[str, Any]:
    """Quote a basket order (stored; confirm it in the organisation's space).

    The same request gives the same quote. Refused (422, `rejected`) when the template
    is not the organisation's, a province is unknown, the date is too close...
    """
    request = BasketRequest(
        organisation_id=g.organisation.id,
        template_id=body["template_id"],
        destinations=tuple(DestinationRequest(**d) for d in body["destinations"]),
        deliver_by=body["deliver_by"],
        family_size=body["family_size"],
        budget_per_basket_minor=body["budget_per_basket_minor"],
        max_share_bps=body["max_share_bps"],
        women_led_preference=body["women_led_preference"],
        created_by_id=g.api_token.user_id,
    )
    now = utcnow()
    with answering():
        quote = quote_baskets(db.session, request, today=now.date(), now=now)
    return quote_json(quote)


@bp.route("/<int:quote_id>")
@bp.token_required(Role.ORGANISATION)
@bp.response(200, QuoteSchema)
def get_quote(quote_id: int) -> dict[str, Any]:
    """One of the organisation's quotes."""
    return quote_json(
        of_organisation_or_404(quote_for, quote_id, not_found("No quote of yours has this id."))
    )
