"""The operator console (``/admin``)."""

from storefront.admin import freight, messages_desk, money
from storefront.admin.views import bp

__all__ = ["bp", "freight", "messages_desk", "money"]
