"""Text analysis for search, shared by the index and the queries so both sides agree.

Two views of a text:

* :func:`tokens`: the *surface* tokens: French accents folded, Arabic letter variants
  unified and diacritics removed, French elisions (l', d', qu'...) dropped, lower case.
  They are what an exact match compares.
* :func:`stems`: each surface token reduced by its language's light stemmer. An Arabic
  token first loses the article and the proclitics fused with it (ال، وال، بال، كال،
  فال، لل, and و before a long word), then goes through Snowball's Arabic stemmer; a
  Latin token gets both its French and its English Snowball stem (a query does not say
  its language, and a product's fields are in both). The document and the query go
  through the same function, so "العسل" and "بالعسل" meet "عسل", "huiles" meets
  "huile", "rugs" meets "rug".

Stemming is cached per token: a catalog repeats few distinct words.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache, partial
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import snowballstemmer
from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from catalog.models import Product

_ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_MAP = tuple(
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
        "گ": "ك",
        "ڭ": "ك",
        "ڤ": "ف",
        "پ": "ب",
    }.items()
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
#: French elided words: l'huile, d'argan, qu'il... (straight or typographic apostrophe)
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’ʼ]", re.IGNORECASE)
#: Article and proclitics fused with it, longest first.
_ARABIC_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")

#: Words a query can do without (French, English, Arabic, Darija in Latin letters), as
#: :func:`tokens` writes them. A query made only of them keeps them.
STOPWORDS = frozenset(
    "a au aux avec de des du en et la le les pour sur un une "
    "an and for from in of with "
    "d dial dyal diyal fi m3a ta3 "
    "في من على مع او و ب ل".split()
)

_LOCAL = threading.local()


def _stemmer(language: str) -> Any:
    """This thread's Snowball stemmer (they keep the word being stemmed in themselves:
    one shared by two threads corrupts both words)."""
    stemmers = getattr(_LOCAL, "stemmers", None)
    if stemmers is None:
        stemmers = _LOCAL.stemmers = {
            lang: snowballstemmer.stemmer(lang) for lang in ("arabic", "french", "english")
        }
    return stemmers[language]


#: combining marks of Latin letters (accents, cedilla...); Arabic ones went before
_LATIN_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold_latin(text: str) -> str:
    if text.isascii():
        return text
    return _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text))


def is_arabic(text: str) -> bool:
    """Whether ``text`` starts with an Arabic letter."""
    return bool(text) and "\u0600" <= text[0] <= "\u06ff"


def tokens(text: str) -> list[str]:
    """Normalised surface tokens of ``text``."""
    if "'" in text or "’" in text or "ʼ" in text:
        text = _ELISION.sub(" ", text)
    if not text.isascii():
        text = _ARABIC_DIACRITICS.sub("", text)
        for letter, replacement in _ARABIC_MAP:  # str.replace: far faster than translate
            if letter in text:
                text = text.replace(letter, replacement)
        text = unicodedata.normalize("NFKC", _fold_latin(text))
        text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return _TOKEN.findall(text.casefold())


def normalise(text: str) -> str:
    return " ".join(tokens(text))


def strip_arabic_clitics(token: str) -> str:
    """The Arabic ``token`` (normalised) without its article and fused proclitics (and
    the feminine plural ending, which Snowball leaves half-cut)."""
    for prefix in _ARABIC_ARTICLES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            token = token[len(prefix) :]
            break
    else:
        if token.startswith("و") and len(token) >= 5:
            token = token[1:]
    if token.endswith("ات") and len(token) >= 5:  # sound feminine plural
        token = token[:-2]
    return token


@lru_cache(maxsize=65_536)
def token_stems(token: str) -> tuple[str, ...]:
    """The stems of one surface token: one for Arabic, the French and (when it differs)
    the English one for Latin script, the token itself for digits."""
    if is_arabic(token):
        stripped = strip_arabic_clitics(token)
        stem = _stemmer("arabic").stemWord(stripped)
        # Snowball may cut a short word to one or two letters: keep the stripped word
        return (stem if len(stem) >= 3 else stripped,)
    if token.isdigit():
        return (token,)
    french = _stemmer("french").stemWord(token)
    english = _stemmer("english").stemWord(token)
    return (french,) if english == french else (french, english)


def quantity_words(net_quantity: int | None, unit: str | None) -> list[str]:
    """How a shopper may type a product's net quantity: ``500 g``; ``1000 g`` and
    ``1 kg``; ``250 ml`` and ``25 cl``; ``1000 ml``, ``100 cl`` and ``1 l`` (with the
    Arabic symbols). None for pieces."""
    if not net_quantity or unit not in ("g", "ml"):
        return []
    if unit == "g":
        words = [f"{net_quantity} g غ"]
        if net_quantity % 1000 == 0:
            words.append(f"{net_quantity // 1000} kg كلغ كغ")
        return words
    words = [f"{net_quantity} ml مل"]
    if net_quantity % 10 == 0:
        words.append(f"{net_quantity // 10} cl")
    if net_quantity % 1000 == 0:
        words.append(f"{net_quantity // 1000} l ل")
    return words


def _document_parts(product: Product) -> list[str]:
    parts = [
        product.title_fr,
        product.title_ar,
        product.title_en,
        product.description_fr,
        product.description_ar,
        product.description_en,
        product.sku,
        # (a row read by an old migration has no quantity)
        *quantity_words(getattr(product, "net_quantity", None), getattr(product, "unit", None)),
    ]
    coop = product.cooperative
    if coop is not None:
        parts += [coop.name_fr, coop.name_ar, coop.city]
    category = product.category
    if category is not None:
        # every language's name of the category and its parents: a query in any
        # language reaches every product of the category
        for node in category.lineage():
            parts += [node.name_fr, node.name_ar, node.name_en]
    return [p for p in parts if p]


def search_texts(product: Product) -> tuple[str, str]:
    """The two columns of ``product``'s full-text entry: everything a shopper might type
    to find it, normalised (the exact words), and the stems of those words."""
    words = tokens(" ".join(_document_parts(product)))
    return " ".join(words), " ".join(stem for word in words for stem in token_stems(word))


def rebuild_search_texts(connection: Connection) -> int:
    """Recompute every product's document and stems with the current analysis, from
    plain rows (a migration runs it on the schema of its time). Returns how many."""
    categories = {
        row.id: row
        for row in connection.execute(
            text("SELECT id, parent_id, name_fr, name_ar, name_en FROM catalog_category")
        )
    }

    def lineage(category_id: int | None) -> list[Any]:
        seen: list[Any] = []
        node = categories.get(category_id)
        while node is not None and node not in seen:
            seen.append(node)
            node = categories.get(node.parent_id)
        return list(reversed(seen))

    coops = {
        row.id: row
        for row in connection.execute(
            text("SELECT id, name_fr, name_ar, city FROM catalog_cooperative")
        )
    }
    rows = connection.execute(
        text(
            "SELECT id, cooperative_id, category_id, title_fr, title_ar, title_en, "
            "description_fr, description_ar, description_en, sku, net_quantity, unit "
            "FROM catalog_product"
        )
    ).all()
    update = text(
        "UPDATE catalog_product SET search_document = :document, search_stems = :stems "
        "WHERE id = :id"
    )
    batch: list[dict[str, Any]] = []
    for row in rows:
        category = SimpleNamespace(lineage=partial(lineage, row.category_id))
        product = SimpleNamespace(
            **row._mapping, cooperative=coops.get(row.cooperative_id), category=category
        )
        document, stems = search_texts(product)  # type: ignore[arg-type]
        batch.append({"id": row.id, "document": document, "stems": stems})
        if len(batch) >= 2_000:
            connection.execute(update, batch)
            batch = []
    if batch:
        connection.execute(update, batch)
    return len(rows)
