"""Browsing the catalog: home, categories, regions, search, products, cooperatives."""

from storefront.shop.views import bp, site_bp

__all__ = ["bp", "site_bp"]
