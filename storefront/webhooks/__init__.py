from storefront.webhooks.views import bp

__all__ = ["bp"]
