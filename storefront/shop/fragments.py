"""Rendered fragments of catalog pages kept in memory, for the pages the anonymous page
cache cannot serve (a signed-in shopper, a guest with a delivery province or a message,
the long tail of URLs): product cards and the facet block of listings.

Each fragment is kept under everything it shows (the card's row, or the facet counts,
filters and category names with the language), so a kept fragment is never stale:
a change of what it shows is a different key. The same hooks that drop the page
cache (a catalog change committed here, or the catalog stamp moved by another process)
clear it too, which bounds its memory to what is shown since. Bounded LRU, per process,
``CATALOG_FRAGMENT_CACHE_SIZE`` entries (0 turns it off)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cachetools import LRUCache
from flask import Flask, current_app, request, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup, escape

from catalog import regions as regions_data
from catalog.regions import Region
from catalog.search import Card, CategoryNode, FacetValue, ProductQuery, SearchResult, Sort
from storefront import payments
from storefront.filters import localised, money_html, number, quantity
from storefront.i18n import current_language, kept_per_language
from storefront.labels import CERTIFICATE_KINDS, PRICE_BANDS, SORTS
from storefront.shop.pictures import (
    CARD_SIZES,
    CARD_WIDTHS,
    media_prefix,
    picture_html,
    url_builder,
)

KEY = "catalog_fragment_cache"
KEPT = "taawun_kept_chrome"
KITS = "taawun_card_kits"


class FragmentCache:
    def __init__(self, maxsize: int) -> None:
        self._kept: LRUCache[Hashable, Markup] | None = (
            LRUCache(maxsize=maxsize) if maxsize > 0 else None
        )
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        kept = self.get(key)
        return self.put(key, render()) if kept is None else kept

    def get(self, key: Hashable) -> Markup | None:
        if self._kept is None:
            return None
        with self._lock:
            return self._kept.get(key)

    def put(self, key: Hashable, html: str) -> Markup:
        """Keep ``html`` (rendered with every value escaped) under ``key``."""
        kept = Markup(html)  # noqa: S704 (rendered with every value escaped)
        if self._kept is not None:
            with self._lock:
                self._kept[key] = kept
        return kept

    def clear(self) -> None:
        if self._kept is not None:
            with self._lock:
                self._kept.clear()


class KeptExtension(Extension):
    """``{% kept "name" %}…{% endkept %}``: a part of a template that depends on
    nothing but the language (translated words, links to fixed pages, asset URLs) is
    rendered once per language and kept by the app; more names after the first, from
    a small set of values, make more copies. Every page pays the layout's chrome: a few
    dozen translations and URLs, each looked up through Flask's and Flask-Babel's
    request state. Not kept in debug mode (assets change while one works)."""

    tags = {"kept"}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        names = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            names.append(parser.parse_expression())
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        call = self.call_method("_kept", [nodes.Tuple(names, "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _kept(self, names: tuple[Hashable, ...], caller: Callable[[], str]) -> str:
        if current_app.debug:
            return caller()
        return kept_per_language(KEPT, names, caller)


def init_app(app: Flask) -> None:
    app.extensions[KEY] = FragmentCache(int(app.config.get("CATALOG_FRAGMENT_CACHE_SIZE", 20_000)))
    app.add_template_global(cards_html, "cards")
    app.jinja_env.add_extension(KeptExtension)


#: cards in a page's first row: their pictures are loaded at once, and first
FIRST_ROW = 4


def cards_html(cards: Sequence[Card], lang: str) -> Markup:
    """A page's product cards, each rendered once per card, language and place (in the
    page's first row or not) and kept. Written here rather than as a Jinja macro: on
    the long tail most cards are seen once, and the macro's machinery cost several
    times the card itself; the page's cards in one call, as its cache and kit are
    looked up once."""
    cache = fragment_cache()
    kit = None
    out = []
    for i, card in enumerate(cards):
        first = i < FIRST_ROW
        key = ("card", lang, first, card)
        html = cache.get(key)
        if html is None:
            kit = kit or _kit()
            html = cache.put(key, _card(card, kit, first))
        out.append(html)
    return Markup("".join(out))  # noqa: S704 (cards, every value escaped)


@dataclass(frozen=True, slots=True)
class _CardKit:
    """What every card of a language shows alike: its words, the start of its links,
    the picture a product without one gets. Looked up through Flask's and
    Flask-Babel's request state for each card, they were half of a card's cost."""

    lang: str
    product_url: Callable[[str], str]
    media_prefix: str
    translations: object
    women_led: str
    sold_out: str
    cash_on_delivery: str
    no_photo: Markup


def _kit() -> _CardKit:
    """The card kit of the page's language, made once per language and script root."""
    return kept_per_language(KITS, None, _made_kit)


