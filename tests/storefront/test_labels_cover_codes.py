"""Each table of words the pages look codes up in names every value of its code: a
status, kind or method added to a library is named before a page can show it raw."""

from __future__ import annotations

from enum import StrEnum

import pytest

from catalog.models import (
    CertificateKind,
    CertificateStatus,
    CooperativeStatus,
    ProductStatus,
    Sector,
)
from orders import carriers
from orders.desk import Queue
from orders.ledger import BatchStatus, EntryKind
from orders.shipping import ShippingZone
from orders.status import DeliveryOption, EventKind, FulfilmentStatus, OrderStatus, PaymentMethod
from solidarity_baskets.models import QuoteStatus
from storefront import labels
from storefront.ngo.helpers import QUOTE_STATUSES
from storefront.orders import messages


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (labels.CERTIFICATE_KINDS, CertificateKind),
        (labels.CERTIFICATE_STATUSES, CertificateStatus),
        (labels.COOPERATIVE_STATUSES, CooperativeStatus),
        (labels.PRODUCT_STATUSES, ProductStatus),
        (labels.SECTORS, Sector),
        (labels.CARRIERS, carriers.CARRIERS),
        (labels.PART_STATUSES, FulfilmentStatus),
        (labels.ORDER_QUEUES, Queue),
        (labels.LEDGER_KINDS, EntryKind),
        (labels.PAYOUT_BATCH_STATUSES, BatchStatus),
        (messages.ORDER_STATUS, OrderStatus),
        (messages.PART_STATUS, FulfilmentStatus),
        (messages.PAYMENT_METHODS, PaymentMethod),
        (messages.DELIVERY_OPTIONS, DeliveryOption),
        (messages.ZONES, ShippingZone),
        (messages.EVENTS, EventKind),
        (QUOTE_STATUSES, QuoteStatus),
    ],
)
def test_every_code_has_its_words(table, codes) -> None:
    values = [c.value if isinstance(c, StrEnum) else c for c in codes]
    assert [v for v in values if v not in table] == []


def test_the_history_check_finds_what_would_show_raw() -> None:
    """The check every test runs on the history entries it writes (tests/conftest.py)."""
    from tests.audit_words import raw_parts

    assert raw_parts("product.stock", {"sku": "A-1", "on_hand": [3, 1], "reason": "shipped"}) == []
    assert raw_parts("order.cancel", {"reason": "Plus en stock"}) == []  # typed by a person
    assert raw_parts("product.teleport", {"warp_factor": 9, "reason": "gift"}) == [
        "action product.teleport",
        "product.teleport: detail warp_factor",
    ]
    assert raw_parts("product.stock", {"reason": "gift", "source": "fax"}) == [
        "product.stock: reason=gift",
        "product.stock: source=fax",
    ]
