"""The details of a history entry (audit log) and ledger references, as people read
them: field names translated, codes named, amounts, numbers and dates formatted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from catalog import regions
from storefront import filters, labels
from storefront.coop.choices import ADJUST_REASONS, UNITS
from storefront.orders.messages import DELIVERY_OPTIONS, PART_STATUS, ZONES
from storefront.shop import facets

FIELDS: dict[str, Any] = {
    "sku": _l("SKU"),
    "title_fr": _l("Name (French)"),
    "title_ar": _l("Name (Arabic)"),
    "title_en": _l("Name (English)"),
    "description_fr": _l("Description (French)"),
    "description_ar": _l("Description (Arabic)"),
    "description_en": _l("Description (English)"),
    "name_fr": _l("Name (French)"),
    "name_ar": _l("Name (Arabic)"),
    "name_en": _l("Name (English)"),
    "story_fr": _l("Story (French)"),
    "story_ar": _l("Story (Arabic)"),
    "story_en": _l("Story (English)"),
    "price_minor": _l("Price"),
    "amount_minor": _l("Amount"),
    "max_unit_price_minor": _l("Price cap"),
    "currency": _l("Currency"),
    "unit": _l("Unit"),
    "net_quantity": _l("Net quantity"),
    "shipping_weight_g": _l("Shipping weight (g)"),
    "on_hand": _l("On the shelf"),
    "made_to_order": _l("Made to order"),
    "units_per_day": _l("Units a day"),
    "lead_days": _l("Lead days"),
    "low_stock_threshold": _l("Low-stock alert"),
    "status": _l("Status"),
    "previous": _l("Previous status"),
    "category_id": _l("Category"),
    "reason": _l("Reason"),
    "image_id": _l("Photo"),
    "from_id": _l("Copied from"),
    "from_sku": _l("Copied from"),
    "kind": _l("Kind"),
    "product_id": _l("Product"),
    "carrier": _l("Carrier"),
    "option": _l("Delivery"),
    "commission_bps": _l("Commission"),
    "changed": _l("What changed"),
    "number": _l("Order"),
    "order": _l("Order"),
    "to": _l("To"),
    "topic": _l("Subject"),
    "party": _l("Person"),
    "note": _l("Note"),
    "reference": _l("Reference"),
    "rib_end": _l("Bank account ending"),
    "email": _l("E-mail"),
    "ice": _l("ICE"),
    "terms": _l("Words"),
    "registration_number": _l("Registration number"),
    "registration_court": _l("Court of registration"),
    "region_code": _l("Region"),
    "province_code": _l("Province"),
    "city": _l("City"),
    "rural": _l("Rural"),
    "women_led": _l("Women-led"),
    "members": _l("Members"),
    "women_members": _l("Women members"),
    "sector": _l("Sector"),
    "founded_year": _l("Founded in"),
    "phone": _l("Phone"),
    "slug": _l("Address"),
    "parent_id": _l("Parent category"),
    "position": _l("Position"),
    "nutrition_key": _l("Basket kind"),
    "required_kinds": _l("Required certificates"),
    "number_of_rows": _l("Lines"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "filename": _l("File"),
    "issuer": _l("Issuer"),
    "issued_on": _l("Issued on"),
    "expires_on": _l("Expires on"),
    "active": _l("In use"),
    "bank": _l("Bank's reference"),
    "baskets": _l("Baskets received"),
    "by": _l("Units added or removed"),
    "cod_code_above_minor": _l("Code asked by text message above"),
    "cod_fee_minor": _l("Cash-on-delivery fee per parcel"),
    "extra_kg_minor": _l("Each started kg above the heaviest band"),
    "delivery_cap_minor": _l("Most an order pays for delivery"),
    "delivery_charging": _l("An order from several cooperatives pays"),
    "free_delivery_from_minor": _l("Free delivery from"),
    "line": _l("Line"),
    "name": _l("Name"),
    "part": _l("Parcel"),
    "point": _l("Distribution point"),
    "problems": _l("Problems reported"),
    "quantity": _l("Quantity"),
    "received_on": _l("Received on"),
    "source": _l("Changed through"),
    "tariffs": _l("Tariffs set"),
    "templates": _l("Basket templates added"),
    "total_minor": _l("Total"),
    "tracking_number": _l("Tracking number"),
}
#: why a shelf count moved (catalog.stock): a cooperative's own reasons, and the moves
#: orders and counts make
STOCK_REASONS = {
    **ADJUST_REASONS,
    "shipped": _l("Shipped to a buyer"),
    "count": _l("Shelf count set"),
}
#: where a shelf count came from (catalog.stock.set_on_hand)
SOURCES = {
    "form": _l("the back office"),
    "import": _l("a CSV import"),
    "api": _l("the API"),
}
#: what an operator's save of the basket freight changed (solidarity_baskets.freight.save)
FREIGHT_PARTS = {**ZONES, "sourcing": _l("sourcing rules")}
#: how an order from several cooperatives pays for delivery
DELIVERY_CHARGING = {
    "per_parcel": _l("each parcel's delivery"),
    "capped": _l("one delivery fee, capped"),
}
#: codes named through a table of labels, by the detail's name
CODES: dict[str, tuple[dict[str, Any], ...]] = {
    "status": (
        labels.PRODUCT_STATUSES,
        labels.CERTIFICATE_STATUSES,
        labels.COOPERATIVE_STATUSES,
        PART_STATUS,
        labels.PAYOUT_BATCH_STATUSES,
    ),
    "previous": (labels.PRODUCT_STATUSES, labels.COOPERATIVE_STATUSES, PART_STATUS),
    "kind": (labels.CERTIFICATE_KINDS,),
    "required_kinds": (labels.CERTIFICATE_KINDS,),
    "carrier": (labels.CARRIERS,),
    "sector": (labels.SECTORS,),
    "unit": (UNITS,),
    "option": (DELIVERY_OPTIONS,),
    # a reason typed by a person is shown as written
    "reason": (STOCK_REASONS,),
    "source": (SOURCES,),
    "changed": (FREIGHT_PARTS,),
    "delivery_charging": (DELIVERY_CHARGING,),
}
#: lists of records shown as how many there are
COUNTED = {"tariffs", "templates"}
#: details that are lists (any other two-item list is a change: before → after)
LISTS = {"created", "terms", "problems", "changed", *COUNTED}
#: identifiers shown left to right, as written
IDENTIFIERS = {
    "sku",
    "from_sku",
    "ice",
    "number",
    "order",
    "reference",
    "phone",
    "email",
    "to",
    "line",
    "tracking_number",
    "bank",
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a shipping band's price: ``<zone>:<max weight>g`` (orders.operator.update_tariff)
BAND = re.compile(r"(same_region|other_region|remote):(\d+)g")
#: what an operator's task or message is about, when it is an order (or one of its parts)
ORDER_TOPIC = re.compile(r"order:([A-Z0-9-]+)(?::part:(\d+))?(?::.*)?")


def field_name(key: str) -> str:
    """A detail's name in the page's language (an unknown name is spelled out)."""
    known = FIELDS.get(key)
    if known is not None:
        return str(known)
    if band := BAND.fullmatch(key):
        return _(
            "Price, %(zone)s, up to %(weight)s",
            zone=ZONES[band[1]],
            weight=filters.quantity(int(band[2]), "g"),
        )
    return key.replace("_", " ").capitalize()


def _list(items: list[Markup]) -> Markup:
    return escape(_(", ")).join(items)


def detail_value(key: str, value: Any) -> Markup:
    """One detail's value, formatted for the page's language."""
    pair = isinstance(value, list) and len(value) == 2 and key not in LISTS
    if pair and (key != "required_kinds" or all(isinstance(v, list) for v in value)):
        return Markup("{} → {}").format(detail_value(key, value[0]), detail_value(key, value[1]))
    if value is None or value == "" or value == []:
        return Markup("—")
    if isinstance(value, bool):
        return escape(_("Yes") if value else _("No"))
    if key == "problems" and isinstance(value, list):
        return _list([_problem(p) for p in value if isinstance(p, Mapping)])
    if isinstance(value, Mapping) or (key in COUNTED and isinstance(value, list)):
        return escape(filters.number(len(value)))
    if isinstance(value, list):
        return _list([detail_value(key, v) for v in value])
    if (key.endswith("_minor") or BAND.fullmatch(key)) and isinstance(value, int):
        return filters.money_html(value)
    if key == "by" and isinstance(value, int):
        return filters.ltr(f"{value:+d}".replace("-", "\u2212"))
    if key == "point":
        return escape(_point(str(value)))
    if key == "topic":
        return _topic(str(value))
    if key == "commission_bps" and isinstance(value, int):
        return escape(filters.percent(value / 10_000, 2))
    if key == "region_code" and (region := regions.region(str(value))):
        return escape(region.name(filters.current_language()))
    if key == "province_code" and (province := regions.province(str(value))):
        return escape(province.name(filters.current_language()))
    if key in CODES:
        for table in CODES[key]:
            if str(value) in table:
                return escape(str(table[str(value)]))
    if key in IDENTIFIERS or key.endswith("_id"):
        return filters.ltr(reference_text(str(value)) if key == "reference" else value)
    if key == "founded_year":
        return escape(str(value))
    if isinstance(value, int):
        return escape(filters.number(value))
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return escape(filters.local_date(date.fromisoformat(value)))
    return escape(str(value))


def _point(key: str) -> str:
    """A distribution point's key (``<province code>[/<hub>]``) as its name."""
    code, _slash, hub = key.partition("/")
    province = regions.province(code)
    name = province.name(filters.current_language()) if province else code
    return f"{name} — {hub}" if hub else name


