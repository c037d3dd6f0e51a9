from datetime import timedelta

import pytest

from catalog.errors import PriceAboveCap
from catalog.models import CertificateStatus, CooperativeStatus, ProductStatus
from catalog.money import Money
from catalog.rules import check_price, problems, refresh_products
from tests.conftest import TODAY


def test_a_published_product_of_a_verified_cooperative_is_sold(make) -> None:
    assert make.product().sellable


def test_an_unverified_cooperative_sells_nothing(make) -> None:
    p = make.product(coop=make.cooperative(status=CooperativeStatus.PENDING))
    assert not p.sellable
    assert [x.code for x in problems(p, TODAY)] == ["cooperative_not_verified"]


def test_a_draft_is_not_sold(make) -> None:
    assert not make.product(status=ProductStatus.DRAFT).sellable


def test_masks_need_a_verified_unexpired_imanor_certificate(make, session) -> None:
    masks = make.category("masques", required_kinds=["imanor_mask"], max_price_minor=600)
    coop = make.cooperative()
    p = make.product(coop, masks, price_minor=600)
    assert not p.sellable
    assert problems(p, TODAY)[0].data == {"kinds": ["imanor_mask"]}

    cert = make.certificate(coop, "imanor_mask", status=CertificateStatus.PENDING)
    refresh_products(session, TODAY, product_ids=[p.id])
    assert not p.sellable, "a pending certificate does not count"

    cert.status = CertificateStatus.VERIFIED
    refresh_products(session, TODAY, product_ids=[p.id])
    assert p.sellable
    assert [label.kind for label in p.labels] == ["imanor_mask"]

    refresh_products(session, cert.expires_on + timedelta(days=1), product_ids=[p.id])
    assert not p.sellable, "expiry unpublishes"
    assert p.labels == []


def test_rules_of_a_parent_category_apply_to_its_children(make, session) -> None:
    food = make.category("food", required_kinds=["onssa"])
    honey = make.category("honey", parent=food)
    coop = make.cooperative()
    p = make.product(coop, honey)
    assert not p.sellable
    make.certificate(coop, "onssa")
    refresh_products(session, TODAY, cooperative_ids=[coop.id])
    assert p.sellable


def test_a_product_certificate_covers_only_its_product(make, session) -> None:
    masks = make.category(required_kinds=["imanor_mask"])
    coop = make.cooperative()
    a, b = make.product(coop, masks, price_minor=500), make.product(coop, masks, price_minor=500)
    make.certificate(coop, "imanor_mask", product_id=a.id)
    refresh_products(session, TODAY, cooperative_ids=[coop.id])
    assert a.sellable and not b.sellable


def test_price_above_the_cap_is_refused_with_the_cap(make) -> None:
    masks = make.category(max_price_minor=600)
    with pytest.raises(PriceAboveCap) as err:
        check_price(masks, Money(650))
    assert err.value.data == {"cap_minor": 600, "price_minor": 650, "category": masks.slug}
    check_price(masks, Money(600))


def test_a_product_over_the_cap_is_not_sold(make) -> None:
    p = make.product(category=make.category(max_price_minor=600), price_minor=700)
    assert [x.code for x in problems(p, TODAY)] == ["price_above_cap"]
    assert not p.sellable


def test_suspending_a_cooperative_unpublishes_its_products(make, session) -> None:
    coop = make.cooperative()
    p = make.product(coop)
    coop.status = CooperativeStatus.SUSPENDED
    assert refresh_products(session, TODAY, cooperative_ids=[coop.id]) == 1
    assert not p.sellable
