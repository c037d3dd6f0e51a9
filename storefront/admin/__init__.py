"""The operator console (``/admin``)."""

from storefront.admin import basket_jobs, claims_desk, freight, messages_desk, money, orders_desk
from storefront.admin.views import bp

__all__ = ["basket_jobs", "bp", "claims_desk", "freight", "messages_desk", "money", "orders_desk"]
