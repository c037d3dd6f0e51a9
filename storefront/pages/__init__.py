"""Static information pages: the privacy notice (law 09-08), and the pages where a
person downloads or erases their personal data."""

from storefront.pages.data_requests import bp as data_requests_bp
from storefront.pages.views import bp

__all__ = ["bp", "data_requests_bp"]