def _problem(problem: Mapping[str, Any]) -> Markup:
    """One basket line's problem at a distribution point: its kind, short and damaged."""
    slug = str(problem.get("line", ""))
    lang = filters.current_language()
    kind = next((c.name(lang) for c in facets.categories() if c.slug == slug), slug)
    return escape(
        _(
            "%(kind)s: %(short)s missing, %(damaged)s damaged",
            kind=kind,
            short=filters.number(int(problem.get("short", 0))),
            damaged=filters.number(int(problem.get("damaged", 0))),
        )
    )


def _topic(topic: str) -> Markup:
    """An order's number (``TW-3D5-DXT-2`` for its second parcel), or a dash."""
    if about := ORDER_TOPIC.fullmatch(topic):
        return filters.ltr(_parcel(about[1], about[2] or ""))
    return Markup("—")


def audit_details(details: Mapping[str, Any]) -> list[tuple[str, Markup]]:
    """``[(name, value)]`` of a history entry's details, ready to show."""
    return [(field_name(key), detail_value(key, value)) for key, value in details.items()]


def reference_text(reference: str) -> str:
    """A ledger, capacity or history reference as people read it: ``order:TW-3D5-DXT``
    is the order's number, ``order:TW-3D5-DXT-2`` its second parcel's invoice number,
    as the cooperative's pages write it (older entries wrote ``order:TW-3D5-DXT/2``);
    other references (a bank's, with its slashes) are shown as written."""
    if reference.startswith("order:"):
        return _parcel(reference.removeprefix("order:"))
    return reference


def _parcel(number: str, position: str | None = None) -> str:
    """A parcel's invoice number (``TW-3D5-DXT-2``) from an order number and position,
    or from the older ``TW-3D5-DXT/2``."""
    if position is None:
        number, _slash, position = number.partition("/")
    return f"{number}-{position}" if position else number


def reference(reference: str) -> Markup:
    """A reference isolated left to right (an order number, a transfer reference)."""
    return filters.ltr(reference_text(reference))


def init_app(app: Flask) -> None:
    app.add_template_global(audit_details, "audit_details")
    app.add_template_filter(reference, "reference")