def _made_kit() -> _CardKit:
    return _CardKit(
        lang=current_language(),
        product_url=url_builder("shop.product", "slug"),
        media_prefix=media_prefix(),
        translations=get_translations(),
        women_led=f' · <span class="badge">{escape(_("Women-led"))}</span>',
        sold_out=f'<span class="badge sold-out">{escape(_("Sold out"))}</span>',
        cash_on_delivery=(
            f'<span class="pay-on-delivery">{escape(_("Pay cash on delivery"))}</span>'
        ),
        no_photo=Markup(
            '<img class="no-photo" src="{}" alt="" width="320" height="320" loading="lazy">'
        ).format(url_for("static", filename="img/no-photo.svg")),
    )


def _card(card: Card, kit: _CardKit, first: bool) -> str:
    picture = (
        picture_html(
            card.photo,
            card.image_width,
            card.image_height,
            CARD_SIZES,
            CARD_WIDTHS,
            first=first,
            shown=card.image,
            prefix=kit.media_prefix,
        )
        if card.image
        else kit.no_photo
    )
    price = card.price
    cod = kit.cash_on_delivery if not card.sold_out and payments.cash_on_delivery(price) else ""
    lang = kit.lang
    # f-strings with every value escaped: Markup.format's machinery cost more than the
    # rest of the card
    return (
        f'<li class="card"><a href="{escape(kit.product_url(card.slug))}">'
        f'{picture}<span class="title">{localised(card, "title", lang=lang)}</span></a>'
        f'<span class="coop">{localised(card, "cooperative", lang=lang)}'
        f"{kit.women_led if card.women_led else ''}</span>"
        f'<span class="price">{money_html(price, lang)} <small>· '
        f"{escape(quantity(card.net_quantity, card.unit, lang, kit.translations))}</small>"
        f"</span>{cod}{kit.sold_out if card.sold_out else ''}</li>"
    )


def facet_block(
    *,
    query: ProductQuery,
    result: SearchResult,
    categories: Sequence[CategoryNode],
    category_counts: dict[int, int],
    region: Region | None,
    category: CategoryNode | None,
) -> Markup:
    """The facet block of a listing (the filters' form), kept under what it shows: the
    language, the page it submits to, the filters chosen, every count and the
    categories' names."""
    lang = current_language()
    chosen_category = request.args.get("cat")
    key = (
        "facets",
        lang,
        request.endpoint,
        tuple(sorted((request.view_args or {}).items())),
        replace(query, page=1, per_page=0),
        chosen_category,
        region.code if region is not None else None,
        category.id if category is not None else None,
        tuple((kind, tuple(values)) for kind, values in sorted(result.facets.items())),
        tuple(sorted(category_counts.items())),
        tuple((c.id, c.parent_id, c.slug, c.name(lang)) for c in categories),
    )
    return fragment_cache().get_or_render(
        key,
        lambda: _facet_form(
            _facet_kit(),
            action=url_for(request.endpoint or "", **(request.view_args or {})),
            query=query,
            facets=result.facets,
            categories=categories,
            category_counts=category_counts,
            chosen_category=chosen_category,
            region=region,
            category=category,
        ),
    )


@dataclass(frozen=True, slots=True)
class _FacetKit:
    """The facet block's words in a language, escaped; written in Python rather than
    as a template, like the cards: on the long tail most blocks are rendered once, and
    a template's dozens of calls (a translation, a number, a label each) were most of
    their cost."""

    lang: str
    words: dict[str, str]
    regions: dict[str, str]
    certificates: dict[str, str]
    price_bands: dict[str, str]
    sorts: tuple[tuple[str, str], ...]


FACET_KITS = "taawun_facet_kits"


def _facet_kit() -> _FacetKit:
    return kept_per_language(FACET_KITS, None, _made_facet_kit)


def _made_facet_kit() -> _FacetKit:
    lang = current_language()
    words = {
        "filters": _("Filters"),
        "region": _("Region"),
        "all_regions": _("All regions"),
        "category": _("Category"),
        "all_categories": _("All categories"),
        "subcategories": _("Subcategories"),
        "certificate": _("Certificate"),
        "any": _("Any"),
        "price": _("Price"),
        "any_price": _("Any price"),
        "cooperative": _("Cooperative"),
        "women_led": _("Women-led"),
        "sort_by": _("Sort by"),
        "apply": _("Apply"),
    }
    return _FacetKit(
        lang=lang,
        words={k: str(escape(v)) for k, v in words.items()},
        regions={r.code: str(escape(r.name(lang))) for r in regions_data.regions()},
        certificates={k: str(escape(str(v))) for k, v in CERTIFICATE_KINDS.items()},
        price_bands={k: str(escape(str(v))) for k, v in PRICE_BANDS.items()},
        sorts=tuple((k, str(escape(str(v)))) for k, v in SORTS.items()),
    )


