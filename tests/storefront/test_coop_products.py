import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from catalog import images
from catalog.audit import AuditEntry
from catalog.models import CooperativeStatus, Product, ProductImage, ProductStatus
from tests.storefront.backoffice import login, member

PRODUCT = {
    "title_fr": "Huile d'argan cosmétique",
    "title_ar": "زيت الأركان التجميلي",
    "title_en": "",
    "price": "120,50",
    "unit": "ml",
    "net_quantity": "250",
    "shipping_weight_g": "400",
    "sku": "",
    "on_hand": "30",
    "low_stock_threshold": "5",
    "units_per_day": "0",
    "lead_days": "0",
    "description_fr": "Pressée à froid.",
}


@pytest.fixture
def shop(make, session, client):
    coop = make.cooperative(name_ar="تعاونية تافوكت")
    oil = make.category("huile-argan", name_fr="Huile d'argan", name_ar="زيت الأركان")
    masks = make.category("masques", name_fr="Masques", max_price_minor=600)
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop, oil, masks


def jpeg(size=(900, 700)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def new_product(client, category, **changes):
    data = {**PRODUCT, "category_id": str(category.id), **changes}
    return client.post("/back-office/products/new", data=data)


def test_a_new_product_is_a_draft_until_published(client, session, shop) -> None:
    coop, oil, _ = shop
    response = new_product(client, oil)
    product = session.scalar(select(Product))
    assert response.headers["Location"] == f"/back-office/products/{product.id}"
    assert (product.price_minor, product.unit, product.status) == (
        12_050,
        "ml",
        ProductStatus.DRAFT,
    )
    assert product.title("ar") == "زيت الأركان التجميلي" and product.title("en") == product.title_fr
    assert client.post(f"/back-office/products/{product.id}/publish").status_code == 302
    session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED and product.sellable
    assert client.get(f"/fr/p/{product.slug}").status_code == 200


def test_a_price_above_the_cap_is_refused_naming_the_cap(client, session, shop) -> None:
    _, _, masks = shop
    page = new_product(client, masks, price="6,50", unit="piece", net_quantity="1").get_data(
        as_text=True
    )
    assert "above this category&#39;s cap of 6.00\u00a0MAD" in page
    client.set_cookie("lang", "fr")
    page = new_product(client, masks, price="6,50", unit="piece").get_data(as_text=True)
    assert "6,00\u00a0DH" in page, "in French, the cap as Moroccans write it"
    assert session.scalar(select(func.count(Product.id))) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "douze"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "12,345"}, "price"),
        ({"title_fr": ""}, "title_fr"),
        ({"on_hand": "-3"}, "on_hand"),
        ({"on_hand": "many"}, "on_hand"),
        ({"sku": "has space"}, "sku"),
        ({"unit": "kg"}, "unit"),
        ({"category_id": "999999"}, "category_id"),
        ({"made_to_order": "y", "units_per_day": "0"}, "units_per_day"),
        ({"title_fr": "x" * 201}, "title_fr"),
    ],
)
def test_bad_product_input_is_explained_and_changes_nothing(
    client, session, shop, changes, field
) -> None:
    _, oil, _ = shop
    response = new_product(client, oil, **changes)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Product.id))) == 0


def test_editing_duplicating_and_unpublishing(client, session, shop, make) -> None:
    coop, oil, _ = shop
    product = make.product(coop, oil, sku="ARG-1", on_hand=10)
    session.commit()
    page = client.get(f"/back-office/products/{product.id}").get_data(as_text=True)
    assert 'value="100.00"' in page, "the price is shown as the page's language writes it (en)"
    data = {**PRODUCT, "category_id": str(oil.id), "sku": "ARG-1", "on_hand": "3"}
    assert client.post(f"/back-office/products/{product.id}", data=data).status_code == 302
    session.refresh(product)
    assert (product.available, product.price_minor) == (3, 12_050)
    copy = client.post(f"/back-office/products/{product.id}/duplicate")
    duplicate = session.scalar(select(Product).where(Product.sku == "ARG-1-COPY"))
    assert copy.headers["Location"] == f"/back-office/products/{duplicate.id}"
    client.post(f"/back-office/products/{product.id}/unpublish")
    session.refresh(product)
    assert product.status == ProductStatus.UNPUBLISHED and not product.sellable
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["product.update", "product.stock", "product.duplicate", "product.unpublish"]


def test_a_pending_cooperative_sees_why_its_product_is_not_on_sale(client, session, shop, make):
    coop, oil, _ = shop
    coop.status = CooperativeStatus.PENDING
    product = make.product(coop, oil)
    session.commit()
    page = client.get(f"/back-office/products/{product.id}").get_data(as_text=True)
    assert "Not on sale because" in page and "not verified" in page


