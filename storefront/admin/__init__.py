"""The operator console (``/admin``)."""

from storefront.admin import freight, messages_desk, money, orders_desk
from storefront.admin.views import bp

__all__ = ["bp", "freight", "messages_desk", "money", "orders_desk"]
