"""Sign up, log in, log out, password reset, profile."""

from storefront.account.views import bp

__all__ = ["bp"]
