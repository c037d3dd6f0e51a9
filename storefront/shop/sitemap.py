"""robots.txt and the sitemaps: an index naming files of at most
``SITEMAP_URLS_PER_FILE`` URLs (50,000, the protocol's limit), each URL with its
other-language alternates.

Product files cover ranges of product ids, so each is one range read on the
``(sellable, id)`` index and the index needs only the largest id: no count, no
offset, nothing loaded whole. A file is written as its rows arrive. Each file is
public for an hour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Response, abort, current_app, url_for
from sqlalchemy import Select, func, select

from catalog import regions as regions_data
from catalog.models import Category, Cooperative, CooperativeStatus, Product
from storefront.config import LANGUAGES
from storefront.extensions import db

URLS_PER_FILE = 50_000
#: how long crawlers and caches may keep a sitemap or robots.txt
MAX_AGE = 3600
#: the personal parts of the site, of no use to a crawler
PRIVATE_PATHS = (
    "/account",
    "/admin",
    "/api",
    "/back-office",
    "/cart",
    "/checkout",
    "/ngo",
    "/orders",
)
XMLNS = (
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"'
)


def _per_file() -> int:
    """Things per file: each is listed once per language."""
    urls = int(current_app.config.get("SITEMAP_URLS_PER_FILE", URLS_PER_FILE))
    return max(1, urls // len(LANGUAGES))


def _public(response: Response) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def robots() -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS)]
    lines.append(f"Sitemap: {url_for('site.sitemap_index', _external=True)}")
    return _public(Response("\n".join(lines) + "\n", mimetype="text/plain"))


def sitemap_index() -> Response:
    last_product = db.session.scalar(select(func.max(Product.id))) or 0
    last_coop = db.session.scalar(select(func.max(Cooperative.id))) or 0
    per_file = _per_file()
    names = [url_for("site.sitemap", kind="pages", chunk=0, _external=True)]
    for kind, last in (("cooperatives", last_coop), ("products", last_product)):
        names += [
            url_for("site.sitemap", kind=kind, chunk=n, _external=True)
            for n in range(last // per_file + 1)
        ]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"<sitemap><loc>{escape(name)}</loc></sitemap>\n" for name in names)
        + "</sitemapindex>\n"
    )
    return _public(Response(body, mimetype="application/xml"))


class _Urls:
    """The URL of an endpoint's page in each language, for many values of one
    argument: built once with a marker, then filled in (``url_for`` per URL would
    cost more than the rest of the file)."""

    MARK = "SITEMAP-MARK"

    def __init__(self, endpoint: str, arg: str | None) -> None:
        values = {arg: self.MARK} if arg else {}
        self.templates = {
            code: url_for(endpoint, lang_code=code, _external=True, **values) for code in LANGUAGES
        }

    def entries(self, value: str = "", lastmod: datetime | None = None) -> str:
        urls = {
            code: t.replace(self.MARK, quote(value, safe="")) for code, t in self.templates.items()
        }
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{code}" href={quoteattr(url)}/>'
            for code, url in urls.items()
        )
        modified = f"<lastmod>{lastmod.date().isoformat()}</lastmod>" if lastmod else ""
        return "".join(
            f"<url><loc>{escape(url)}</loc>{modified}{links}</url>\n" for url in urls.values()
        )


def _pages() -> list[str]:
    region_urls = _Urls("shop.region", "code")
    category_urls = _Urls("shop.category", "slug")
    categories = db.session.scalars(select(Category.slug).order_by(Category.position))
    return [
        _Urls("shop.home", None).entries(),
        _Urls("shop.regions", None).entries(),
        _Urls("pages.privacy", None).entries(),
        *(region_urls.entries(reg.code) for reg in regions_data.regions()),
        *(category_urls.entries(slug) for slug in categories),
    ]


def _query(kind: str, number: int) -> Select[str, datetime | None] | None:
    """The rows of file ``number``, or ``None`` past the last file."""
    model = Product if kind == "products" else Cooperative
    last = db.session.scalar(select(func.max(model.id))) or 0
    per_file = _per_file()
    if number > last // per_file:
        return None
    low, high = number * per_file, (number + 1) * per_file
    if kind == "products":
        return (
            select(Product.slug, Product.updated_at)
            .where(Product.sellable.is_(True), Product.id >= low, Product.id < high)
            .order_by(Product.id)
        )
    return (
        select(Cooperative.slug, Cooperative.verified_at)
        .where(
            Cooperative.status == CooperativeStatus.VERIFIED,
            Cooperative.id >= low,
            Cooperative.id < high,
        )
        .order_by(Cooperative.id)
    )


def sitemap(kind: str, chunk: int) -> Response:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {XMLNS}>\n'
    tail = "</urlset>\n"
    if kind == "pages":
        if chunk != 0:
            abort(404)
        return _public(Response([head, *_pages(), tail], mimetype="application/xml"))
    query = _query(kind, chunk)
    if query is None:
        abort(404)
    urls = _Urls("shop.product" if kind == "products" else "shop.cooperative", "slug")
    engine = db.engine

    def document() -> Iterator[str]:
        """Written as the rows arrive, on a connection of its own: nothing of the
        request is needed once it started."""
        yield head
        with engine.connect() as connection:
            rows = connection.execution_options(yield_per=1000).execute(query)
            for slug, modified in rows:
                yield urls.entries(slug, modified)
        yield tail

    return _public(Response(document(), mimetype="application/xml"))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/robots.txt", "robots", robots)
    bp.add_url_rule("/sitemap.xml", "sitemap_index", sitemap_index)
    bp.add_url_rule(
        "/sitemaps/<any(pages, cooperatives, products):kind>-<int:chunk>.xml",
        "sitemap",
        sitemap,
    )
