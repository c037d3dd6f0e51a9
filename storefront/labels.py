"""Translated names for the libraries' codes (enums, problem codes)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from orders import carriers

CERTIFICATE_KINDS = {
    "onssa": _l("ONSSA sanitary authorisation"),
    "imanor_mask": _l("IMANOR NM/ST 21.5.201 (fabric masks)"),
    "ammps": _l("Ministry of Health cosmetic registration"),
    "igp": _l("Protected geographical indication (IGP)"),
    "aop": _l("Protected designation of origin (AOP)"),
    "label_agricole": _l("Label agricole"),
    "terroir": _l("Terroir du Maroc"),
    "organic": _l("Organic (law 39-12)"),
    "handmade": _l("Morocco Handmade"),
}

SECTORS = {
    "agriculture": _l("Agriculture"),
    "handicraft": _l("Handicraft"),
    "food": _l("Food products"),
    "argan": _l("Argan"),
    "aromatic_plants": _l("Aromatic and medicinal plants"),
    "fishing": _l("Fishing"),
    "forestry": _l("Forestry"),
    "textile": _l("Textile and embroidery"),
    "housing": _l("Housing"),
    "tourism": _l("Tourism"),
    "other": _l("Other"),
}

PRICE_BANDS = {
    "lt50": _l("Under 50 DH"),
    "50-150": _l("50 to 150 DH"),
    "150-300": _l("150 to 300 DH"),
    "gt300": _l("Over 300 DH"),
}

SORTS = {
    "relevance": _l("Relevance"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
    "newest": _l("Newest"),
}


def label(table: dict[str, object], code: object) -> str:
    return str(table.get(str(code), code))


# -- back office and operator console --------------------------------------------------
ORGANISATION_KINDS = {
    "ngo": _l("Association or NGO"),
    "institution": _l("Public institution"),
    "company": _l("Company or foundation"),
}

#: carriers as people call them in their language, by the library's codes
CARRIERS = {
    "amana": _l("Amana"),
    "aramex": _l("Aramex"),
    "ctm": _l("CTM Messagerie"),
    "other": _l("Other"),
}
assert CARRIERS.keys() == carriers.CARRIERS.keys()

PAYOUT_BATCH_STATUSES = {
    "open": _l("Being prepared"),
    "paid": _l("Paid"),
    "cancelled": _l("Cancelled"),
}

PRODUCT_STATUSES = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "unpublished": _l("Unpublished"),
    "suspended": _l("Suspended by the operator"),
}

COOPERATIVE_STATUSES = {
    "pending": _l("Waiting for verification"),
    "verified": _l("Verified"),
    "suspended": _l("Suspended"),
}

CERTIFICATE_STATUSES = {
    "pending": _l("Being checked"),
    "verified": _l("Verified"),
    "rejected": _l("Rejected"),
    "expired": _l("Expired"),
}

#: why a published product is not on sale (catalog.rules.problems)
SALE_PROBLEMS = {
    "not_published": _l("It is not published."),
    "cooperative_not_verified": _l("Your cooperative is not verified (yet)."),
    "missing_certificates": _l("Its category needs a verified certificate: %(kinds)s."),
    "price_above_cap": _l("Its price is above the category's cap."),
}

AUDIT_ACTIONS = {
    "cooperative.register": _l("Cooperative registered"),
    "cooperative.update": _l("Profile changed"),
    "cooperative.verify": _l("Cooperative verified"),
    "cooperative.suspend": _l("Cooperative suspended"),
    "cooperative.reinstate": _l("Cooperative reinstated"),
    "member.invite": _l("Member invited"),
    "member.join": _l("Member joined"),
    "member.cancel_invitation": _l("Invitation cancelled"),
    "product.create": _l("Product created"),
    "product.update": _l("Product changed"),
    "product.duplicate": _l("Product duplicated"),
    "product.publish": _l("Product published"),
    "product.unpublish": _l("Product unpublished"),
    "product.suspend": _l("Product suspended"),
    "product.reinstate": _l("Product reinstated"),
    "product.add_image": _l("Photo added"),
    "product.remove_image": _l("Photo removed"),
    "product.import": _l("CSV import applied"),
    "product.api": _l("Listings changed through the API"),
    "product.stock": _l("Shelf count changed"),
    "certificate.submit": _l("Certificate sent"),
    "certificate.verify": _l("Certificate verified"),
    "certificate.reject": _l("Certificate rejected"),
    "certificate.expire": _l("Certificate expired"),
    "category.create": _l("Category created"),
    "category.update": _l("Category changed"),
    "organisation.verify": _l("Organisation verified"),
    "organisation.suspend": _l("Organisation suspended"),
    "organisation.reinstate": _l("Organisation reinstated"),
    "cooperative.bank_account": _l("Bank account changed"),
    "order.ship": _l("Parcel shipped"),
    "order.deliver": _l("Parcel delivered"),
    "order.cash": _l("Cash collected"),
    "order.line_refund": _l("Units of a line refunded"),
    "order.cancel": _l("Parcel cancelled by the cooperative"),
    "order.part_cancel": _l("Parcel cancelled"),
    "order.part_refund": _l("Parcel refunded"),
    "order.refund_paid": _l("Money sent back to the buyer"),
    "order.refused_at_door": _l("Parcel refused at the door"),
    "order.returned": _l("Parcel back at the cooperative"),
    "order.tracking_corrected": _l("Tracking number corrected"),
    "order.transfer": _l("Bank transfer recorded"),
    "order.attention_cleared": _l("Order's flag cleared"),
    "basket.receipt": _l("Receipt confirmed at a distribution point"),
    "cooperative.claims_proposed": _l("Claims change proposed"),
    "cooperative.claims_accepted": _l("Claims change accepted"),
    "cooperative.claims_refused": _l("Claims change refused"),
    "shipping.update": _l("Shipping tariff changed"),
    "shipping.amana_prices": _l("Amana's prices put in place"),
    "delivery_charging.update": _l("Delivery charges changed"),
    "cod_code_above.update": _l("Cash-on-delivery code threshold changed"),
    "basket_freight.update": _l("Basket freight changed"),
    "basket_templates.ready_made": _l("Ready-made basket templates added"),
    "search_synonym.create": _l("Search synonyms added"),
    "search_synonym.delete": _l("Search synonyms removed"),
    "outbox.retry": _l("Message sent again"),
    "task.resolve": _l("Task marked done"),
    "commission.update": _l("Commission changed"),
    "payout.create": _l("Payout batch made"),
    "payout.paid": _l("Payout batch paid"),
    "payout.cancel": _l("Payout batch cancelled"),
    "payout.settlement": _l("Payment received from a cooperative"),
}


#: the kinds of change the console's history filters by: their name, and the prefixes
#: of the actions they gather (each action of AUDIT_ACTIONS is in one kind)
AUDIT_KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "cooperatives": (_l("Cooperatives and their members"), ("cooperative.", "member.")),
    "products": (_l("Products and stock"), ("product.",)),
    "certificates": (_l("Certificates"), ("certificate.",)),
    "orders": (_l("Orders and parcels"), ("order.",)),
    "money": (
        _l("Payouts, commission and delivery charges"),
        ("payout.", "commission.", "shipping.", "delivery_charging.", "cod_code_above."),
    ),
    "baskets": (
        _l("Solidarity baskets"),
        ("basket.", "basket_freight.", "basket_templates."),
    ),
    "organisations": (_l("Organisations"), ("organisation.",)),
    "catalog": (_l("Categories and search"), ("category.", "search_synonym.")),
    "messages": (_l("Messages and tasks"), ("outbox.", "task.")),
}


def sale_problem(code: str, data: dict[str, object]) -> str:
    """Why a product is not on sale, as a sentence."""
    template = SALE_PROBLEMS.get(code)
    if template is None:
        return code
    kinds = data.get("kinds")
    if isinstance(kinds, list):
        return str(template) % {"kinds": _(", ").join(label(CERTIFICATE_KINDS, k) for k in kinds)}
    return str(template)


#: a part of an order, as the cooperative sees it
PART_STATUSES = {
    "new": _l("Awaiting payment"),
    "to_prepare": _l("To prepare"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "refused": _l("Refused at the door"),
    "returned": _l("Returned to you"),
}

#: the operator's order desk: what waits for the operator (orders.desk.Queue)
ORDER_QUEUES = {
    "awaiting_transfer": _l("Awaiting a transfer"),
    "needs_attention": _l("Needs attention"),
    "refund_due": _l("Money owed back"),
    "refused_at_door": _l("Refused at the door"),
    "late_to_ship": _l("Late to ship"),
}

LEDGER_KINDS = {
    "sale": _l("Sale"),
    "shipping": _l("Shipping and delivery fees"),
    "delivery_subsidy": _l("Delivery Taawun pays for the buyer"),
    "commission": _l("Taawun commission"),
    "cash_collected": _l("Cash you collected"),
    "reversal": _l("Refund"),
    "payout": _l("Bank transfer to you"),
    "transfer": _l("Transfer to you"),
    "settlement": _l("Payment from you"),
    "transfer_reversal": _l("Transfer taken back"),
    "line_refund": _l("Units refunded to the buyer"),
}


#: what a cooperative claims about itself (reviewed by an operator once verified)
CLAIM_FIELDS = {
    "rural": _l("Rural"),
    "women_led": _l("Led by women"),
    "region_code": _l("Region"),
    "province_code": _l("Province or prefecture"),
    "members": _l("Members"),
    "women_members": _l("Women members"),
}


def claim_label(field: str) -> str:
    return label(CLAIM_FIELDS, field)


def claim_value(field: str, value: object) -> str:
    """A claimed value as a person reads it: yes/no, a place's name, a count."""
    from flask_babel import gettext

    from catalog import regions
    from storefront.filters import number
    from storefront.i18n import current_language

    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field == "region_code" and isinstance(value, str):
        region = regions.region(value)
        return region.name(current_language()) if region else value
    if field == "province_code" and isinstance(value, str):
        province = regions.province(value)
        return province.name(current_language()) if province else value
    if isinstance(value, int):
        return number(value)
    return str(value)
