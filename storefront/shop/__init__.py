"""Browsing the catalog: home, categories, regions, search, products, cooperatives."""

from storefront.shop.views import bp

__all__ = ["bp"]
