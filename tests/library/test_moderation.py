import pytest
from sqlalchemy import select

from catalog import audit
from catalog.audit import Actor, AuditEntry
from catalog.categories import CategoryDraft, save_category
from catalog.errors import InvalidInput, InvalidState
from catalog.models import CooperativeStatus, ProductStatus
from catalog.moderation import (
    reinstate,
    reinstate_product,
    suspend,
    suspend_product,
    verify,
)
from tests.conftest import NOW

OPERATOR = Actor(1, "operator@taawun.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(OPERATOR)


def test_verifying_a_cooperative_puts_its_published_listings_on_sale(make, session) -> None:
    coop = make.cooperative(status=CooperativeStatus.PENDING)
    product = make.product(coop)
    assert not product.sellable
    verify(session, coop, actor=OPERATOR, now=NOW)
    assert coop.status == CooperativeStatus.VERIFIED and coop.verified_at == NOW
    assert product.sellable
    with pytest.raises(InvalidState):
        verify(session, coop, actor=OPERATOR, now=NOW)


def test_a_suspension_needs_a_reason_and_stops_every_listing(make, session) -> None:
    coop = make.cooperative()
    products = [make.product(coop) for _ in range(3)]
    with pytest.raises(InvalidInput) as exc:
        suspend(session, coop, "   ", actor=OPERATOR, now=NOW)
    assert [(p.field, p.code) for p in exc.value.problems] == [("reason", "required")]
    suspend(session, coop, "ICE non conforme", actor=OPERATOR, now=NOW)
    assert (coop.status, coop.status_reason) == (CooperativeStatus.SUSPENDED, "ICE non conforme")
    assert not any(p.sellable for p in products)
    reinstate(session, coop, actor=OPERATOR, now=NOW)
    assert coop.status == CooperativeStatus.VERIFIED and all(p.sellable for p in products)
    log = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert log == ["cooperative.suspend", "cooperative.reinstate"]


def test_a_suspended_listing_is_reinstated_by_the_operator(make, session) -> None:
    product = make.product()
    suspend_product(session, product, "Allégation de santé interdite", actor=OPERATOR, now=NOW)
    assert product.status == ProductStatus.SUSPENDED and not product.sellable
    with pytest.raises(InvalidState):
        suspend_product(session, product, "encore", actor=OPERATOR, now=NOW)
    reinstate_product(session, product, actor=OPERATOR, now=NOW)
    assert product.status == ProductStatus.PUBLISHED and product.sellable
    entries, total = audit.entries(session, cooperative_id=product.cooperative_id)
    assert total == 2 and entries[0].action == "product.reinstate"
    assert entries[1].details["reason"] == "Allégation de santé interdite"


def test_a_new_price_cap_stops_listings_above_it(make, session) -> None:
    textile = make.category("textile")
    masks = make.category("masques", parent=textile)
    cheap, dear = (
        make.product(category=masks, price_minor=500),
        make.product(category=masks, price_minor=900),
    )
    draft = CategoryDraft(slug="textile", name_fr="Textile", max_unit_price_minor=600)
    category, changed = save_category(session, textile, draft, actor=OPERATOR, now=NOW)
    assert changed == 1 and cheap.sellable and not dear.sellable
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "category.update"))
    assert entry.details["max_unit_price_minor"] == [None, 600]


def test_a_required_certificate_kind_stops_listings_without_it(make, session) -> None:
    food = make.category("alimentation")
    coop = make.cooperative()
    product = make.product(coop, food)
    save_category(
        session,
        food,
        CategoryDraft(slug="alimentation", name_fr="Alimentation", required_kinds=("onssa",)),
        actor=OPERATOR,
        now=NOW,
    )
    assert not product.sellable
    _, changed = save_category(
        session,
        food,
        CategoryDraft(slug="alimentation", name_fr="Alimentation"),
        actor=OPERATOR,
        now=NOW,
    )
    assert changed == 1 and product.sellable and food.rule is None


def test_category_input_is_checked(make, session) -> None:
    parent = make.category("artisanat")
    child = make.category("tapis", parent=parent)
    with pytest.raises(InvalidInput) as exc:
        save_category(
            session,
            parent,
            CategoryDraft(
                slug="Tapis Rbati!",
                name_fr="",
                parent_id=child.id,
                required_kinds=("fake",),
                max_unit_price_minor=0,
            ),
            actor=OPERATOR,
            now=NOW,
        )
    assert {(p.field, p.code) for p in exc.value.problems} == {
        ("slug", "slug_format"),
        ("name_fr", "required"),
        ("parent_id", "parent_cycle"),
        ("required_kinds", "unknown_kind"),
        ("max_unit_price_minor", "not_positive"),
    }
    with pytest.raises(InvalidInput) as exc:
        save_category(
            session, None, CategoryDraft(slug="tapis", name_fr="T"), actor=OPERATOR, now=NOW
        )
    assert [p.code for p in exc.value.problems] == ["slug_taken"]


def test_a_new_category_is_logged(session) -> None:
    category, changed = save_category(
        session,
        None,
        CategoryDraft(slug="savons", name_fr="Savons", name_ar="صابون"),
        actor=OPERATOR,
        now=NOW,
    )
    assert changed == 0 and category.id is not None and category.name("ar") == "صابون"
    assert session.scalar(select(AuditEntry.action)) == "category.create"
