"""Catalog queries: listing, full-text search, facets, sorting, pagination.

One function, :func:`search_products`, serves the category, region, cooperative and
search pages on SQLite (FTS5) and PostgreSQL (tsvector). Facets are disjunctive: each
facet's counts apply every *other* filter, so a shopper sees what choosing another value
would give. The number of SQL statements is fixed whatever the page size: one count,
one page, one per facet and the eager loads of the page's products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal_column, select, text
from sqlalchemy.orm import Session, selectinload

from catalog.models import Category, Cooperative, Product, ProductLabel
from catalog.text import tokens

MAX_PER_PAGE = 60
MAX_QUERY_TOKENS = 8


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


@dataclass(slots=True)
class SearchResult:
    products: list[Product]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _fts_query(dialect: str, words: Sequence[str]) -> str:
    if dialect == "postgresql":
        return " & ".join(f"'{w}':*" for w in words)
    return " ".join(f'"{w}"*' for w in words)


def _text_filter(dialect: str, words: Sequence[str]) -> ColumnElement[bool]:
    query = _fts_query(dialect, words)
    if dialect == "postgresql":
        return text(
            "to_tsvector('simple', catalog_product.search_document) "
            "@@ to_tsquery('simple', :fts_query)"
        ).bindparams(fts_query=query)
    return Product.id.in_(
        select(literal_column("rowid"))
        .select_from(text("catalog_product_fts"))
        .where(text("catalog_product_fts MATCH :fts_query").bindparams(fts_query=query))
    )


def _rank(dialect: str, words: Sequence[str]) -> ColumnElement[Any]:
    query = _fts_query(dialect, words)
    if dialect == "postgresql":
        return text(
            "ts_rank(to_tsvector('simple', catalog_product.search_document), "
            "to_tsquery('simple', :rank_query)) DESC"
        ).bindparams(rank_query=query)
    # bm25 is lower for better matches; computed over the page candidates only
    return text(
        "(SELECT bm25(catalog_product_fts) FROM catalog_product_fts "
        "WHERE catalog_product_fts MATCH :rank_query AND rowid = catalog_product.id)"
    ).bindparams(rank_query=query)


def _band_filter(key: str) -> ColumnElement[bool]:
    band = _BANDS[key]
    low = Product.price_minor >= band.low_minor
    return low if band.high_minor is None else and_(low, Product.price_minor < band.high_minor)


def _band_case() -> ColumnElement[str]:
    whens = []
    for band in PRICE_BANDS:
        if band.high_minor is not None:
            whens.append((Product.price_minor < band.high_minor, band.key))
    return case(*whens, else_=PRICE_BANDS[-1].key)


def _filters(q: ProductQuery, dialect: str, skip: str | None = None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Product.sellable.is_(True)]
    words = tokens(q.text)[:MAX_QUERY_TOKENS]
    if words:
        conds.append(_text_filter(dialect, words))
    if q.category_ids and skip != "category":
        conds.append(Product.category_id.in_(q.category_ids))
    if q.region_code and skip != "region":
        conds.append(Product.region_code == q.region_code)
    if q.women_led and skip != "women_led":
        conds.append(Product.women_led.is_(True))
    if q.price_band and skip != "price":
        conds.append(_band_filter(q.price_band))
    if q.cooperative_id is not None:
        conds.append(Product.cooperative_id == q.cooperative_id)
    if q.certificate and skip != "certificate":
        conds.append(
            Product.id.in_(
                select(ProductLabel.product_id).where(ProductLabel.kind == q.certificate)
            )
        )
    return conds


def _group_counts(session: Session, stmt: Select[Any]) -> list[FacetValue]:
    rows = session.execute(stmt).all()
    return sorted(
        (FacetValue(str(value), int(count)) for value, count in rows if value is not None),
        key=lambda f: (-f.count, f.value),
    )


def search_products(session: Session, query: ProductQuery, *, facets: bool = True) -> SearchResult:
    """Run a catalog query. Only sellable products are ever returned."""
    q = query.normalised()
    dialect = session.get_bind().dialect.name
    words = tokens(q.text)[:MAX_QUERY_TOKENS]
    conds = _filters(q, dialect)

    total = int(session.scalar(select(func.count(Product.id)).where(*conds)) or 0)

    stmt = select(Product).where(*conds)
    if q.sort == Sort.PRICE_ASC:
        stmt = stmt.order_by(Product.price_minor.asc(), Product.id.asc())
    elif q.sort == Sort.PRICE_DESC:
        stmt = stmt.order_by(Product.price_minor.desc(), Product.id.asc())
    elif q.sort == Sort.NEWEST or not words:
        stmt = stmt.order_by(Product.featured.desc(), Product.id.desc())
    else:
        stmt = stmt.order_by(_rank(dialect, words), Product.id.desc())
    stmt = (
        stmt.offset((q.page - 1) * q.per_page)
        .limit(q.per_page)
        .options(
            selectinload(Product.cooperative),
            selectinload(Product.images),
        )
    )
    products = list(session.scalars(stmt))
    result = SearchResult(products=products, total=total, page=q.page, per_page=q.per_page)
    if facets:
        result.facets = _facets(session, q, dialect)
    return result


def _facets(session: Session, q: ProductQuery, dialect: str) -> dict[str, list[FacetValue]]:
    out: dict[str, list[FacetValue]] = {}
    out["region"] = _group_counts(
        session,
        select(Product.region_code, func.count(Product.id))
        .where(*_filters(q, dialect, skip="region"))
        .group_by(Product.region_code),
    )
    out["category"] = _group_counts(
        session,
        select(Product.category_id, func.count(Product.id))
        .where(*_filters(q, dialect, skip="category"))
        .group_by(Product.category_id),
    )
    out["certificate"] = _group_counts(
        session,
        select(ProductLabel.kind, func.count(ProductLabel.product_id))
        .join(Product, Product.id == ProductLabel.product_id)
        .where(*_filters(q, dialect, skip="certificate"))
        .group_by(ProductLabel.kind),
    )
    women = session.scalar(
        select(func.count(Product.id)).where(
            *_filters(q, dialect, skip="women_led"), Product.women_led.is_(True)
        )
    )
    out["women_led"] = [FacetValue("1", int(women or 0))]
    band = _band_case().label("band")
    counts = {
        f.value: f.count
        for f in _group_counts(
            session,
            select(band, func.count(Product.id))
            .where(*_filters(q, dialect, skip="price"))
            .group_by(band),
        )
    }
    out["price"] = [FacetValue(b.key, counts.get(b.key, 0)) for b in PRICE_BANDS]
    return out


def category_tree(session: Session) -> list[Category]:
    """All categories (the tree is small), roots first, in display order."""
    return list(
        session.scalars(
            select(Category).order_by(
                Category.parent_id.is_not(None), Category.position, Category.id
            )
        )
    )


def descendant_ids(categories: Sequence[Category], root_id: int) -> tuple[int, ...]:
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


def roll_up(categories: Sequence[Category], counts: Sequence[FacetValue]) -> dict[int, int]:
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
    return list(
        session.scalars(
            select(Cooperative)
            .where(Cooperative.status == "verified")
            .order_by(Cooperative.featured.desc(), Cooperative.id)
            .limit(limit)
        )
    )
