from storefront.cart.views import bp

__all__ = ["bp"]
