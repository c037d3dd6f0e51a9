"""The operator console (``/admin``)."""

from storefront.admin import basket_jobs, freight, messages_desk, money, orders_desk
from storefront.admin.views import bp

__all__ = ["basket_jobs", "bp", "freight", "messages_desk", "money", "orders_desk"]
