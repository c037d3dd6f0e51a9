"""Catalog queries: listing, full-text search, facets, sorting, pagination.

One function, :func:`search_products`, serves the category, region, cooperative and
search pages on SQLite (FTS5) and PostgreSQL (tsvector). Facets are disjunctive: each
facet's counts apply every *other* filter, so a shopper sees what choosing another value
would give.

Counting is what costs at national scale (hundreds of thousands of products): seven
``GROUP BY``/``count(*)`` over most of the catalog took seconds. So the total and every
facet come from a :class:`FacetCube`: how many sellable products the words (and the
cooperative) select, per region x category x women-led x price band, and per
certificate kind likewise. Two grouped queries build it; the shopper's facet filters
are then sums over a few thousand cells in Python. A :class:`FacetCache` keeps cubes
for a configurable time (the catalog changes slowly) and is cleared by the storefront
when a catalog write commits. The page itself is always read live, in one statement
that picks its rows from a covering index in the page's order, then loads them.

The number of SQL statements is fixed whatever the page size: two for the cube (none
when cached; one for a search word once :func:`facet_cells` are kept), one
for the page, and the eager loads of its cooperatives and images. With the words'
matches kept in memory (:class:`TermMatches`), a search sends one statement for the
terms it has not met yet (none once they are kept) and one for its page's cards.
"""

from __future__ import annotations

import json
import re
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol, cast

import numpy as np
import numpy.typing as npt
from cachetools import TTLCache
from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Float,
    Integer,
    Select,
    TextClause,
    and_,
    any_,
    bindparam,
    case,
    column,
    exists,
    func,
    inspect,
    literal,
    literal_column,
    select,
    table,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import InstanceState, Session, defer, joinedload, raiseload, selectinload
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.types import ARRAY

from catalog import stock
from catalog import synonyms as synonyms_module
from catalog import vocabulary as vocabulary_module
from catalog.models import (
    Category,
    CategoryRule,
    CertificateKind,
    Cooperative,
    Product,
    ProductImage,
    ProductLabel,
)
from catalog.money import Money
from catalog.synonyms import Synonyms
from catalog.text import STOPWORDS, token_stems, tokens
from catalog.vocabulary import Vocabulary

MAX_PER_PAGE = 60
MAX_QUERY_TOKENS = 8
#: Text matching at most this many products is ordered by relevance (bm25 / ts_rank);
#: more matches mean common words, where relevance barely differs and ranking every
#: match would cost more than the whole page budget: those show featured, then newest.
RANKED_MATCHES = 2_000
#: A listing without words picks its page in memory when that means walking at most
#: this many products in the page's order (all 250,000 sellable products of the
#: national-scale benchmark take a quarter of a millisecond)
LISTING_WALK_LIMIT = 400_000
#: A word that more products than this carry in their titles is common: it is looked up
#: as typed and by its stems, without its synonyms. Its own matches fill pages upon
#: pages, and each synonym adds a long list of entries to read: the unranked page of a
#: common word (featured, then newest) is found in half the time without them.
COMMON_WORD = vocabulary_module.COMMON_WORD
#: An ordered index scan that must read more entries than this to fill a page is
#: slower than reading the (then few) matching rows and sorting them.
ORDERED_SCAN_LIMIT = 60_000
#: at most this many products matching the filters but the certificate: each is asked
#: for the label (see :func:`_facet_filters`)
PROBED_LABELS_LIMIT = 5_000


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


@dataclass(frozen=True, slots=True)
class PriceBand:
    key: str
    low_minor: int
    high_minor: int | None  # exclusive; None = no upper bound


PRICE_BANDS: tuple[PriceBand, ...] = (
    PriceBand("lt50", 0, 5_000),
    PriceBand("50-150", 5_000, 15_000),
    PriceBand("150-300", 15_000, 30_000),
    PriceBand("gt300", 30_000, None),
)
_BANDS = {b.key: b for b in PRICE_BANDS}


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """What the shopper asked for. Unknown values are ignored, never an error."""

    text: str = ""
    category_ids: tuple[int, ...] = ()  # the category and its descendants
    region_code: str | None = None
    certificate: str | None = None
    women_led: bool = False
    price_band: str | None = None
    cooperative_id: int | None = None
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    per_page: int = 24

    def normalised(self) -> ProductQuery:
        per_page = min(max(1, self.per_page), MAX_PER_PAGE)
        page = max(1, self.page)
        band = self.price_band if self.price_band in _BANDS else None
        sort = self.sort if self.sort in Sort.__members__.values() else Sort.RELEVANCE
        return replace(self, per_page=per_page, page=page, price_band=band, sort=sort)


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class Card:
    """What a product card shows, read as plain rows (no ORM entity is built: at
    two dozen cards a page, entity construction was a large share of a listing's
    time). Hashable: a rendered card can be kept under the card itself, since it
    holds everything the card shows."""

    id: int
    slug: str
    title_fr: str
    title_ar: str
    title_en: str
    cooperative_fr: str
    cooperative_ar: str
    women_led: bool
    price_minor: int
    currency: str
    net_quantity: int
    unit: str
    sold_out: bool
    #: the first picture's thumbnail (or the picture when it has none), "" without one
    image: str = ""
    image_width: int = 0
    image_height: int = 0
    #: the first picture itself, whose smaller and WebP copies the card offers
    photo: str = ""

    def title(self, lang: str) -> str:
        return {"ar": self.title_ar, "en": self.title_en}.get(lang) or self.title_fr

    def cooperative(self, lang: str) -> str:
        return self.cooperative_ar if lang == "ar" and self.cooperative_ar else self.cooperative_fr

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)


#: the tables' own columns, not the ORM's attributes: a result keyed by attributes is
#: matched to a cached statement's by comparing each column as an SQL expression
_product = Product.__table__.c
_CARD_COLUMNS = (
    _product.id,
    _product.slug,
    _product.title_fr,
    _product.title_ar,
    _product.title_en,
    Cooperative.__table__.c.name_fr,
    Cooperative.__table__.c.name_ar,
    _product.women_led,
    _product.price_minor,
    _product.currency,
    _product.net_quantity,
    _product.unit,
    _product.on_hand,
    _product.allocated,
    _product.made_to_order,
    _product.units_per_day,
)
_image = ProductImage.__table__.c
#: the start of every card statement, built once (each column is checked and wrapped
#: as it is added): :func:`cards` joins the first picture's columns
_CARDS = select(*_CARD_COLUMNS, _image.thumbnail, _image.filename, _image.width, _image.height)

#: a product's first picture (lowest position, then oldest), for the card statement's
#: outer join: the pictures come with the rows, not in a second statement
_FIRST_PICTURE = _image.id == (
    select(ProductImage.id)
    .where(ProductImage.product_id == Product.id)
    .order_by(ProductImage.position, ProductImage.id)
    .limit(1)
    .correlate(Product)
    .scalar_subquery()
)


def cards(session: Session, ordered: Select[*tuple[Any, ...]]) -> list[Card]:
    """The cards of the products ``ordered`` selects (:data:`_CARDS` joined to the
    products' cooperatives, in the page's order), with their first pictures: one
    statement whatever the number of cards."""
    statement = ordered.outerjoin(ProductImage, _FIRST_PICTURE)
    if session.autoflush:
        session.flush()  # what session.execute would do first
    # through the connection: the ORM's execution and result machinery cost more than
    # SQLite's reading of a page (nothing here is an entity)
    out = []
    for row in session.connection().execute(statement).all():
        (pid, slug, t_fr, t_ar, t_en, c_fr, c_ar, women, price, currency, quantity, unit,
         on_hand, allocated, made_to_order, per_day,
         thumbnail, filename, width, height) = row  # fmt: skip
        sold_out = on_hand - allocated <= 0 and not (made_to_order and per_day > 0)
        out.append(
            Card(
                pid,
                slug,
                t_fr,
                t_ar or "",
                t_en or "",
                c_fr,
                c_ar or "",
                women,
                price,
                currency,
                quantity,
                str(unit),
                sold_out,
                thumbnail or filename or "",
                width or 0,
                height or 0,
                filename or "",
            )  # fmt: skip
        )
    return out


@dataclass(slots=True)
class SearchResult:
    products: list[Product]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    #: the page as :class:`Card` rows instead of ``products`` (``as_cards``)
    cards: list[Card] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# -- the facet cube ------------------------------------------------------------------------

#: (region code, category id, women-led, price band key)
Cell = tuple[str, int, bool, str]


