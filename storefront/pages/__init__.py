"""Static information pages: the privacy notice (law 09-08)."""

from storefront.pages.views import bp

__all__ = ["bp"]
