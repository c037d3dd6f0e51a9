"""Text normalisation for search, shared by the index and the queries so both
sides agree: French accents folded, Arabic letter variants unified and diacritics
removed, light plural stripping, lower case."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalog.models import Product

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ء": "",
    }
)
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _fold_latin(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or _is_arabic(ch))


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff"


def _stem(token: str) -> str:
    # Latin plurals: "huiles" -> "huile", "tapis" stays (too short to be sure)
    if len(token) > 4 and token.isascii() and token[-1] in "sx":
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Normalised search tokens of ``text``."""
    text = _ARABIC_DIACRITICS.sub("", text)
    text = text.translate(_ARABIC_MAP)
    text = unicodedata.normalize("NFKC", _fold_latin(text)).casefold()
    text = text.replace("œ", "oe").replace("æ", "ae")
    return [_stem(t) for t in _TOKEN.findall(text) if t.strip("_")]


def normalise(text: str) -> str:
    return " ".join(tokens(text))


def search_document(product: Product) -> str:
    """Everything a shopper might type to find ``product``, normalised."""
    parts = [
        product.title_fr,
        product.title_ar,
        product.title_en,
        product.description_fr,
        product.description_ar,
        product.description_en,
        product.sku,
    ]
    coop = product.cooperative
    if coop is not None:
        parts += [coop.name_fr, coop.name_ar, coop.city]
    category = product.category
    if category is not None:
        for node in category.lineage():
            parts += [node.name_fr, node.name_ar, node.name_en]
    return normalise(" ".join(p for p in parts if p))