def test_a_photo_is_checked_resized_and_served(client, session, shop, make, app) -> None:
    coop, oil, _ = shop
    product = make.product(coop, oil)
    session.commit()
    response = client.post(
        f"/back-office/products/{product.id}/photos",
        data={"photo": (io.BytesIO(jpeg((2400, 1800))), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    image = session.scalar(select(ProductImage))
    assert (image.width, image.height) == (1200, 900)
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert (folder / image.filename).exists() and (folder / image.thumbnail).exists()
    with client.get(f"/media/{image.thumbnail}") as served:
        assert served.status_code == 200
    page = client.get("/back-office/products").get_data(as_text=True)
    small = images.derived_name(image.filename, 112, "jpg")  # its 56 px cell, at 2×
    assert f'src="/media/{small}"' in page and image.filename not in page
    assert (folder / small).exists() and (
        folder / images.derived_name(image.filename, 112, "webp")
    ).exists()

    client.post(f"/back-office/products/{product.id}/photos/{image.id}/delete")
    assert session.scalar(select(ProductImage)) is None
    assert not (folder / image.filename).exists()
    assert not (folder / small).exists(), "its copies go with it"


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"GIF89a not really", "photo.jpg", "This kind of file is not accepted"),
        (b"", "empty.jpg", "The file is empty."),
        (jpeg((100, 100)), "tiny.jpg", "The picture is too small"),
    ],
)
def test_a_bad_photo_gets_a_clear_error(client, session, shop, make, app, data, name, expected):
    coop, oil, _ = shop
    product = make.product(coop, oil)
    session.commit()
    response = client.post(
        f"/back-office/products/{product.id}/photos",
        data={"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert expected in response.get_data(as_text=True)
    assert session.scalar(select(ProductImage)) is None
    folder = Path(app.config["UPLOAD_FOLDER"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_too_large_upload_is_a_clear_413(client, shop, make, session, app) -> None:
    coop, oil, _ = shop
    product = make.product(coop, oil)
    session.commit()
    app.config["MAX_CONTENT_LENGTH"] = 10_000  # the same rule as the real 8 MB, cheaper
    response = client.post(
        f"/back-office/products/{product.id}/photos",
        data={"photo": (io.BytesIO(jpeg()), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_low_stock_is_on_the_dashboard(client, session, shop, make) -> None:
    coop, oil, _ = shop
    make.product(coop, oil, title_fr="Presque fini", on_hand=2, low_stock_threshold=5)
    make.product(coop, oil, title_fr="Bien fourni", on_hand=50)
    session.commit()
    page = client.get("/back-office/").get_data(as_text=True)
    section = page[page.index('id="low-stock"') :]
    assert "Presque fini" in section and "Bien fourni" not in section


def test_the_back_office_speaks_arabic_right_to_left(client, session, shop, make) -> None:
    coop, oil, _ = shop
    make.product(coop, oil, title_ar="زيت الأركان", title_fr="Huile")
    session.commit()
    client.get("/lang/ar")
    page = client.get("/back-office/products").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تعاونية تافوكت" in page and "زيت الأركان" in page
    assert re.search(r'<bdi class="money" dir="rtl">100,00\u00a0د.م.</bdi>', page)


def test_the_product_list_sends_a_fixed_number_of_queries(
    client, session, shop, make, count_queries
) -> None:
    coop, oil, _ = shop
    for i in range(3):
        make.product(coop, oil, title_fr=f"P{i}")
    session.commit()
    client.get("/back-office/products")
    count_queries.clear()
    client.get("/back-office/products")
    few = len(count_queries)
    for i in range(40):
        p = make.product(coop, oil, title_fr=f"Q{i}")
        session.add(ProductImage(product_id=p.id, filename=f"{i:032x}.jpg", thumbnail=""))
    session.commit()
    count_queries.clear()
    assert client.get("/back-office/products").status_code == 200
    assert len(count_queries) == few <= 8, count_queries


def test_a_back_office_form_without_its_csrf_token_is_refused(client, session, shop, app) -> None:
    _, oil, _ = shop
    app.config["WTF_CSRF_ENABLED"] = True
    response = new_product(client, oil)
    assert response.status_code == 400 and "form expired" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Product.id))) == 0
    page = client.get("/back-office/products/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert new_product(client, oil, csrf_token=token).status_code == 302
    assert session.scalar(select(func.count(Product.id))) == 1
