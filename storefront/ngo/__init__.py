"""Solidarity baskets in the storefront: the organisation area (``/ngo``), the public
traceability page of each basket (``/t/<serial>``) and the cooperatives' view of
their basket purchase orders (``/back-office/baskets``)."""

from storefront.ngo import progress, receiving
from storefront.ngo.cooperative import bp as supply_bp
from storefront.ngo.trace import bp as trace_bp
from storefront.ngo.views import bp

__all__ = ["bp", "progress", "receiving", "supply_bp", "trace_bp"]
