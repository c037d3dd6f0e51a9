import io
import re

import pytest
from sqlalchemy import func, select

from catalog.models import Product, ProductImport
from tests.library.test_csv_io import big_file
from tests.storefront.backoffice import login, member

GOOD = (
    "\ufeffsku;category;title_fr;title_ar;price;on_hand;status\n"
    "ARG-250;huile-argan;Huile d'argan;زيت الأركان;120,00;30;published\n"
    "MIEL-1;miel;Miel de thym;عسل الزعتر;95,50;12;draft\n"
)


@pytest.fixture
def coop(make, session, client):
    make.category("huile-argan")
    make.category("miel")
    coop = make.cooperative()
    user = member(session, coop)
    session.commit()
    login(client, user)
    return coop


def upload(client, text: str | bytes, name="produits.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/back-office/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_dry_run_first_then_the_import(client, session, coop) -> None:
    response = upload(client, GOOD)
    record = session.scalar(select(ProductImport))
    assert response.headers["Location"] == f"/back-office/import/{record.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>2</strong> to create" in page and "ARG-250" in page
    assert session.scalar(select(func.count(Product.id))) == 0, "the dry run changes nothing"
    applied = client.post(f"/back-office/import/{record.id}/apply")
    assert applied.headers["Location"] == "/back-office/products"
    products = session.scalars(select(Product).order_by(Product.sku)).all()
    assert [(p.sku, p.title_ar) for p in products] == [
        ("ARG-250", "زيت الأركان"),
        ("MIEL-1", "عسل الزعتر"),
    ]
    again = client.post(f"/back-office/import/{record.id}/apply", follow_redirects=True)
    assert "already applied" in again.get_data(as_text=True)


def test_rejected_rows_are_listed_with_line_column_and_message(client, session, coop) -> None:
    text = GOOD + "BAD;nope;Huile;;12,345;-1;published\n"
    record_url = upload(client, text).headers["Location"]
    page = client.get(record_url).get_data(as_text=True)
    line, column, problem = (f'<td data-label="{name}">' for name in ("Line", "Column", "Problem"))
    assert f"{line}4</td>{column}<code>category</code></td>{problem}Choose a category." in page
    price = f"{line}4</td>{column}<code>price</code></td>{problem}An amount has at most two"
    assert price in page
    assert "Import:" not in page, "no button while a row is wrong"
    response = client.post(record_url + "/apply")
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Product.id))) == 0


def test_a_file_not_in_utf8_is_explained(client, session, coop) -> None:
    data = "sku;title_fr\nA;Thé à la menthe\n".encode("cp1252")
    page = upload(client, data).get_data(as_text=True)
    assert "not in UTF-8 (line 2)" in page
    assert session.scalar(select(func.count(ProductImport.id))) == 0


def test_export_gives_a_spreadsheet_that_imports_back_unchanged(client, session, coop) -> None:
    record = upload(client, GOOD).headers["Location"]
    client.post(record + "/apply")
    exported = client.get("/back-office/export.csv")
    assert exported.mimetype == "text/csv"
    assert exported.data.startswith("\ufeffsku;category;".encode())
    url = upload(client, exported.data).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "Nothing would change" in page


def test_the_dry_run_names_each_change_with_its_old_and_new_value(client, session, coop) -> None:
    client.post(upload(client, GOOD).headers["Location"] + "/apply")
    changed = GOOD.replace("120,00;30", "125,50;40")
    page = client.get(upload(client, changed).headers["Location"]).get_data(as_text=True)
    assert "<strong>1</strong> to update" in page
    assert "price_minor" not in page and "on_hand" not in page
    assert re.search(r"Price: <bdi[^>]*>120.00\s?MAD</bdi> → <bdi[^>]*>125.50\s?MAD</bdi>", page)
    assert "On the shelf: 30 → 40" in page


def test_a_thousand_products_through_the_web(client, session, coop) -> None:
    url = upload(client, big_file(1_000)).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "<strong>1,000</strong> to create" in page
    client.post(url + "/apply")
    assert session.scalar(select(func.count(Product.id))) == 1_000