@dataclass(frozen=True, slots=True)
class FacetCube:
    """Sellable products selected by the words (and cooperative), counted per cell;
    ``labels[kind]`` counts, per cell, those holding a certificate of that kind."""

    products: dict[Cell, int]
    labels: dict[str, dict[Cell, int]]
    #: counts already summed, by the facet filters they are for (the pages and sorts
    #: of one listing share them); never changed by callers
    _summed: dict[Hashable, tuple[int, dict[str, list[FacetValue]]]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def counts(self, q: ProductQuery) -> tuple[int, dict[str, list[FacetValue]]]:
        """The total matching every filter of ``q``, and the disjunctive facets."""
        cats = frozenset(q.category_ids) if q.category_ids else None
        key = (q.region_code, cats, q.women_led, q.price_band, q.certificate)
        summed = self._summed.get(key)
        if summed is None:
            if len(self._summed) >= 512:
                self._summed.clear()
            summed = self._summed[key] = self._count(q, cats)
        return summed

    def _count(
        self, q: ProductQuery, cats: frozenset[int] | None
    ) -> tuple[int, dict[str, list[FacetValue]]]:
        source = self.labels.get(q.certificate, {}) if q.certificate else self.products
        total = 0
        region: dict[str, int] = {}
        category: dict[int, int] = {}
        band: dict[str, int] = {}
        women = 0
        # the cells meeting every filter: a certificate's cells are among them or not
        passing: set[Cell] = (
            set() if source is self.products
            else {cell for cell in self.products if _failed(cell, q, cats) is None}
        )  # fmt: skip
        for cell, n in source.items():
            failed = _failed(cell, q, cats)
            if failed is None:
                if source is self.products:
                    passing.add(cell)
                total += n
                region[cell[0]] = region.get(cell[0], 0) + n
                category[cell[1]] = category.get(cell[1], 0) + n
                band[cell[3]] = band.get(cell[3], 0) + n
                women += n if cell[2] else 0
            elif failed == "region":
                region[cell[0]] = region.get(cell[0], 0) + n
            elif failed == "category":
                category[cell[1]] = category.get(cell[1], 0) + n
            elif failed == "price":
                band[cell[3]] = band.get(cell[3], 0) + n
            elif failed == "women_led" and cell[2]:
                women += n
        certificates = {
            kind: sum(n for cell, n in cells.items() if cell in passing)
            for kind, cells in self.labels.items()
        }
        return total, {
            "region": _sorted_values(region),
            "category": _sorted_values(category),
            "certificate": _sorted_values(certificates),
            "women_led": [FacetValue("1", women)],
            "price": [FacetValue(b.key, band.get(b.key, 0)) for b in PRICE_BANDS],
        }

    def to_json(self) -> str:
        """The cube as JSON (for a cache several processes share)."""
        return json.dumps(
            {
                "products": [[*cell, n] for cell, n in self.products.items()],
                "labels": {
                    kind: [[*cell, n] for cell, n in cells.items()]
                    for kind, cells in self.labels.items()
                },
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> FacetCube:
        data = json.loads(text)

        def cells(rows: list[list[Any]]) -> dict[Cell, int]:
            return {
                (str(region), int(cat), bool(women), str(band)): int(n)
                for region, cat, women, band, n in rows
            }

        return cls(
            products=cells(data["products"]),
            labels={kind: cells(rows) for kind, rows in data["labels"].items()},
        )


def _failed(cell: Cell, q: ProductQuery, cats: frozenset[int] | None) -> str | None:
    """None when ``cell`` passes every facet filter; the facet's name when it fails
    exactly one (it still counts for that facet); "several" otherwise."""
    failed = None
    if q.region_code and cell[0] != q.region_code:
        failed = "region"
    if cats is not None and cell[1] not in cats:
        if failed:
            return "several"
        failed = "category"
    if q.women_led and not cell[2]:
        if failed:
            return "several"
        failed = "women_led"
    if q.price_band and cell[3] != q.price_band:
        if failed:
            return "several"
        failed = "price"
    return failed


def _sorted_values(counts: dict[Any, int]) -> list[FacetValue]:
    return sorted(
        (FacetValue(str(value), n) for value, n in counts.items() if n and value is not None),
        key=lambda f: (-f.count, f.value),
    )


class FacetCache:
    """Facet cubes of recent queries, kept ``ttl_seconds`` (0 turns caching off).

    Thread-safe, bounded to ``maxsize`` cubes. The catalog changes slowly, so counts at
    most ``ttl_seconds`` old are shown; the page's products themselves are always read
    live (which ones a page holds may come from the kept :attr:`cells`). Call
    :meth:`clear` after a write that :func:`changes_facets` reports.
    """

    def __init__(
        self,
        ttl_seconds: float = 300,
        maxsize: int = 512,
        timer: Callable[[], float] = time.monotonic,
        texts: Callable[[], Hashable] | None = None,
        shared_terms: SharedTerms | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        #: with ``texts`` (a stamp that every change of the products' searchable texts
        #: moves), the ids each search term matches, kept while it stays the same (and
        #: shared by every process through ``shared_terms``)
        self.terms = (
            TermMatches(texts, shared=shared_terms)
            if texts is not None and ttl_seconds > 0
            else None
        )
        self._cubes: TTLCache[Hashable, FacetCube] | None = (
            TTLCache(maxsize=maxsize, ttl=ttl_seconds, timer=timer) if ttl_seconds > 0 else None
        )
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> FacetCube | None:
        if self._cubes is None:
            return None
        with self._lock:
            return self._cubes.get(key)

    def put(self, key: Hashable, cube: FacetCube) -> None:
        if self._cubes is not None:
            with self._lock:
                self._cubes[key] = cube

    def clear(self) -> None:
        if self._cubes is not None:
            with self._lock:
                self._cubes.clear()
                self.cells = None

    #: every sellable product's cell (:func:`facet_cells`), kept with the cubes and
    #: dropped with them; in this process only (never shared: it is the catalog's size)
    cells: FacetCells | None = None

    def keep_cells(self, cells: FacetCells) -> None:
        if self._cubes is not None:
            self.cells = cells

    def __len__(self) -> int:
        return 0 if self._cubes is None else len(self._cubes)


#: Product columns the cube counts by (products and labels coming and going count too).
_FACET_COLUMNS = (
    "sellable",
    "region_code",
    "women_led",
    "category_id",
    "price_minor",
    "featured",  # the cells' order of a search page (FacetCells.page)
)


def changes_facets(changed: Iterable[object], added_or_deleted: Iterable[object] = ()) -> bool:
    """Whether flushing these changed (``changed``) and added or removed
    (``added_or_deleted``) ORM objects can change facet counts or the category tree
    (:func:`category_nodes`). Stock, text and cooperative edits cannot by themselves:
    sellability, region, category, price and certificate labels, which
    :func:`catalog.rules.refresh_products` writes, can, and so can any change of a
    category or of its rule (names, place in the tree, price cap)."""
    for obj in added_or_deleted:
        if isinstance(obj, (Product, ProductLabel, Category, CategoryRule)):
            return True
    for obj in changed:
        if isinstance(obj, (Category, CategoryRule)) and any(
            attr.history.has_changes() for attr in cast(InstanceState[Any], inspect(obj)).attrs
        ):
            return True
        if isinstance(obj, Product):
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in _FACET_COLUMNS):
                return True
    return False


# -- SQL pieces ----------------------------------------------------------------------------


#: stems shorter than this match whole words only (a prefix of two or three letters,
#: common with Arabic roots, would match far too much)
PREFIX_STEM_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Term:
    """One word looked up in one column of the full-text index."""

    lexeme: str
    stemmed: bool  # the stems column, else the exact words
    prefix: bool

    def render(self, dialect: str, *, weighted: bool = True) -> str:
        """The term in ``dialect``'s query syntax. On PostgreSQL its column is a weight
        of ``search_vector`` (A: exact words, B: stems); without ``weighted``, the bare
        term, for the index of its own column's text (:func:`_column_match`)."""
        if dialect == "postgresql":
            weight = ("B" if self.stemmed else "A") if weighted else ""
            return f"'{self.lexeme}':{'*' if self.prefix else ''}{weight}"
        return f'{_TEXT_COLUMNS[self.stemmed]} : "{self.lexeme}"{"*" if self.prefix else ""}'


#: a term's column, by its ``stemmed``
_TEXT_COLUMNS = {False: "search_document", True: "search_stems"}

# an expression is a Term, or ("and" | "or", [expressions])
Expr = Any


def _render(expr: Expr, dialect: str, *, weighted: bool = True) -> str:
    if isinstance(expr, Term):
        return expr.render(dialect, weighted=weighted)
    op, parts = expr
    if len(parts) == 1:
        return _render(parts[0], dialect, weighted=weighted)
    joiner = (
        {"and": " & ", "or": " | "} if dialect == "postgresql" else {"and": " AND ", "or": " OR "}
    )
    return "(" + joiner[op].join(_render(p, dialect, weighted=weighted) for p in parts) + ")"


def _columns(expr: Expr) -> frozenset[bool]:
    """The columns (as :attr:`Term.stemmed`) ``expr``'s terms look in."""
    if isinstance(expr, Term):
        return frozenset((expr.stemmed,))
    return frozenset().union(*(_columns(part) for part in expr[1]))


def _column_match(expr: Expr, params: dict[str, str]) -> str:
    """PostgreSQL: ``expr`` as a condition on the unweighted index of each column's text
    (``to_tsvector('simple', search_document)`` and ``... search_stems``), with its
    queries added to ``params``. Each part whose terms all look in one column becomes
    one ``@@`` on that column's index (the parts of an AND or an OR that share a column
    are joined in one query); the parts are combined with the same AND and OR. A
    weighted term is tested against its own weight's lexemes only, so this finds exactly
    what ``search_vector @@`` the weighted query finds, without re-reading each match's
    vector to check its weights (one exception: PostgreSQL drops the stems' weights
    from a vector whose document passes 16,383 words, which no product text nears).
    Each query is a subquery: the planner cannot estimate it, takes its default (few
    matches) and reads the index instead of parsing every row's text."""
    columns = _columns(expr)
    if len(columns) == 1:
        name = f"column_query_{len(params)}"
        params[name] = _render(expr, "postgresql", weighted=False)
        column = _TEXT_COLUMNS[next(iter(columns))]
        return (
            f"to_tsvector('simple', catalog_product.{column}) "
            f"@@ (SELECT to_tsquery('simple', :{name}))"
        )
    op, parts = expr
    by_column: dict[bool, list[Expr]] = {}
    mixed: list[Expr] = []
    for part in parts:
        part_columns = _columns(part)
        if len(part_columns) == 1:
            by_column.setdefault(next(iter(part_columns)), []).append(part)
        else:
            mixed.append(part)
    conditions = [_column_match((op, same), params) for same in by_column.values()]
    conditions += [_column_match(part, params) for part in mixed]
    return "(" + f" {op.upper()} ".join(conditions) + ")"


def _stem_terms(word: str) -> Expr:
    """Any stem of ``word`` in the stems column."""
    return (
        "or",
        [Term(stem, True, len(stem) >= PREFIX_STEM_LENGTH) for stem in token_stems(word)],
    )


@dataclass(frozen=True, slots=True)
class TextQuery:
    """A shopper's words compiled for the full-text index: every word (or synonym
    phrase) must match, as itself (a prefix of an exact word), by one of its stems, or
    through a synonym's stems. ``exact`` keeps the words alone, to rank exact matches
    first."""

    words: tuple[str, ...]
    groups: tuple[Expr, ...]
    exact: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def expr(self) -> Expr:
        """Every word's group, all required."""
        return ("and", list(self.groups))

    @property
    def exact_expr(self) -> Expr:
        """Every word as typed, all required."""
        return ("and", list(self.exact))

    def fts(self, dialect: str) -> str:
        return _render(self.expr, dialect)

    def exact_fts(self, dialect: str) -> str:
        return _render(self.exact_expr, dialect)


#: a number run into its unit, as typed in a hurry: 250ml, 1kg, 500g, 1l, 250مل, 1كلغ
#: (letters as catalog.text normalises them)
_QUANTITY = re.compile(r"(\d+)(ml|cl|dl|l|lt|g|gr|kg|mg|مل|ل|غ|كغ|كلغ)")


def compile_text(
    text: str, synonyms: Synonyms | None = None, common: Callable[[str], bool] | None = None
) -> TextQuery:
    """Analyse ``text`` as the index was (catalog.text) and expand it with ``synonyms``
    (the curated file's by default), except words for which ``common`` is true (see
    :data:`COMMON_WORD`)."""
    synonyms = synonyms_module.curated() if synonyms is None else synonyms
    words = tokens(text)[:MAX_QUERY_TOKENS]
    content = [w for w in words if w not in STOPWORDS] or words
    groups: list[Expr] = []
    i = 0
    while i < len(content):
        length, others = synonyms.match(content, i)
        span = content[i : i + max(1, length)]
        alternatives: list[Expr] = [
            ("and", [Term(w, False, True) for w in span]),
            ("and", [_stem_terms(w) for w in span]),
        ]
        if length <= 1 and (quantity := _QUANTITY.fullmatch(span[0])):
            # "250ml" as a shopper types it is also "250 ml" as titles write it
            alternatives.append(
                ("and", [Term(quantity[1], False, False), Term(quantity[2], False, False)])
            )
        if common is None or not all(common(w) for w in span):
            alternatives += [("and", [_stem_terms(w) for w in phrase]) for phrase in others]
        groups.append(("or", alternatives))
        i += len(span)
    exact = tuple(Term(w, False, True) for w in content)
    return TextQuery(words=tuple(content), groups=tuple(groups), exact=exact)


def _column_filter(expr: Expr, params: dict[str, str] | None = None) -> TextClause:
    """PostgreSQL: the products matching ``expr``, through the unweighted index of each
    column (:func:`_column_match`). Its query parameters are added to ``params`` when
    given (several conditions can share one statement)."""
    params = {} if params is None else params
    before = set(params)
    condition = _column_match(expr, params)
    return text(condition).bindparams(**{k: params[k] for k in params.keys() - before})


def _fts_match(dialect: str, query: str, name: str = "fts_query") -> TextClause:
    if dialect == "postgresql":
        return text(f"catalog_product.search_vector @@ to_tsquery('simple', :{name})").bindparams(
            **{name: query}
        )
    return text(f"catalog_product_fts MATCH :{name}").bindparams(**{name: query})


def _text_filter(
    dialect: str, words: TextQuery, *, probe: bool = False
) -> ColumnExpressionArgument[bool]:
    """Products matching every word. ``probe`` (SQLite): test each candidate against the
    set of matches instead of looking the matches up, so an ordered index scan is kept."""
    query = words.fts(dialect)
    if dialect == "postgresql":
        return _fts_match(dialect, query)
    column = literal_column("+catalog_product.id") if probe else Product.id
    return column.in_(
        select(literal_column("rowid"))
        .select_from(text("catalog_product_fts"))
        .where(_fts_match(dialect, query))
    )


def _base_filters(
    q: ProductQuery, dialect: str, words: TextQuery, *, probe: bool = False
) -> list[ColumnExpressionArgument[bool]]:
    """What the cube is built over: sellable, the words, the cooperative."""
    conds: list[ColumnExpressionArgument[bool]] = [Product.sellable.is_(True)]
    if words:
        conds.append(_text_filter(dialect, words, probe=probe))
    if q.cooperative_id is not None:
        conds.append(Product.cooperative_id == q.cooperative_id)
    return conds


def _ranked_ids(
    q: ProductQuery,
    dialect: str,
    words: TextQuery,
    known: Known | None = None,
    *,
    exact_only: bool = False,
) -> Select[Any]:
    """Ids and relevance of the matching products, best first (few matches only):
    products matching every word exactly (tier 0) before those found through stems or
    synonyms (tier 1), then by bm25 / ts_rank (exact words weigh more than stems).
    With the matches and the exact ones ``known`` (:class:`TermMatches`), the text
    index is not asked for them again; with ``exact_only`` as well (the page lies
    within the exact matches), only those are ranked."""
    conds = [*_facet_filters(q, ordered_scan=False), Product.sellable.is_(True)]
    if q.cooperative_id is not None:
        conds.append(Product.cooperative_id == q.cooperative_id)
    exact = words.exact_fts(dialect)
    if dialect == "postgresql":
        rank = type_coerce(
            text(
                "-ts_rank(catalog_product.search_vector, to_tsquery('simple', :rank_query))"
            ).bindparams(rank_query=words.fts(dialect)),
            Float,
        ).label("rank")
        if known is None:
            tier = case((_fts_match(dialect, exact, "exact_query"), 0), else_=1).label("tier")
            # the matches from the two unweighted indexes (the same products): with the
            # words as a literal the planner expected a tenth of the catalog and read
            # every row's vector (0.7 s for 1,500 matches at 300,000 products)
            matching: ColumnElement[bool] | TextClause = _column_filter(words.expr)
        else:
            # ts_rank reads each match's own vector: the index need not be read at all.
            # The exact matches and the others are ranked apart, each with its tier as a
            # constant: telling them apart row by row searched the array of exact ids
            # for each match, a third of the statement's time once psycopg prepares it
            exact_set = set(known.exact)
            others = [] if exact_only else [i for i in known.matches if i not in exact_set]
            ranked = union_all(
                *(
                    select(Product.id.label("id"), literal(n, Integer).label("tier"), rank).where(
                        Product.id == any_(_id_array(ids, name)), *conds
                    )
                    for n, ids, name in ((0, known.exact, "exact_ids"), (1, others, "other_ids"))
                    if ids or n == 0
                )
            ).subquery("ranked")
            return select(ranked.c.id, ranked.c.tier, ranked.c.rank).order_by(
                ranked.c.tier, ranked.c.rank, ranked.c.id.desc()
            )
        stmt = select(Product.id.label("id"), tier, rank).where(matching, *conds)
    else:
        # rank inside the full-text table: bm25 of each match (exact words weigh 4 times
        # their stems), lower is better
        fts = table("catalog_product_fts", column("rowid"))
        rank = literal_column("bm25(catalog_product_fts, 4.0, 1.0)", Float).label("rank")
        if known is not None and exact_only:
            # the page's products all match the words exactly: ranked among those by the
            # words alone. bm25 reads the whole list of each phrase it weighs, and the
            # stems' and synonyms' phrases made ranking every match take 11 ms (median
            # of the long tail's ranked searches at 300,000 products; this: 4 ms). The
            # ids are tested after the match (``+rowid``): asked of the index, each id
            # ran the match again.
            rowid = literal_column("rowid", Integer)
            return (
                select(rowid.label("id"), literal(0, Integer).label("tier"), rank)
                .select_from(text("catalog_product_fts"))
                .where(
                    _fts_match(dialect, exact, "exact_query"),
                    literal_column("+rowid").in_(_exact_ids(known)),
                )
                .order_by(rank, rowid.desc())
            )
        exact_ids: Select[Any] | TextClause = (
            select(literal_column("rowid", Integer))
            .select_from(text("catalog_product_fts"))
            .where(_fts_match(dialect, exact, "exact_query"))
            if known is None
            else _exact_ids(known)
        )
        tier = case((Product.id.in_(exact_ids), 0), else_=1).label("tier")
        stmt = (
            select(Product.id.label("id"), tier, rank)
            .select_from(fts)
            .join(Product, Product.id == fts.c.rowid)
            .where(_fts_match(dialect, words.fts(dialect)))
            .where(*conds)
        )
    return stmt.order_by(tier, rank, Product.id.desc())


def _exact_ids(known: Known) -> TextClause:
    """SQLite: the exact matches ``known`` as one JSON parameter, read as rows."""
    return text("SELECT value FROM json_each(:exact_ids)").bindparams(
        exact_ids=json.dumps(known.exact)
    )


@dataclass(frozen=True, slots=True)
class Known:
    """A search's sellable matches meeting its facet filters, and those among them
    that match the words exactly, from :class:`TermMatches`."""

    matches: list[int]
    exact: list[int]


def _id_array(ids: list[int], name: str) -> BindParameter[list[int]]:
    """PostgreSQL: ``ids`` as one array parameter (a list of thousands of parameters
    costs more to build than the query)."""
    return bindparam(name, ids, type_=cast(Any, ARRAY(Integer)))


def _facet_filters(
    q: ProductQuery, *, ordered_scan: bool, probe_labels: bool = False
) -> list[ColumnElement[bool]]:
    """The shopper's facet filters. For an ordered index scan on SQLite they are written
    so that no other index can serve them (a leading ``+`` or ``|| ''``): the covering
    index in the page's order then tests them entry by entry and stops after one page.
    ``probe_labels``: the certificate is tested product by product (a correlated
    ``EXISTS`` on the label's key) instead of as the list of every product holding it,
    which SQLite builds in full for an ordered scan and walks row by row otherwise."""

    def col(column: Any, expression: str) -> Any:
        return literal_column(expression) if ordered_scan else column

    conds: list[ColumnElement[bool]] = []
    if q.category_ids:
        conds.append(col(Product.category_id, "+catalog_product.category_id").in_(q.category_ids))
    if q.region_code:
        conds.append(col(Product.region_code, "catalog_product.region_code || ''") == q.region_code)
    if q.women_led:
        conds.append(
            literal_column("+catalog_product.women_led") == 1
            if ordered_scan
            else Product.women_led.is_(True)
        )
    if q.price_band:
        band = _BANDS[q.price_band]
        price = col(Product.price_minor, "+catalog_product.price_minor")
        low = price >= band.low_minor
        conds.append(low if band.high_minor is None else and_(low, price < band.high_minor))
    if q.certificate and probe_labels:
        conds.append(
            exists().where(
                ProductLabel.product_id == Product.id, ProductLabel.kind == q.certificate
            )
        )
    elif q.certificate:
        subject = literal_column("+catalog_product.id") if ordered_scan else Product.id
        conds.append(
            subject.in_(select(ProductLabel.product_id).where(ProductLabel.kind == q.certificate))
        )
    return conds


def facet_cube(
    session: Session,
    q: ProductQuery,
    words: TextQuery | None = None,
    cells: FacetCells | None = None,
) -> FacetCube:
    """Count the sellable products ``q``'s words and cooperative select, per cell.

    Words without a cooperative are counted from ``cells`` when given: the matching ids
    come from the text index in one statement (see :class:`FacetCells`).

    Without words, both queries group by columns in the order of
    ``ix_catalog_product_facets`` (the price itself, folded into bands here), so SQLite
    aggregates while it walks the index instead of sorting every row. With words the
    matches come from the text index in no such order: they are grouped by price band
    in SQL, which returns a row per cell instead of one per distinct price (the rows
    and their folding cost more than the count itself for a common word). Labels are
    counted per kind in the same pass.
    """
    dialect = session.get_bind().dialect.name
    words = compile_text(q.text) if words is None else words
    if words and cells is not None and q.cooperative_id is None:
        cube = cells.cube(_matching_ids(session, dialect, words))
        if cube is not None:
            return cube
    base = _base_filters(q, dialect, words)
    price: Any = Product.price_minor
    if words:
        price = case(
            *(
                (Product.price_minor < b.high_minor, b.key)
                for b in PRICE_BANDS
                if b.high_minor is not None
            ),
            else_=PRICE_BANDS[-1].key,
        ).label("band")
    dims = (Product.category_id, Product.region_code, Product.women_led, price)
    products: dict[Cell, int] = {}
    for cat, region, women, value, n in session.execute(
        select(*dims, func.count()).where(*base).group_by(*dims)
    ):
        cell = (region, int(cat), bool(women), _band(value))
        products[cell] = products.get(cell, 0) + int(n)
    kinds = [str(kind) for kind in CertificateKind]
    per_kind = [func.sum(case((ProductLabel.kind == kind, 1), else_=0)) for kind in kinds]
    labels: dict[str, dict[Cell, int]] = {}
    rows = session.execute(
        select(*dims, *per_kind)
        .join(ProductLabel, ProductLabel.product_id == Product.id)
        .where(*base)
        .group_by(*dims)
    )
    for cat, region, women, value, *counts in rows:
        cell = (region, int(cat), bool(women), _band(value))
        for kind, n in zip(kinds, counts, strict=True):
            if n:
                per_cell = labels.setdefault(kind, {})
                per_cell[cell] = per_cell.get(cell, 0) + int(n)
    return FacetCube(products=products, labels=labels)


def _matching_ids(session: Session, dialect: str, words: TextQuery) -> Iterable[int]:
    """The ids of every product matching ``words`` (sellable or not), in one statement
    that reads the text index."""
    return _parsed_ids(session.scalar(_ids_read(dialect, words.expr, {})))


def _ids_read(
    dialect: str, expr: Expr, params: dict[str, str], name: str = "fts_query"
) -> Select[Any]:
    """One value: the ids of every product matching ``expr``, as an array (PostgreSQL)
    or a comma-separated string (SQLite): a row per match cost more than the matching.
    On PostgreSQL each column's words go against its unweighted index (see
    :func:`_column_match`, whose query parameters are added to ``params``: several
    reads can share one statement); the weighted index re-read every match's vector to
    check its weights. On SQLite the query is the parameter ``name``."""
    if dialect == "postgresql":
        return select(func.array_agg(Product.id)).where(_column_filter(expr, params))
    return (
        select(func.group_concat(literal_column("rowid")))
        .select_from(text("catalog_product_fts"))
        .where(_fts_match(dialect, _render(expr, dialect), name))
    )


def _parsed_ids(matched: str | list[int] | None) -> npt.NDArray[np.int32]:
    """The ids :func:`_ids_read` returned, sorted."""
    if not matched:
        return np.empty(0, dtype=np.int32)
    if isinstance(matched, str):
        ids = np.fromstring(matched, dtype=np.int32, sep=",")
    else:
        ids = np.array(matched, dtype=np.int32)
    ids.sort()
    return ids


def _cube_key(words: TextQuery, cooperative_id: int | None) -> Hashable:
    """The compiled words (synonyms included) and the cooperative; ``()`` for no words."""
    return (words.fts("sqlite") if words else (), cooperative_id)


#: the key of the whole catalog's cube, :func:`_cube_key` of no words and no
#: cooperative (every listing without words reads it; :func:`warm_whole_catalog` keeps it)
_WHOLE_CATALOG: Hashable = ((), None)


def warm_whole_catalog(
    session: Session, cache: FacetCache, cells: FacetCells | None = None
) -> FacetCube:
    """Build the cube of the whole sellable catalog (no words, no cooperative), the one
    every category and region listing reads, and keep it in ``cache``. It is counted
    from the :func:`facet_cells`, kept too for counting search words. At national scale
    reading them takes seconds: call it before visitors need it, not on their time.
    With ``cells`` (read before, when nothing they count has changed since), they are
    counted again instead of read."""
    # the cells hold the whole catalog's cube too: counting them is one pass in memory
    # instead of the two grouped queries
    cells = facet_cells(session) if cells is None else cells
    cache.keep_cells(cells)
    cube = cells.whole()
    cache.put(_WHOLE_CATALOG, cube)
    return cube


#: certificate kinds, in the order of :class:`FacetCells`' bits
_KINDS = tuple(str(kind) for kind in CertificateKind)
_KIND_BITS = len(_KINDS)


IdArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FacetCells:
    """Each sellable product's cell, certificate kinds, price and featured flag, by
    product id: a search's cube is then counted, and its page picked, from the ids its
    words match, in memory. On SQLite the grouped queries of :func:`facet_cube` look
    each match up in an index (a common word's tens of thousands of matches: 60 to
    250 ms of CPU); counting the matching ids here costs a fifth of that, with the same
    counts. On PostgreSQL the grouped queries scanned every row's vector (about 2 s of
    database time for a common word at national scale). Sorting a common word's tens
    of thousands of matches to pick one page took SQLite 10 to 20 ms a search."""

    #: the distinct cells
    cells: tuple[Cell, ...]
    #: by product id: the index of its cell in ``cells``, shifted left by one bit per
    #: certificate kind, with the bits of the kinds it holds; -1 when not sellable
    keys: IdArray
    #: by product id: its price (minor units) and whether it is featured
    prices: IdArray
    featured: npt.NDArray[np.bool_]
    #: by facet filters: which cells meet them all (see :meth:`passing`)
    _passing: dict[Hashable, npt.NDArray[np.bool_]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: by sort: the sellable products' ids in that order, and their keys (made once)
    _orders: dict[Sort, tuple[IdArray, IdArray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def cube(self, ids: Iterable[int]) -> FacetCube | None:
        """The cube of the sellable products among ``ids``; None when an id is newer
        than these cells (the catalog changed since: count in SQL)."""
        keys = self._keys_of(ids)
        return None if keys is None else self._cube(keys)

    def whole(self) -> FacetCube:
        """The cube of every sellable product."""
        return self._cube(self.keys)

    def passing(self, ids: IdArray, q: ProductQuery) -> IdArray | None:
        """The sellable products among ``ids`` that meet every facet filter of ``q``
        (in the order of ``ids``); None when an id is newer than these cells."""
        keys = self._keys_of(ids)
        return None if keys is None else ids[self._meeting(keys, q)]

    def _meeting(self, keys: IdArray, q: ProductQuery) -> npt.NDArray[np.bool_]:
        """Which of the products of ``keys`` are sellable and meet every facet filter of
        ``q``."""
        keep = keys >= 0
        cats = frozenset(q.category_ids) if q.category_ids else None
        if cats is not None or q.region_code or q.women_led or q.price_band:
            filters = (q.region_code, cats, q.women_led, q.price_band)
            cells = self._passing.get(filters)
            if cells is None:
                if len(self._passing) >= 512:
                    self._passing.clear()
                cells = self._passing[filters] = np.array(
                    [_failed(cell, q, cats) is None for cell in self.cells], dtype=np.bool_
                )
            keep &= cells[np.maximum(keys, 0) >> _KIND_BITS]
        if q.certificate:
            if q.certificate not in _KINDS:
                return np.zeros(len(keys), dtype=np.bool_)
            keep &= (keys & (1 << _KINDS.index(q.certificate))) != 0
        return keep

    def listing_page(self, q: ProductQuery, total: int) -> list[int] | None:
        """The ids of the page of a listing without words (the ``total`` sellable
        products meeting ``q``'s facet filters), in :func:`_order`'s order: the
        products are walked in that order, kept once per sort, a stretch at a time,
        until the page is reached, as the database walks an ordered index, but without
        reading a row. None when the walk would pass more than
        :data:`LISTING_WALK_LIMIT` products (filters so narrow that the database's
        selective indexes read just the few products meeting them)."""
        ordered, keys = self._in_order(q.sort)
        start = (q.page - 1) * q.per_page
        end = start + q.per_page
        expected = end * len(ordered) // max(total, 1)
        if expected > LISTING_WALK_LIMIT:
            return None
        found: list[IdArray] = []
        taken, at, stretch = 0, 0, expected + expected // 4 + 256
        while taken < end and at < len(ordered):
            meeting = ordered[at : at + stretch][self._meeting(keys[at : at + stretch], q)]
            found.append(meeting)
            taken += len(meeting)
            at += stretch
            stretch *= 4
        page: list[int] = np.concatenate(found or [ordered[:0]])[start:end].tolist()
        return page

    def _in_order(self, sort: Sort) -> tuple[IdArray, IdArray]:
        kept = self._orders.get(sort)
        if kept is None:
            sellable = np.flatnonzero(self.keys >= 0)
            ordered = sellable[np.argsort(self._order_of(sellable, sort), kind="stable")]
            kept = self._orders[sort] = (ordered, self.keys[ordered])
        return kept

    def _order_of(self, ids: IdArray, sort: Sort) -> IdArray:
        """A key per product of ``ids`` that sorts them in :func:`_order`'s order."""
        ids = ids.astype(np.int64, copy=False)
        if sort == Sort.NEWEST:
            return -ids
        if sort in (Sort.PRICE_ASC, Sort.PRICE_DESC):
            order = (self.prices[ids] << 32) | ids
            return -order if sort == Sort.PRICE_DESC else order
        return -((self.featured[ids].astype(np.int64) << 32) | ids)  # featured, then newest

    def page(self, ids: IdArray, q: ProductQuery) -> list[int]:
        """The ids of ``q``'s page among ``ids`` (those :meth:`passing` kept), in the
        order :func:`_order` gives: only the page's rows are sorted."""
        ids = ids.astype(np.int64, copy=False)
        order = self._order_of(ids, q.sort)
        start = (q.page - 1) * q.per_page
        end = min(start + q.per_page, len(ids))
        if start >= end:
            return []
        first = np.argpartition(order, end - 1)[:end] if end < len(ids) else np.arange(end)
        first = first[np.argsort(order[first], kind="stable")]
        page: list[int] = ids[first[start:end]].tolist()
        return page

    def _keys_of(self, ids: Iterable[int]) -> IdArray | None:
        ids = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.int64)
        if len(ids) and int(ids.max()) >= len(self.keys):
            return None
        return self.keys[ids]

    def _cube(self, keys: IdArray) -> FacetCube:
        counts = np.bincount(keys[keys >= 0])
        present = np.flatnonzero(counts)
        products: dict[Cell, int] = {}
        labels: dict[str, dict[Cell, int]] = {}
        mask = (1 << _KIND_BITS) - 1
        for key, n in zip(present.tolist(), counts[present].tolist(), strict=True):
            cell = self.cells[key >> _KIND_BITS]
            products[cell] = products.get(cell, 0) + n
            held = key & mask
            bit = 0
            while held:
                if held & 1:
                    per_cell = labels.setdefault(_KINDS[bit], {})
                    per_cell[cell] = per_cell.get(cell, 0) + n
                held >>= 1
                bit += 1
        return FacetCube(products=products, labels=labels)


def facet_cells(session: Session) -> FacetCells:
    """Read every sellable product's cell, labels, price and featured flag (two
    statements, a few hundred milliseconds at national scale: kept per catalog stamp
    with the cubes)."""
    # through the connection: the ORM's result machinery cost more than the reading
    conn = session.connection()
    rows = conn.execute(
        select(
            Product.id,
            Product.category_id,
            Product.region_code,
            Product.women_led,
            Product.price_minor,
            Product.featured,
        ).where(Product.sellable.is_(True))
    ).all()
    top = max((row[0] for row in rows), default=0)
    keys = np.full(top + 1, -1, dtype=np.int64)
    prices = np.zeros(top + 1, dtype=np.int64)
    featured = np.zeros(top + 1, dtype=np.bool_)
    codes: dict[Cell, int] = {}
    for pid, cat, region, women, price, flagged in rows:
        cell = (region, int(cat), bool(women), _band_of(int(price)))
        keys[pid] = codes.setdefault(cell, len(codes)) << _KIND_BITS
        prices[pid] = price
        featured[pid] = bool(flagged)
    bits = {kind: 1 << i for i, kind in enumerate(_KINDS)}
    for pid, kind in conn.execute(
        select(ProductLabel.product_id, ProductLabel.kind).where(
            ProductLabel.product_id <= top, ProductLabel.kind.in_(_KINDS)
        )
    ):
        if keys[pid] >= 0:
            keys[pid] |= bits[kind]
    return FacetCells(cells=tuple(codes), keys=keys, prices=prices, featured=featured)


@dataclass(frozen=True, slots=True)
class Postings:
    """The products one :class:`Term` matches: their ids, or one bit per product up to
    the highest of them when that is smaller (a word in more than one product in 32)."""

    data: npt.NDArray[Any]
    dense: bool
    #: one past the highest id
    end: int

    @classmethod
    def of(cls, ids: npt.NDArray[np.int32]) -> Postings:
        """From sorted ``ids``."""
        end = int(ids[-1]) + 1 if len(ids) else 0
        if len(ids) * 32 <= end:
            return cls(ids, False, end)
        mask = np.zeros(end, dtype=np.bool_)
        mask[ids] = True
        return cls(np.packbits(mask), True, end)

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)

    def to_bytes(self) -> bytes:
        """For a store shared by processes (:class:`SharedTerms`)."""
        data = self.data.astype(np.uint8 if self.dense else np.int32, copy=False)
        return _POSTINGS_HEAD.pack(self.dense, self.end) + data.tobytes()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Postings:
        dense, end = _POSTINGS_HEAD.unpack_from(raw)
        data = np.frombuffer(raw, np.uint8 if dense else np.int32, offset=_POSTINGS_HEAD.size)
        return cls(data, bool(dense), int(end))

    def mask(self, size: int) -> npt.NDArray[np.bool_]:
        """The matches as a mask of ``size`` (at least :attr:`end`) ids."""
        out = np.zeros(size, dtype=np.bool_)
        if self.dense:
            out[: self.end] = np.unpackbits(self.data, count=self.end).view(np.bool_)
        else:
            out[self.data] = True
        return out


#: a :class:`Postings`' bytes start with whether it is a bitmap and its end
_POSTINGS_HEAD = struct.Struct("<?Q")


class SharedTerms(Protocol):
    """What search terms match, shared by the processes of every host (Redis): what
    one read from the text index, the others need not read again."""

    def get_many(self, stamp: Hashable, terms: Sequence[Term]) -> dict[Term, Postings]:
        """Those of ``terms`` kept under ``stamp`` (the texts stamp)."""
        ...

    def put_many(self, stamp: Hashable, found: dict[Term, Postings]) -> None: ...


class TermMatches:
    """The products each full-text :class:`Term` matches (sellable or not), read from
    the text index and kept while ``stamp`` stays the same (one that any change of the
    products' searchable texts moves, and products coming or going), in at most
    ``max_bytes`` (the least recently used terms go first). A search then reads only
    the terms it has not met yet, all in one statement, and combines the words' terms
    in memory: a common word (tens of thousands of matches) was read from the index on
    every search of it. With ``shared``, a term this process has not met is first
    looked for there, and what it reads from the index is put there."""

    def __init__(
        self,
        stamp: Callable[[], Hashable],
        max_bytes: int = 32 << 20,
        shared: SharedTerms | None = None,
    ) -> None:
        self._stamp = stamp
        self._shared = shared
        self.max_bytes = max_bytes
        self._at: Hashable = None
        self._kept: OrderedDict[Term, Postings] = OrderedDict()
        #: the bytes kept, all terms together
        self.nbytes = 0
        self._lock = threading.Lock()

    def matching(self, session: Session, words: TextQuery, *, exact: bool = False) -> IdArray:
        """The ids of the products matching ``words`` (with ``exact``, the words alone,
        without their stems and synonyms), ascending."""
        expr = words.exact_expr if exact else words.expr
        found = self.read(session, _terms(expr))
        size = max((postings.end for postings in found.values()), default=0)
        return np.flatnonzero(_mask(expr, found, size))

    def read(self, session: Session, terms: Iterable[Term]) -> dict[Term, Postings]:
        """What each of ``terms`` matches: those kept, and the others read from the text
        index in one statement, then kept."""
        stamp = self._stamp()
        wanted = set(terms)
        with self._lock:
            if stamp != self._at:
                self._kept.clear()
                self.nbytes = 0
                self._at = stamp
            found = {term: self._kept[term] for term in wanted if term in self._kept}
            for term in found:
                self._kept.move_to_end(term)
        missing = [term for term in wanted if term not in found]
        if not missing:
            return found
        read = self._shared.get_many(stamp, missing) if self._shared is not None else {}
        missing = [term for term in missing if term not in read]
        if missing:
            from_index = _term_ids(session, missing)
            if self._shared is not None:
                self._shared.put_many(stamp, from_index)
            read.update(from_index)
        found.update(read)
        with self._lock:
            if stamp == self._at:
                self._keep(read)
        return found

    def _keep(self, read: dict[Term, Postings]) -> None:
        for term, postings in read.items():
            if term not in self._kept and postings.nbytes <= self.max_bytes:
                self._kept[term] = postings
                self.nbytes += postings.nbytes
        while self.nbytes > self.max_bytes:
            _, dropped = self._kept.popitem(last=False)
            self.nbytes -= dropped.nbytes

    def __len__(self) -> int:
        return len(self._kept)


#: terms read per statement while warming
_WARM_BATCH = 20


def warm_terms(
    session: Session,
    cache: FacetCache,
    words: Sequence[str],
    synonyms: Synonyms | None = None,
    common: Callable[[str], bool] | None = None,
) -> int:
    """Read the full-text terms of ``words`` (a vocabulary's most common words first:
    theirs are the longest lists to read, hundreds of milliseconds each on PostgreSQL)
    into ``cache``'s kept terms, before shoppers search them, until three quarters of
    the room is taken. Returns how many terms are kept."""
    terms = cache.terms
    if terms is None:
        return 0
    batch: dict[Term, None] = {}
    for word in words:
        compiled = compile_text(word, synonyms, common)
        batch.update(dict.fromkeys(_terms(compiled.expr)))
        if len(batch) >= _WARM_BATCH:
            terms.read(session, batch)
            batch.clear()
            if terms.nbytes > terms.max_bytes * 3 // 4:
                return len(terms)
    if batch:
        terms.read(session, batch)
    return len(terms)


def _terms(expr: Expr) -> Iterator[Term]:
    if isinstance(expr, Term):
        yield expr
    else:
        for part in expr[1]:
            yield from _terms(part)


def _mask(expr: Expr, found: dict[Term, Postings], size: int) -> npt.NDArray[np.bool_]:
    """``expr`` over what each term matches, as a mask of ``size`` ids."""
    if isinstance(expr, Term):
        return found[expr].mask(size)
    op, parts = expr
    out = _mask(parts[0], found, size)
    for part in parts[1:]:
        if op == "and":
            out &= _mask(part, found, size)
        else:
            out |= _mask(part, found, size)
    return out


def _term_ids(session: Session, terms: Sequence[Term]) -> dict[Term, Postings]:
    """What each of ``terms`` matches, in one statement that reads the text index once
    per term."""
    dialect = session.get_bind().dialect.name
    params: dict[str, str] = {}
    parts = [
        _ids_read(dialect, term, params, f"term_{i}").add_columns(literal(i))
        for i, term in enumerate(terms)
    ]
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    return {
        terms[i]: Postings.of(_parsed_ids(matched))
        for matched, i in session.connection().execute(statement)
    }


def _band(value: int | str) -> str:
    """A price band's key from a price, or the key itself (grouped in SQL)."""
    return value if isinstance(value, str) else _band_of(int(value))


def _band_of(price_minor: int) -> str:
    for band in PRICE_BANDS:
        if band.high_minor is None or price_minor < band.high_minor:
            return band.key
    return PRICE_BANDS[-1].key


def _order(q: ProductQuery) -> list[Any]:
    if q.sort == Sort.PRICE_ASC:
        return [Product.price_minor.asc(), Product.id.asc()]
    if q.sort == Sort.PRICE_DESC:
        return [Product.price_minor.desc(), Product.id.desc()]
    if q.sort == Sort.NEWEST:
        return [Product.id.desc()]
    return [Product.featured.desc(), Product.id.desc()]


#: Long texts a listing never shows (they load on access if a caller wants them).
_LONG_TEXTS = (
    Product.description_fr,
    Product.description_ar,
    Product.description_en,
    Product.search_document,
)
_STORIES = (Cooperative.story_fr, Cooperative.story_ar, Cooperative.story_en)
#: how a page's products load: without their long texts, with their cooperatives and
#: pictures
_PAGE_LOADS = (
    *(defer(text) for text in _LONG_TEXTS),
    selectinload(Product.cooperative).options(*(defer(s) for s in _STORIES)),
    selectinload(Product.images),
)


def _in_order(ids: Sequence[int], rows: Iterable[Any]) -> list[Any]:
    """``rows`` (cards or products) in the order of their ``ids``."""
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def search_products(
    session: Session,
    query: ProductQuery,
    *,
    facets: bool = True,
    cache: FacetCache | None = None,
    synonyms: Synonyms | None = None,
    as_cards: bool = False,
    common: Callable[[str], bool] | None = None,
) -> SearchResult:
    """Run a catalog query. Only sellable products are ever returned.

    With ``as_cards`` the page comes as :class:`Card` rows (``result.cards``: what
    product cards show, no ORM entity) instead of ``result.products``.

    With ``facets`` the total and the facets come from the query's :class:`FacetCube`
    (from ``cache`` when it has it); without, the total is counted directly (cheap for
    the narrow queries that skip facets, such as one cooperative's products). The
    words are expanded with ``synonyms`` (the curated file's when not given), except
    those ``common`` says are common (:func:`compile_text`).

    When ``cache`` keeps the facet cells and the terms' matches (:class:`TermMatches`),
    a search without a cooperative takes its matches from memory: its page is picked
    there, or ranked by the database among those matches (few of them). A listing
    without words picks its page there too, among every sellable product the cells
    hold: the database's ordered scan of a region's or a category's 60th page read
    tens of thousands of index entries.
    """
    q = query.normalised()
    dialect = session.get_bind().dialect.name
    words = compile_text(q.text, synonyms, common)
    matches: int | None = None  # sellable products the words select, when known
    facet_counts: dict[str, list[FacetValue]] = {}
    cube: FacetCube | None = None
    cells = cache.cells if cache is not None else None
    terms = cache.terms if cache is not None and cells is not None else None
    # the ids the words match, combined in memory from each term's (see TermMatches)
    matched = (
        terms.matching(session, words)
        if terms is not None and facets and words and q.cooperative_id is None
        else None
    )
    if facets:
        key = _cube_key(words, q.cooperative_id)
        cube = cache.get(key) if cache is not None else None
        if cube is None:
            if matched is not None and cells is not None:
                cube = cells.cube(matched)
            if cube is None:
                cube = facet_cube(session, q, words, cells)
            if cache is not None:
                cache.put(key, cube)
        total, facet_counts = cube.counts(q)
        matches = sum(cube.products.values())
    else:
        conds = [*_base_filters(q, dialect, words), *_facet_filters(q, ordered_scan=False)]
        total = int(session.scalar(select(func.count()).select_from(Product).where(*conds)) or 0)

    ranked = (
        q.sort == Sort.RELEVANCE and bool(words) and (matches is None or matches <= RANKED_MATCHES)
    )
    offset = (q.page - 1) * q.per_page
    # one category by price: ix_catalog_product_listing holds that very order (prices
    # cluster by category, so walking the whole catalog's price order to reach one
    # category's page read up to hundreds of thousands of entries)
    in_category_order = (
        q.sort in (Sort.PRICE_ASC, Sort.PRICE_DESC)
        and len(q.category_ids or ()) == 1
        and not (words or q.region_code or q.women_led or q.certificate or q.cooperative_id)
    )
    # an ordered index scan reads about (offset + page) / selectivity entries
    ordered_scan = (
        dialect == "sqlite"
        and not ranked
        and not in_category_order
        and total > 0
        and (offset + q.per_page) * max(matches or 0, total) / total <= ORDERED_SCAN_LIMIT
    )
    # a certificate on SQLite, read in the page's order or with other filters that
    # leave few products: each product those reach is asked for the label, instead of
    # walking (or first listing) every product holding the certificate, tens of
    # thousands at national scale (long-tail facet pages with a certificate: p95
    # 46 → 20 ms, p99 69 → 28 ms of CPU at 300,000 products)
    probe_labels = (
        dialect == "sqlite"
        and bool(q.certificate)
        and cube is not None
        and (ordered_scan or cube.counts(replace(q, certificate=None))[0] <= PROBED_LABELS_LIMIT)
    )
    products: list[Product] = []
    page_cards: list[Card] = []
    # the page's ids picked in memory from the matches, when the cells know them all
    passing = (
        cells.passing(matched, q)
        if matched is not None and cells is not None and total > offset
        else None
    )
    known: Known | None = None
    if passing is not None and terms is not None and ranked:
        exact = np.intersect1d(passing, terms.matching(session, words, exact=True))
        known = Known(matches=passing.tolist(), exact=exact.tolist())
    ids: list[int] | None = None  # the page's, when picked in memory
    if passing is not None and cells is not None and not ranked:
        ids = cells.page(passing, q)
    elif not words and cells is not None and facets and q.cooperative_id is None:
        # a listing: the cells hold every sellable product, ordered once per sort
        ids = cells.listing_page(q, total) if total > offset else None
    if ids is not None:
        if as_cards:
            page_cards = _in_order(
                ids,
                cards(
                    session,
                    _CARDS.join(Cooperative, Cooperative.id == Product.cooperative_id).where(
                        Product.id.in_(ids), Product.sellable.is_(True)
                    ),
                ),
            )
        else:
            products = _in_order(
                ids,
                session.scalars(
                    select(Product)
                    .where(Product.id.in_(ids), Product.sellable.is_(True))
                    .options(*_PAGE_LOADS)
                ),
            )
    elif total > offset:
        # pick the page's ids from indexes only, then load just those rows
        if ranked:
            picked = _ranked_ids(
                q,
                dialect,
                words,
                known,
                exact_only=known is not None and offset + q.per_page <= len(known.exact),
            )
        else:
            picked = (
                select(Product.id.label("id"))
                .where(
                    *_base_filters(q, dialect, words, probe=ordered_scan),
                    *_facet_filters(q, ordered_scan=ordered_scan, probe_labels=probe_labels),
                )
                .order_by(*_order(q))
            )
        page = picked.offset(offset).limit(q.per_page).subquery("page")
        outer_order = [page.c.tier, page.c.rank, Product.id.desc()] if ranked else _order(q)
        # ranked among matches known in memory, a page may not test each product's
        # sale again (on SQLite, the exact matches alone): the page's rows do, as the
        # pages picked in memory do
        sold = Product.sellable.is_(True)
        if as_cards:
            page_cards = cards(
                session,
                _CARDS.join(page, page.c.id == Product.id)
                .join(Cooperative, Cooperative.id == Product.cooperative_id)
                .where(sold)
                .order_by(*outer_order),
            )
        else:
            products = list(
                session.scalars(
                    select(Product)
                    .join(page, page.c.id == Product.id)
                    .where(sold)
                    .order_by(*outer_order)
                    .options(*_PAGE_LOADS)
                )
            )
    return SearchResult(
        products=products,
        total=total,
        page=q.page,
        per_page=q.per_page,
        facets=facet_counts,
        cards=page_cards,
    )


#: fewer matches than this and the vocabulary is asked for a correction
FEW_RESULTS = 3


@dataclass(slots=True)
class Found:
    """What a shopper's search found.

    ``corrected_from`` is set when nothing matched the words typed and a correction
    did: ``result`` is then the correction's, for ``text``. ``suggestion`` is a
    correction offered, not applied (the words typed found a few products, the
    correction more). ``categories``: slugs of the closest categories when nothing
    was found at all.
    """

    result: SearchResult
    text: str
    corrected_from: str | None = None
    suggestion: str | None = None
    categories: list[str] = field(default_factory=list)


def find_products(
    session: Session,
    query: ProductQuery,
    vocabulary: Callable[[], Vocabulary],
    *,
    cache: FacetCache | None = None,
    synonyms: Synonyms | None = None,
    exact: bool = False,
    as_cards: bool = False,
    kept: Vocabulary | None = None,
) -> Found:
    """:func:`search_products` with typo tolerance for a shopper's words.

    When the words find fewer than :data:`FEW_RESULTS` products, each word the
    catalog's ``vocabulary`` (built only then) does not know is corrected and the
    corrected words are tried; ``exact`` (the shopper undid a correction) skips that.
    A vocabulary already ``kept`` in memory also tells which words are common.
    """
    common = kept.is_common if kept is not None else None
    result = search_products(
        session, query, cache=cache, synonyms=synonyms, as_cards=as_cards, common=common
    )
    if not query.text.strip() or result.total >= FEW_RESULTS:
        return Found(result, query.text)
    vocab = vocabulary()
    corrected = vocab.correct_text(query.text)
    suggestion = None
    if corrected is not None and not exact:
        other = search_products(
            session,
            replace(query, text=corrected),
            cache=cache,
            synonyms=synonyms,
            as_cards=as_cards,
            common=common,
        )
        if result.total == 0 and other.total > 0:
            return Found(other, corrected, corrected_from=query.text)
        if other.total > result.total:
            suggestion = corrected
    elif corrected is not None:  # the shopper undid the correction: offer it only
        suggestion = corrected
    categories = vocab.closest_categories(query.text) if result.total == 0 else []
    return Found(result, query.text, suggestion=suggestion, categories=categories)


#: a product on sale by its slug, with what its page shows: its cooperative, the
#: cooperative's certificates, its pictures and the capacity it has promised (built
#: once: only the slug changes; the category is the caller's, from a kept tree)
_ON_SALE = (
    select(Product, stock.committed_column())
    .where(Product.slug == bindparam("slug"))
    .options(
        defer(Product.search_document),
        joinedload(Product.cooperative).joinedload(Cooperative.certificates),
        joinedload(Product.images),
        raiseload(Product.category),
    )
)


def product_on_sale(session: Session, slug: str) -> tuple[Product, int] | None:
    """The sellable product with this slug, with its cooperative, the cooperative's
    certificates and its pictures, and the units of capacity it has promised and not
    delivered (0 unless it is made to order), in one statement; None when no product
    on sale has this slug."""
    row = session.execute(_ON_SALE, {"slug": slug}).unique().one_or_none()
    if row is None or not row[0].sellable:
        return None
    product, promised = row
    return product, int(promised) if product.made_to_order else 0


def products_by_region(session: Session, cache: FacetCache | None = None) -> dict[str, int]:
    """Sellable products per region code (regions without any left out). From the
    whole catalog's cube when ``cache`` keeps it (:func:`warm_whole_catalog`): at
    national scale the grouped count of every sellable product cost the regions page
    some 16 ms of SQLite's time, where the cube is summed in microseconds. Otherwise
    one grouped query."""
    cube = cache.get(_WHOLE_CATALOG) if cache is not None else None
    if cube is None:
        rows = session.execute(
            select(Product.region_code, func.count(Product.id))
            .where(Product.sellable.is_(True))
            .group_by(Product.region_code)
        )
        return {str(code): int(n) for code, n in rows if code is not None}
    _total, counts = cube.counts(ProductQuery())
    return {value.value: value.count for value in counts["region"]}


def featured_cards(session: Session, limit: int = 8) -> list[Card]:
    """Sellable products for the home page, as cards: featured first, then the newest."""
    return cards(
        session,
        _CARDS.join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(Product.sellable.is_(True))
        .order_by(Product.featured.desc(), Product.id.desc())
        .limit(limit),
    )


def category_tree(session: Session) -> list[Category]:
    """All categories (the tree is small), roots first, in display order."""
    return list(
        session.scalars(
            select(Category).order_by(
                Category.parent_id.is_not(None), Category.position, Category.id
            )
        )
    )


@dataclass(frozen=True, slots=True)
class CategoryNode:
    """A category as the catalog pages show it: plain data, no ORM entity, so a tree
    read once can be kept and shared between requests (and threads)."""

    id: int
    parent_id: int | None
    slug: str
    name_fr: str
    name_ar: str
    name_en: str
    #: the lowest price cap of the category and its ancestors (minor units), if any
    cap_minor: int | None
    currency: str
    #: certificate kinds the category and its ancestors require
    #: (:func:`catalog.rules.required_kinds`), sorted
    required_kinds: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return {"ar": self.name_ar, "en": self.name_en}.get(lang) or self.name_fr

    @property
    def cap(self) -> Money | None:
        return None if self.cap_minor is None else Money(self.cap_minor, self.currency)


class _TreeNode(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...


def category_nodes(session: Session) -> list[CategoryNode]:
    """:func:`category_tree` as :class:`CategoryNode` rows (one statement), each with
    the price cap it inherits (as :func:`catalog.rules.price_cap` computes it)."""
    rows = session.execute(
        select(
            Category.id,
            Category.parent_id,
            Category.slug,
            Category.name_fr,
            Category.name_ar,
            Category.name_en,
            CategoryRule.max_unit_price_minor,
            CategoryRule.currency,
            CategoryRule.required_kinds,
        )
        .outerjoin(CategoryRule, CategoryRule.category_id == Category.id)
        .order_by(Category.parent_id.is_not(None), Category.position, Category.id)
    ).all()
    parents = {row.id: row.parent_id for row in rows}
    by_id = {row.id: row for row in rows}

    def lineage(category_id: int) -> Iterator[Any]:
        node: int | None = category_id
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            yield by_id[node]
            node = parents.get(node)

    def cap(category_id: int) -> tuple[int | None, str]:
        lowest: tuple[int | None, str] = (None, "MAD")
        for row in lineage(category_id):
            minor = row.max_unit_price_minor
            if minor is not None and (lowest[0] is None or minor < lowest[0]):
                lowest = (minor, row.currency)
        return lowest

    def kinds(category_id: int) -> tuple[str, ...]:
        return tuple(sorted({k for row in lineage(category_id) for k in row.required_kinds or ()}))

    return [
        CategoryNode(
            row.id,
            row.parent_id,
            row.slug,
            row.name_fr,
            row.name_ar or "",
            row.name_en or "",
            *cap(row.id),
            kinds(row.id),
        )
        for row in rows
    ]


def descendant_ids(categories: Sequence[_TreeNode], root_id: int) -> tuple[int, ...]:
    """``root_id`` and the ids of all categories below it."""
    children: dict[int | None, list[int]] = {}
    for c in categories:
        children.setdefault(c.parent_id, []).append(c.id)
    found, stack = [], [root_id]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.append(node)
        stack.extend(children.get(node, []))
    return tuple(sorted(found))


def roll_up(categories: Sequence[_TreeNode], counts: Sequence[FacetValue]) -> dict[int, int]:
    """Facet counts per category including their descendants."""
    by_id = {c.id: c for c in categories}
    direct = {int(f.value): f.count for f in counts}
    totals: dict[int, int] = {}
    for cid, n in direct.items():
        node = by_id.get(cid)
        seen: set[int] = set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            totals[node.id] = totals.get(node.id, 0) + n
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
    return totals


def featured_cooperatives(session: Session, limit: int = 6) -> list[Cooperative]:
    """Verified cooperatives for the home page: featured first, then the newest (both
    descending, so that ``ix_catalog_cooperative_featured`` is read backwards and
    stops after ``limit`` rows; a mixed order made PostgreSQL sort every cooperative)."""
    return list(
        session.scalars(
            select(Cooperative)
            .where(Cooperative.status == "verified")
            .order_by(Cooperative.featured.desc(), Cooperative.id.desc())
            .limit(limit)
        )
    )
