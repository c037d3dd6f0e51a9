from storefront.orders import commands  # noqa: F401  (registers `flask orders ...`)
from storefront.orders.views import bp

__all__ = ["bp"]
