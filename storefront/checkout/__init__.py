from storefront.checkout.views import bp

__all__ = ["bp"]
