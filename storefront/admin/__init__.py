"""The operator console (``/admin``)."""

from storefront.admin import messages_desk, money
from storefront.admin.views import bp

__all__ = ["bp", "messages_desk", "money"]
