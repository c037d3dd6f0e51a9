from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from catalog.audit import Actor, AuditEntry
from catalog.errors import InvalidInput, InvalidState
from catalog.listings import (
    Listing,
    add_image,
    check_listing,
    create_product,
    duplicate_product,
    low_stock,
    publish_product,
    remove_image,
    unpublish_product,
    update_product,
)
from catalog.models import CooperativeStatus, Product, ProductStatus
from catalog.moderation import suspend_product
from tests.conftest import NOW

ME = Actor(7, "amina@example.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(ME, Actor(1, "operator@taawun.ma"))


def listing(category, **kw) -> Listing:
    values = {"title_fr": "Huile d'argan 250 ml", "category_id": category.id, "price_minor": 12_000}
    values.update(kw)
    return Listing(**values)


def codes(exc) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in exc.value.problems}


def test_a_new_listing_is_a_draft_with_the_next_free_sku(make, session) -> None:
    coop, cat = make.cooperative(), make.category()
    product = create_product(session, coop, listing(cat), actor=ME, now=NOW)
    assert (product.sku, product.status, product.sellable) == ("P-0001", ProductStatus.DRAFT, False)
    assert product.slug.startswith(f"huile-d-argan-250-ml-{coop.id}-p-0001")
    second = create_product(session, coop, listing(cat), actor=ME, now=NOW)
    assert second.sku == "P-0002" and second.slug != product.slug
    entry = session.scalar(select(AuditEntry).where(AuditEntry.object_id == product.id))
    assert (entry.action, entry.actor_id, entry.cooperative_id) == ("product.create", 7, coop.id)


def test_arabic_and_english_fall_back_to_french(make, session) -> None:
    coop, cat = make.cooperative(), make.category()
    product = create_product(
        session,
        coop,
        listing(cat, title_ar="زيت أركان", description_fr="Pressée à froid."),
        actor=ME,
        now=NOW,
    )
    assert product.title("ar") == "زيت أركان"
    assert product.title("en") == "Huile d'argan 250 ml"
    assert product.description("ar") == "Pressée à froid."


def test_every_problem_is_reported_at_once_and_nothing_is_created(make, session) -> None:
    coop = make.cooperative()
    with pytest.raises(InvalidInput) as exc:
        create_product(
            session,
            coop,
            Listing(
                title_fr=" ",
                category_id=999_999,
                price_minor=0,
                sku="bad sku!",
                unit="kg",
                net_quantity=0,
                on_hand=-1,
                made_to_order=True,
                units_per_day=0,
            ),
            actor=ME,
            now=NOW,
        )
    assert codes(exc) == {
        ("title_fr", "required"),
        ("category", "unknown_category"),
        ("price", "not_positive"),
        ("sku", "sku_format"),
        ("unit", "unknown_unit"),
        ("net_quantity", "out_of_range"),
        ("on_hand", "out_of_range"),
        ("units_per_day", "required_for_made_to_order"),
    }
    assert session.scalar(select(Product)) is None
    assert session.scalar(select(AuditEntry)) is None


def test_a_price_above_the_category_cap_names_the_cap(make, session) -> None:
    masks = make.category("masques", max_price_minor=600)
    with pytest.raises(InvalidInput) as exc:
        create_product(
            session, make.cooperative(), listing(masks, price_minor=650), actor=ME, now=NOW
        )
    [problem] = exc.value.problems
    assert (problem.field, problem.code) == ("price", "price_above_cap")
    assert problem.data["cap_minor"] == 600


def test_the_cap_of_a_parent_category_applies(make) -> None:
    textile = make.category(max_price_minor=600)
    masks = make.category(parent=textile)
    problems = check_listing(listing(masks, price_minor=601), masks)
    assert [(p.field, p.code) for p in problems] == [("price", "price_above_cap")]


def test_a_sku_is_unique_within_a_cooperative_only(make, session) -> None:
    cat = make.category()
    a, b = make.cooperative(), make.cooperative()
    create_product(session, a, listing(cat, sku="ARG-250"), actor=ME, now=NOW)
    create_product(session, b, listing(cat, sku="ARG-250"), actor=ME, now=NOW)
    with pytest.raises(InvalidInput) as exc:
        create_product(session, a, listing(cat, sku="ARG-250"), actor=ME, now=NOW)
    assert codes(exc) == {("sku", "sku_taken")}


def test_editing_records_what_changed(make, session) -> None:
    coop, cat = make.cooperative(), make.category()
    product = create_product(session, coop, listing(cat, sku="A-1"), actor=ME, now=NOW)
    diff = update_product(
        session, product, listing(cat, sku="", price_minor=13_000, on_hand=4), actor=ME, now=NOW
    )
    assert diff == {"price_minor": [12_000, 13_000]}, "the shelf count changes only by CAS"
    assert product.on_hand == 0
    assert product.sku == "A-1", "an empty SKU keeps the current one"
    assert update_product(session, product, Listing.of(product), actor=ME, now=NOW) == {}
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["product.create", "product.update"]


