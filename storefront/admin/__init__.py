"""The operator console (``/admin``)."""

from storefront.admin import money
from storefront.admin.views import bp

__all__ = ["bp", "money"]
