"""Shop pages. Views parse the query string, call the catalog library and render."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from catalog import images, stock
from catalog import regions as regions_data
from catalog.db import utcnow
from catalog.models import Cooperative, CooperativeStatus, Product
from catalog.search import (
    MAX_PER_PAGE,
    CategoryNode,
    ProductQuery,
    SearchResult,
    Sort,
    descendant_ids,
    featured_cards,
    featured_cooperatives,
    find_products,
    product_on_sale,
    products_by_region,
    roll_up,
    search_products,
)
from orders.status import PaymentMethod
from storefront import payments
from storefront.cart import delivery
from storefront.config import LANGUAGES
from storefront.extensions import db
from storefront.forms import Form
from storefront.i18n import COOKIE, current_language, per_language, query_args
from storefront.labels import CERTIFICATE_KINDS, PRICE_BANDS, label
from storefront.media import photo_store, send
from storefront.security import safe_next
from storefront.shop import facets, fragments, pagecache, seo, sitemap
from storefront.shop import search as search_state

MEDIA_MAX_AGE = 365 * 24 * 3600

bp = per_language(Blueprint("shop", __name__))
#: pages with one URL for every language: the language switch, uploaded media
site_bp = Blueprint("site", __name__)
sitemap.register(site_bp)


def _int_arg(name: str, default: int, low: int = 1, high: int = 10_000) -> int:
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, low), high)


def _query_from_args(**fixed: Any) -> ProductQuery:
    sort = request.args.get("sort", Sort.RELEVANCE)
    region = request.args.get("region") or None
    if region is not None and regions_data.region(region) is None:
        region = None
    params: dict[str, Any] = {
        "text": request.args.get("q", "")[:200],
        "region_code": region,
        "certificate": (request.args.get("cert") or None),
        "women_led": request.args.get("women") == "1",
        "price_band": request.args.get("price") or None,
        "sort": Sort(sort) if sort in Sort.__members__.values() else Sort.RELEVANCE,
        "page": _int_arg("page", 1),
        "per_page": _int_arg("per_page", 24, 1, MAX_PER_PAGE),
    }
    params.update(fixed)
    return ProductQuery(**params)


#: The listing filters a shopper chooses (query arguments), kept from page to page.
FILTER_ARGS = ("region", "cat", "cert", "price", "women")


def _active_filters(
    query: ProductQuery, categories: Sequence[CategoryNode]
) -> tuple[list[tuple[str, str]], str | None]:
    """Each filter chosen, as (what it says, the same page without it), and the page
    without any filter (None when none is chosen)."""
    here: dict[str, Any] = dict(request.view_args or {})
    args: dict[str, Any] = {k: v for k, v in query_args().items() if k != "page"}
    names = {
        "region": lambda v: r.name(current_language()) if (r := regions_data.region(v)) else v,
        "cat": lambda v: next((c.name(current_language()) for c in categories if c.slug == v), v),
        "cert": lambda v: label(CERTIFICATE_KINDS, v),
        "price": lambda v: label(PRICE_BANDS, v),
        "women": lambda v: _("Women-led"),
    }
    chips = []
    for key in FILTER_ARGS:
        value = args.get(key)
        if not value or (key == "region" and query.region_code != value):
            continue
        without = {k: v for k, v in args.items() if k != key}
        chips.append((names[key](value), url_for(request.endpoint or "", **here, **without)))
    if not chips:
        return [], None
    bare = {k: v for k, v in args.items() if k not in FILTER_ARGS}
    return chips, url_for(request.endpoint or "", **here, **bare)


def _listing(
    template: str,
    query: ProductQuery,
    categories: Sequence[CategoryNode] | None = None,
    result: SearchResult | None = None,
    **context: Any,
) -> str:
    categories = facets.categories() if categories is None else categories
    if result is None:
        result = search_products(db.session, query, cache=facets.facet_cache(), as_cards=True)
    category_counts = roll_up(categories, result.facets.get("category", []))
    facets_html = fragments.facet_block(
        query=query,
        result=result,
        categories=categories,
        category_counts=category_counts,
        region=context.get("region"),
        category=context.get("category"),
    )
    chips, clear_all = _active_filters(query, categories)
    return render_template(
        template,
        result=result,
        query=query,
        categories=categories,
        facets_html=facets_html,
        active_filters=chips,
        clear_all=clear_all,
        **context,
    )


@bp.get("/")
@pagecache.cached_page
def home() -> str:
    categories = [c for c in facets.categories() if c.parent_id is None]
    coops = featured_cooperatives(db.session)
    return render_template(
        "shop/home.html",
        categories=categories,
        products=featured_cards(db.session, limit=8),
        cooperatives=coops,
        regions=regions_data.regions(),
    )


@bp.get("/c/<slug>")
@pagecache.cached_page
def category(slug: str) -> str:
    categories = facets.categories()
    current = next((c for c in categories if c.slug == slug), None)
    if current is None:
        abort(404)
    query = _query_from_args(category_ids=descendant_ids(categories, current.id))
    return _listing("shop/listing.html", query, categories, category=current, heading=current)


@bp.get("/r/<code>")
@pagecache.cached_page
def region(code: str) -> str:
    reg = regions_data.region(code)
    if reg is None:
        abort(404)
    query = _query_from_args(region_code=reg.code)
    return _listing("shop/listing.html", query, region=reg)


@bp.get("/search")
@pagecache.cached_page
def search() -> str:
    """Search, with typo tolerance: a correction found instead of nothing is shown with
    a way back to the words typed (``exact=1``), and a page with nothing found offers
    the closest categories."""
    query = _query_from_args()
    categories = facets.categories()
    cat_slug = request.args.get("cat")
    if cat_slug:
        current = next((c for c in categories if c.slug == cat_slug), None)
        if current is not None:
            query = _query_from_args(category_ids=descendant_ids(categories, current.id))
    found = find_products(
        db.session,
        query,
        search_state.vocabulary,
        cache=facets.facet_cache(),
        synonyms=search_state.synonyms(),
        exact=request.args.get("exact") == "1",
        as_cards=True,
        kept=search_state.kept_vocabulary(),
    )
    by_slug = {c.slug: c for c in categories}
    return _listing(
        "shop/listing.html",
        replace(query, text=found.text),
        categories,
        found.result,
        searching=True,
        found=found,
        close_categories=[by_slug[s] for s in found.categories if s in by_slug],
    )


@bp.get("/search/suggest")
def suggest() -> Response:
    """Autocomplete for the search box (static/js/search-suggest.js): products,
    categories and cooperatives whose names start with what is typed, as JSON. The
    search form works the same without it."""
    text = request.args.get("q", "")[:100]
    found = search_state.vocabulary().complete(text) if text.strip() else []
    urls = {
        "product": lambda s: url_for("shop.search", q=s.text),
        "category": lambda s: url_for("shop.category", slug=s.slug),
        "cooperative": lambda s: url_for("shop.cooperative", slug=s.slug),
    }
    kinds = {"product": _("Product"), "category": _("Category"), "cooperative": _("Cooperative")}
    response = jsonify(
        query=text,
        suggestions=[
            {"kind": s.kind, "label": kinds[s.kind], "text": s.text, "url": urls[s.kind](s)}
            for s in found
        ],
    )
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/p/<slug>")
@pagecache.cached_page
def product(slug: str) -> str:
    found = product_on_sale(db.session, slug)
    if found is None:
        abort(404)
    item, committed = found
    category = facets.category(item.category_id)
    today = utcnow().date()
    certificates = [
        c
        for c in item.cooperative.certificates
        if c.is_valid_on(today) and (c.product_id in (None, item.id))
    ]
    week = today + timedelta(days=7)
    asked = (
        item.sold_out
        and current_user.is_authenticated
        and stock.has_alert(db.session, item.id, current_user.id)
    )
    return render_template(
        "shop/product.html",
        product=item,
        category=category,
        structured_data=seo.product_data(item, category, current_language()),
        alert_asked=asked,
        certificates=certificates,
        available_now=stock.available_now(item),
        available_week=stock.available_by(item, week, today=today, committed_units=committed),
        cap=category.cap,
        region=regions_data.region(item.cooperative.region_code),
        province=regions_data.province(item.cooperative.province_code),
        estimate=None if item.sold_out else delivery.estimate({item.id: 1}),
        deliver_form=delivery.chooser(),
        cash_on_delivery=PaymentMethod.COD in payments.offered(item.price),
    )


@bp.post("/p/<slug>/notify")
@login_required
def notify_me(slug: str) -> Response:
    """A signed-in shopper asks to be told when a sold-out product is back."""
    item = db.session.scalar(select(Product).where(Product.slug == slug))
    if item is None or not item.sellable:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if not item.sold_out:
        flash(_("Good news: this product can be ordered now."), "info")
    else:
        stock.ask_alert(
            db.session,
            item.id,
            user_id=current_user.id,
            email=current_user.email,
            language=current_language(),
            now=utcnow(),
        )
        db.session.commit()
        flash(_("We will e-mail you as soon as it is back."), "success")
    return redirect(url_for("shop.product", slug=item.slug))


@bp.get("/coop/<slug>")
@pagecache.cached_page
def cooperative(slug: str) -> str:
    coop = db.session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None or coop.status != CooperativeStatus.VERIFIED:
        abort(404)
    query = _query_from_args(cooperative_id=coop.id)
    result = search_products(db.session, query, facets=False, as_cards=True)
    today = utcnow().date()
    certificates = [c for c in coop.certificates if c.is_valid_on(today) and c.product_id is None]
    return render_template(
        "shop/cooperative.html",
        coop=coop,
        structured_data=seo.cooperative_data(coop, current_language()),
        result=result,
        query=query,
        certificates=certificates,
        region=regions_data.region(coop.region_code),
        province=regions_data.province(coop.province_code),
    )


@bp.get("/regions")
@pagecache.cached_page
def regions() -> str:
    counts = products_by_region(db.session, facets.facet_cache())
    return render_template("shop/regions.html", regions=regions_data.regions(), counts=counts)


@site_bp.get("/lang/<code>")
def set_language(code: str) -> Response:
    if code not in LANGUAGES:
        abort(404)
    response = redirect(safe_next(request.args.get("next"), url_for("shop.home", lang_code=code)))
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@site_bp.get("/media/<path:filename>")
def media(filename: str) -> Response:
    """Uploaded and generated images, served from outside the static folder, and the
    responsive copies of photos (made on first request when missing). A file's
    name is random and never reused for other content, so it may be kept for a year."""
    store = photo_store()
    try:  # one request to the store for a file that is there (a bucket: no HEAD first)
        response = send(store, filename, max_age=MEDIA_MAX_AGE)
    except NotFound:
        if not images.derive(store, filename):  # a smaller or WebP copy asked the first time
            raise
        response = send(store, filename, max_age=MEDIA_MAX_AGE)
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