def test_a_rejected_edit_changes_nothing(make, session) -> None:
    coop, cat = make.cooperative(), make.category(max_price_minor=1_000)
    product = make.product(coop, cat, price_minor=900)
    with pytest.raises(InvalidInput):
        update_product(
            session, product, listing(cat, price_minor=5_000, title_fr="X"), actor=ME, now=NOW
        )
    session.refresh(product)
    assert (product.price_minor, product.title_fr) == (900, product.title_fr)


def test_publishing_sells_only_what_nothing_else_blocks(make, session) -> None:
    food = make.category(required_kinds=["onssa"])
    pending = make.cooperative(status=CooperativeStatus.PENDING)
    product = create_product(session, pending, listing(food), actor=ME, now=NOW)
    problems = publish_product(session, product, actor=ME, now=NOW)
    assert product.status == ProductStatus.PUBLISHED and not product.sellable
    assert [p.code for p in problems] == ["cooperative_not_verified", "missing_certificates"]
    pending.status = CooperativeStatus.VERIFIED
    make.certificate(pending, "onssa")
    assert publish_product(session, product, actor=ME, now=NOW) == []
    assert product.sellable
    unpublish_product(session, product, actor=ME, now=NOW)
    assert product.status == ProductStatus.UNPUBLISHED and not product.sellable


def test_a_suspended_listing_cannot_be_published_by_its_cooperative(make, session) -> None:
    product = make.product()
    suspend_product(session, product, "Photo trompeuse", actor=Actor(1), now=NOW)
    with pytest.raises(InvalidState):
        publish_product(session, product, actor=ME, now=NOW)
    with pytest.raises(InvalidState):
        unpublish_product(session, product, actor=ME, now=NOW)
    assert product.status == ProductStatus.SUSPENDED


def test_duplicating_makes_a_draft_copy_with_its_own_sku(make, session) -> None:
    product = make.product(sku="MASK-1", on_hand=40)
    add_image(
        session,
        product,
        filename="a" * 32 + ".jpg",
        thumbnail="a" * 32 + "-t.jpg",
        width=800,
        height=600,
        actor=ME,
        now=NOW,
    )
    copy = duplicate_product(session, product, actor=ME, now=NOW)
    again = duplicate_product(session, product, actor=ME, now=NOW)
    assert (copy.sku, again.sku) == ("MASK-1-COPY", "MASK-1-COPY2")
    assert copy.status == ProductStatus.DRAFT and copy.available == 0
    assert copy.title_fr == product.title_fr and copy.price_minor == product.price_minor
    assert [i.filename for i in copy.images] == [i.filename for i in product.images]


def test_a_shared_photo_file_is_kept_until_its_last_listing_drops_it(make, session) -> None:
    product = make.product()
    name, thumb = "b" * 32 + ".jpg", "b" * 32 + "-t.jpg"
    add_image(
        session, product, filename=name, thumbnail=thumb, width=1, height=1, actor=ME, now=NOW
    )
    copy = duplicate_product(session, product, actor=ME, now=NOW)
    assert remove_image(session, copy, copy.images[0], actor=ME, now=NOW) == []
    assert remove_image(session, product, product.images[0], actor=ME, now=NOW) == [name, thumb]


def test_at_most_eight_photos(make, session) -> None:
    product = make.product()
    for i in range(8):
        add_image(
            session,
            product,
            filename=f"{i:032x}.jpg",
            thumbnail="",
            width=1,
            height=1,
            actor=ME,
            now=NOW,
        )
    with pytest.raises(InvalidInput) as exc:
        add_image(
            session,
            product,
            filename="f" * 32 + ".jpg",
            thumbnail="",
            width=1,
            height=1,
            actor=ME,
            now=NOW,
        )
    assert codes(exc) == {("image", "too_many_images")}


def test_low_stock_warns_about_published_stocked_listings_only(make) -> None:
    coop = make.cooperative()
    low = make.product(coop, on_hand=2, low_stock_threshold=5)
    make.product(coop, on_hand=50)
    make.product(coop, on_hand=0, made_to_order=True, units_per_day=10)
    make.product(coop, on_hand=1, status=ProductStatus.DRAFT)
    make.product(on_hand=0)  # another cooperative's
    assert low_stock(make.session, coop.id) == [low]


def test_made_to_order_fields_are_cleared_for_stocked_products(make, session) -> None:
    coop, cat = make.cooperative(), make.category()
    product = create_product(
        session,
        coop,
        listing(cat, made_to_order=False, units_per_day=300, lead_days=2),
        actor=ME,
        now=NOW,
    )
    assert (product.units_per_day, product.lead_days) == (0, 0)
    assert NOW.tzinfo is UTC and isinstance(product.created_at, datetime)
