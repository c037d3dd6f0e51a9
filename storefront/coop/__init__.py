"""The cooperative back office (``/back-office``) and the public pages to join
(``/join``): profile, members, listings, photos, certificates, CSV import and export,
fulfilment and reports."""

from storefront.coop import fulfilment, reports
from storefront.coop.signup import bp as join_bp
from storefront.coop.views import bp

__all__ = ["bp", "fulfilment", "join_bp", "reports"]
