"""The operator console (``/admin``)."""

from storefront.admin.views import bp

__all__ = ["bp"]
