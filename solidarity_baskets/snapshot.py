"""How a quote's inputs and result are stored (JSON), and read back.

Inputs: the request, the template's lines as they were, the engine's suppliers and
offers (compact rows, see :data:`solidarity_baskets.supply.OFFER_FIELDS`). Result:
the engine's purchases, shortfalls with their fixes, budget excess and figures, plus
the names of the products and cooperatives it mentions (so a quote page needs no
other query and survives catalog edits).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from solidarity_baskets import engine
from solidarity_baskets.models import BasketTemplate
from solidarity_baskets.request import BasketRequest, DestinationRequest
from solidarity_baskets.supply import OFFER_FIELDS, Supply, offer_row

VERSION = 1


def template_lines(template: BasketTemplate) -> list[dict[str, Any]]:
    """The template's lines, with their categories' names and equivalents."""
    return [
        {
            "key": line.key,
            "position": line.position,
            "category_id": line.category_id,
            "name_fr": line.category.name_fr,
            "name_ar": line.category.name_ar,
            "name_en": line.category.name_en,
            "net_quantity": line.net_quantity,
            "unit": line.unit,
            "is_container": line.is_container,
            "nutrition_key": line.nutrition_key,
            "equivalents": [
                {
                    "id": eq.id,
                    "category_id": eq.category_id,
                    "name_fr": eq.category.name_fr,
                    "name_ar": eq.category.name_ar,
                    "name_en": eq.category.name_en,
                    "net_quantity": eq.net_quantity,
                    "unit": eq.unit,
                    "accepted": eq.accepted,
                    "penalty_bps": eq.penalty_bps,
                    "nutrition_key": eq.nutrition_key,
                }
                for eq in line.equivalents
            ],
        }
        for line in template.lines
    ]


def inputs(request: BasketRequest, lines: list[dict[str, Any]], supply: Supply) -> dict[str, Any]:
    return {
        "version": VERSION,
        "request": request_data(request),
        "lines": lines,
        "suppliers": [[s.id, s.region_code, s.rural, s.women_led] for s in supply.suppliers],
        "offer_fields": list(OFFER_FIELDS),
        "offers": [offer_row(o) for o in supply.offers],
    }


def request_data(request: BasketRequest) -> dict[str, Any]:
    """The request as JSON (read back by :func:`request`)."""
    return {
        "organisation_id": request.organisation_id,
        "template_id": request.template_id,
        "destinations": [
            [d.province_code, d.baskets, d.hub_name, d.address, d.contact, d.window]
            for d in request.destinations
        ],
        "deliver_by": request.deliver_by.isoformat(),
        "family_size": request.family_size,
        "budget_per_basket_minor": request.budget_per_basket_minor,
        "max_share_bps": request.max_share_bps,
        "women_led_preference": request.women_led_preference,
        "fairness_bps": request.fairness_bps,
        "accepted_equivalents": None
        if request.accepted_equivalents is None
        else list(request.accepted_equivalents),
        "created_by_id": request.created_by_id,
    }


def request(data: dict[str, Any]) -> BasketRequest:
    accepted = data["accepted_equivalents"]
    return BasketRequest(
        organisation_id=data["organisation_id"],
        template_id=data["template_id"],
        destinations=tuple(
            DestinationRequest(row[0], int(row[1]), row[2], *row[3:6])
            for row in data["destinations"]
        ),
        deliver_by=date.fromisoformat(data["deliver_by"]),
        family_size=data["family_size"],
        budget_per_basket_minor=data["budget_per_basket_minor"],
        max_share_bps=data["max_share_bps"],
        women_led_preference=data["women_led_preference"],
        fairness_bps=data.get("fairness_bps"),
        accepted_equivalents=None if accepted is None else tuple(accepted),
        created_by_id=data.get("created_by_id"),
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def result(allocation: engine.Allocation, supply: Supply) -> dict[str, Any]:
    stats = allocation.stats
    mentioned: set[str] = {a.offer_key for a in allocation.assignments}
    for shortfall in allocation.shortfalls:
        for fix in shortfall.fixes:
            mentioned.update(fix.offer_keys)
    supplier_of = {o.key: o.supplier_id for o in supply.offers}
    used_suppliers = {supplier_of[k] for k in mentioned}
    excess = allocation.budget_excess
    return {
        "version": VERSION,
        "assignments": [
            [
                a.offer_key,
                a.supplier_id,
                a.line_key,
                a.destination_key,
                a.line_units,
                a.product_units,
                a.goods_minor,
                a.shipping_minor,
                _day(a.ship_by),
            ]
            for a in allocation.assignments
        ],
        "shortfalls": [
            {
                "line_key": s.line_key,
                "destination_key": s.destination_key,
                "needed": s.needed_line_units,
                "missing": s.missing_line_units,
                "available": s.available_line_units,
                "deliver_by": s.deliver_by.isoformat(),
                "fixes": [
                    {
                        "kind": f.kind,
                        "deliver_by": _day(f.deliver_by),
                        "baskets": f.baskets,
                        "offer_keys": list(f.offer_keys),
                        "equivalent_ids": sorted(
                            {
                                eid
                                for k in f.offer_keys
                                if (eid := supply.products[k].equivalent_id) is not None
                            }
                        ),
                        "line_units": f.line_units,
                        "resolves_line": f.resolves_line,
                    }
                    for f in s.fixes
                ],
            }
            for s in allocation.shortfalls
        ],
        "budget_excess": None
        if excess is None
        else {
            "total_excess_minor": excess.total_excess_minor,
            "per_basket_excess_minor": excess.per_basket_excess_minor,
            "drivers": [list(d) for d in excess.drivers],
        },
        "stats": {
            "goods_minor": stats.goods_minor,
            "shipping_minor": stats.shipping_minor,
            "total_minor": stats.total_minor,
            "cost_per_basket_minor": stats.cost_per_basket_minor,
            "pure_cost_optimum_minor": stats.pure_cost_optimum_minor,
            "suppliers_paid": stats.suppliers_paid,
            "women_led_share": stats.women_led_share,
            "rural_share": stats.rural_share,
            "regions_reached": list(stats.regions_reached),
            "gini": stats.gini,
            "baskets_ordered": stats.baskets_ordered,
            "shortage_line_units": stats.shortage_line_units,
            "relaxed_caps": [[c.supplier_id, c.line_key, c.extra] for c in stats.relaxed_caps],
            "notes": list(stats.notes),
            "solve_seconds": [list(s) for s in stats.solve_seconds],
            "cheapest_cost_minor": stats.cheapest_cost_minor,
            "suppliers_eligible": stats.suppliers_eligible,
            "gini_eligible": stats.gini_eligible,
            "parts": stats.parts,
            "smallest_part_minor": stats.smallest_part_minor,
            "parts_below_minimum": stats.parts_below_minimum,
            "shipment_fees_minor": stats.shipment_fees_minor,
            "minimum_gap": stats.minimum_gap,
            "max_parts": stats.max_parts,
        },
        "shipment_fees": [list(f) for f in allocation.shipment_fees],
        "products": {key: _product(supply, key) for key in sorted(mentioned)},
        "cooperatives": {str(cid): _cooperative(supply, cid) for cid in sorted(used_suppliers)},
    }


def _product(supply: Supply, key: str) -> dict[str, Any]:
    ref = supply.products[key]
    return {
        "product_id": ref.product_id,
        "sku": ref.sku,
        "title_fr": ref.title_fr,
        "title_ar": ref.title_ar,
        "title_en": ref.title_en,
        "net_quantity": ref.net_quantity,
        "unit": ref.unit,
        "equivalent_id": ref.equivalent_id,
    }


def _cooperative(supply: Supply, cooperative_id: int) -> dict[str, Any]:
    ref = supply.cooperatives[cooperative_id]
    return {
        "slug": ref.slug,
        "name_fr": ref.name_fr,
        "name_ar": ref.name_ar,
        "region_code": ref.region_code,
        "province_code": ref.province_code,
        "women_led": ref.women_led,
        "rural": ref.rural,
    }


def shipment_fees(data: dict[str, Any]) -> dict[tuple[int, str], int]:
    """``{(cooperative id, destination key): fee}`` above the lines' freight."""
    return {(sid, dkey): fee for sid, dkey, fee in data.get("shipment_fees", [])}


def assignments(data: dict[str, Any]) -> tuple[engine.Assignment, ...]:
    """The stored purchases, as the engine made them."""
    return tuple(
        engine.Assignment(
            offer_key=row[0],
            supplier_id=row[1],
            line_key=row[2],
            destination_key=row[3],
            line_units=row[4],
            product_units=row[5],
            goods_minor=row[6],
            shipping_minor=row[7],
            ship_by=date.fromisoformat(row[8]) if row[8] else None,
        )
        for row in data["assignments"]
    )
