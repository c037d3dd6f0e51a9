"""What search engines and link previews read on public pages: schema.org data
(JSON-LD) for products and cooperatives. Rendered with ``|tojson`` in a
``<script type="application/ld+json">`` block, which escapes anything that could
close the element."""

from __future__ import annotations

from typing import Any

from flask import url_for

from catalog import regions as regions_data
from catalog import stock
from catalog.models import Cooperative, Product
from catalog.search import CategoryNode

SCHEMA = "https://schema.org"


def availability(product: Product) -> str:
    """schema.org's word for what a shopper can do now: buy from the shelf, order it
    made, or nothing."""
    if product.sold_out:
        return f"{SCHEMA}/OutOfStock"
    if stock.available_now(product) > 0:
        return f"{SCHEMA}/InStock"
    return f"{SCHEMA}/MadeToOrder"


def cooperative_data(coop: Cooperative, lang: str) -> dict[str, Any]:
    region = regions_data.region(coop.region_code)
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Organization",
        "name": coop.name(lang),
        "url": url_for("shop.cooperative", slug=coop.slug, _external=True),
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "MA",
            **({"addressLocality": coop.city} if coop.city else {}),
            **({"addressRegion": region.name(lang)} if region else {}),
        },
    }
    if coop.story(lang):
        data["description"] = coop.story(lang)
    if coop.founded_year:
        data["foundingDate"] = str(coop.founded_year)
    return data


def product_data(product: Product, category: CategoryNode, lang: str) -> dict[str, Any]:
    url = url_for("shop.product", slug=product.slug, _external=True)
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": product.title(lang),
        "sku": product.sku,
        "url": url,
        "category": category.name(lang),
        "brand": {"@type": "Brand", "name": product.cooperative.name(lang)},
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str(product.price.decimal),
            "priceCurrency": product.currency,
            "availability": availability(product),
            "itemCondition": f"{SCHEMA}/NewCondition",
            "seller": {
                "@type": "Organization",
                "name": product.cooperative.name(lang),
                "url": url_for("shop.cooperative", slug=product.cooperative.slug, _external=True),
            },
        },
    }
    if product.description(lang):
        data["description"] = product.description(lang)
    images = [
        url_for("site.media", filename=image.filename, _external=True) for image in product.images
    ]
    if images:
        data["image"] = images
    return data
