"""Translated names for the libraries' codes (enums, problem codes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