def _facet_form(
    kit: _FacetKit,
    *,
    action: str,
    query: ProductQuery,
    facets: dict[str, list[FacetValue]],
    categories: Sequence[CategoryNode],
    category_counts: dict[int, int],
    chosen_category: str | None,
    region: Region | None,
    category: CategoryNode | None,
) -> str:
    words, lang = kit.words, kit.lang

    def count(n: int) -> str:
        return f' <span class="n">({number(n, lang=lang)})</span>'

    def fieldset(legend: str, body: str) -> str:
        return f"<fieldset><legend>{words[legend]}</legend>{body}</fieldset>"

    def select(name: str, legend: str, options: Iterable[tuple[str, str, bool]]) -> str:
        """A choice among ``(value, text, chosen)``, both escaped."""
        listed = "".join(
            f'<option value="{value}"{" selected" if chosen else ""}>{text}</option>'
            for value, text, chosen in options
        )
        return fieldset(
            legend, f'<select name="{name}" aria-label="{words[legend]}">{listed}</select>'
        )

    def choices(
        name: str,
        legend: str,
        values: list[FacetValue],
        names: dict[str, str],
        chosen: str | None,
        none: str,
    ) -> str:
        # a value the block has no name for (a region or label since removed) is not offered
        rows = "".join(
            f'<label><input type="radio" name="{name}" value="{escape(f.value)}"'
            f"{' checked' if chosen == f.value else ''}> {names[f.value]}{count(f.count)}</label>"
            for f in values
            if f.value in names
        )
        if chosen:
            rows += f'<label><input type="radio" name="{name}" value=""> {words[none]}</label>'
        return fieldset(legend, rows)

    out = [
        f'<form class="facets" id="filters" method="get" action="{escape(action)}"'
        f' aria-label="{words["filters"]}">'
    ]
    if query.text:
        out.append(f'<input type="hidden" name="q" value="{escape(query.text)}">')
    if region is None:
        regions = facets.get("region", [])
        out.append(
            choices("region", "region", regions, kit.regions, query.region_code, "all_regions")
        )
    if category is None:
        named = (
            (
                str(escape(c.slug)),
                f"{'— ' if c.parent_id else ''}{escape(c.name(lang))} ({number(n, lang=lang)})",
                chosen_category == c.slug,
            )
            for c in categories
            if (n := category_counts.get(c.id))
        )
        out.append(select("cat", "category", [("", words["all_categories"], False), *named]))
    elif subs := [c for c in categories if c.parent_id == category.id]:
        kept: dict[str, Any] = kept_filters(query)
        links = "".join(
            f'<li><a href="{escape(url_for("shop.category", slug=c.slug, **kept))}">'
            f"{escape(c.name(lang))}</a>{count(n)}</li>"
            for c in subs
            if (n := category_counts.get(c.id))
        )
        out.append(fieldset("subcategories", f"<ul>{links}</ul>"))
    women = facets.get("women_led")
    certificates, prices = facets.get("certificate", []), facets.get("price", [])
    out += [
        choices("cert", "certificate", certificates, kit.certificates, query.certificate, "any"),
        choices("price", "price", prices, kit.price_bands, query.price_band, "any_price"),
        fieldset(
            "cooperative",
            f'<label><input type="checkbox" name="women" value="1"'
            f"{' checked' if query.women_led else ''}> {words['women_led']}"
            f"{count(women[0].count if women else 0)}</label>",
        ),
        select("sort", "sort_by", ((key, text, query.sort == key) for key, text in kit.sorts)),
        f'<button type="submit">{words["apply"]}</button></form>',
    ]
    return "".join(out)


def kept_filters(query: ProductQuery) -> dict[str, str]:
    """The filters of ``query`` other than its category (and its sort) as query
    arguments, for links to another category's listing."""
    kept = {
        "region": query.region_code or "",
        "cert": query.certificate or "",
        "price": query.price_band or "",
        "women": "1" if query.women_led else "",
        "sort": "" if query.sort == Sort.RELEVANCE else str(query.sort),
    }
    return {k: v for k, v in kept.items() if v}


def fragment_cache() -> FragmentCache:
    cache: FragmentCache = current_app.extensions[KEY]
    return cache
