"""Order entry at scale: distribution points from an .xlsx or CSV file (province by
code or French or Arabic name), row-level problems that change nothing, a region
spread by households as a starting point, and more rows without losing input."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from catalog import regions
from solidarity_baskets import points
from solidarity_baskets.models import BasketQuote, QuoteDestination
from tests.baskets import basket_world, order_form
from tests.storefront.backoffice import login


@pytest.fixture
def world(session, make, app):
    found = basket_world(session, make)
    session.commit()
    return found


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _all_provinces() -> list[list[object]]:
    """83 points: names in French, in Arabic, or codes, with their delivery details."""
    rows: list[list[object]] = [["Province", "Paniers", "Adresse", "Contact", "Créneau"]]
    for i, p in enumerate(regions.provinces()):
        name = (p.name_fr, p.name_ar, p.code)[i % 3]
        rows.append([name, 10 + i, f"Dépôt {i}", "+212 600 000 000", "8h-12h"])
    return rows


def test_the_library_reads_names_codes_and_counts():
    found = points.read_points(
        [
            ["province", "baskets", "hub"],
            ["Agadir Ida-Outanane", "4 000", ""],
            ["أكادير إدا وتنان", 12, "Anza"],
            ["06.141", 3.0, ""],
            ["Préfecture de Rabat", "5", ""],
        ]
    )
    assert not found.problems
    assert [(p.province_code, p.baskets) for p in found.points] == [
        ("09.001", 4000),
        ("09.001", 12),
        ("06.141", 3),
        ("04.421", 5),
    ]


def test_every_bad_row_is_named_and_nothing_is_kept():
    found = points.read_points(
        [
            ["Province", "Paniers"],
            ["Atlantis", "10"],
            ["06.141", "beaucoup"],
            ["06.141", "0"],
            ["", "4"],
            ["09.001", "4"],
            ["09.001", "5"],
        ]
    )
    assert [(p.line, p.column, p.code) for p in found.problems] == [
        (2, "province", "unknown_province"),
        (3, "baskets", "not_an_integer"),
        (4, "baskets", "out_of_range"),
        (5, "province", "required"),
        (7, "province", "duplicate_point"),
    ]
    assert not found.ok
    assert points.read_points([["nom", "nombre"], ["x", "1"]]).problems[0].code == (
        "missing_column"
    )


def test_a_spreadsheet_zero_is_out_of_range_not_missing():
    found = points.read_points([["Province", "Paniers"], ["06.141", 0], ["09.001", 0.0]])
    assert [(p.line, p.column, p.code) for p in found.problems] == [
        (2, "baskets", "out_of_range"),
        (3, "baskets", "out_of_range"),
    ]


def test_83_points_from_xlsx_fill_the_form_then_quote(client, world, session):
    login(client, world.member)
    form = order_form(world)
    form["action"] = "import"
    form["points_file"] = (io.BytesIO(_xlsx(_all_provinces())), "points.xlsx")
    response = client.post("/ngo/orders/new", data=form, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "83 distribution points imported" in page
    assert 'name="destinations-82-baskets"' in page and 'value="92"' in page
    assert 'value="Dépôt 82"' in page
    assert session.scalar(select(func.count(BasketQuote.id))) == 0  # nothing quoted yet

    data = order_form(world)
    for i, p in enumerate(regions.provinces()):
        data[f"destinations-{i}-province_code"] = p.code
        data[f"destinations-{i}-baskets"] = "1"
        data[f"destinations-{i}-hub_name"] = ""
        data[f"destinations-{i}-address"] = f"Dépôt {i}"
    response = client.post("/ngo/orders/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    quote = session.scalar(select(BasketQuote))
    assert len(quote.destinations) == 83
    addresses = session.scalars(select(QuoteDestination.address)).all()
    assert "Dépôt 82" in addresses


def test_a_bad_file_lists_its_rows_and_changes_nothing(client, world, session):
    login(client, world.member)
    form = order_form(world)
    form["action"] = "import"
    rows = [["province", "baskets"], ["Atlantis", "3"], ["06.141", "lots"]]
    form["points_file"] = (io.BytesIO(_xlsx(rows)), "points.xlsx")
    page = client.post("/ngo/orders/new", data=form, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "The file has 2 problems: nothing was imported." in page
    assert "Choose a province or prefecture from the list." in page
    assert "Enter a whole number (“lots” is not one)." in page
    # the rows typed before are still there
    assert 'value="Hub Anza"' in page
    for data, name in ((b"not a workbook", "x.xlsx"), (b"\xff\xfe\x00bad", "x.csv")):
        form["points_file"] = (io.BytesIO(data), name)
        response = client.post("/ngo/orders/new", data=form, content_type="multipart/form-data")
        assert response.status_code == 200
        assert 'class="field-error"' in response.get_data(as_text=True)
    assert session.scalar(select(func.count(BasketQuote.id))) == 0


def test_a_csv_with_bom_and_semicolons_imports(client, world):
    login(client, world.member)
    form = order_form(world)
    form["action"] = "import"
    text = "\ufeffProvince;Paniers;Point de distribution\nAgadir Ida-Outanane;4 000;Anza\n"
    form["points_file"] = (io.BytesIO(text.encode()), "points.csv")
    page = client.post("/ngo/orders/new", data=form, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "1 distribution point imported" in page
    assert 'value="4000"' in page and 'value="Anza"' in page


def test_a_region_spread_by_households_is_a_starting_point(client, world):
    login(client, world.member)
    form = order_form(world, national_total="1000", spread_region="09", action="spread")
    page = client.post("/ngo/orders/new", data=form).get_data(as_text=True)
    souss = regions.provinces_of("09")
    assert f'name="destinations-{len(souss) - 1}-baskets"' in page
    assert f'name="destinations-{len(souss) + 5}-baskets"' not in page
    for p in souss:
        assert f'<option selected value="{p.code}">' in page or f'value="{p.code}" selected' in page


def test_more_rows_keeps_what_was_typed(client, world):
    login(client, world.member)
    form = order_form(world, action="more", **{"destinations-1-hub_name": "Dépôt Inezgane"})
    page = client.post("/ngo/orders/new", data=form).get_data(as_text=True)
    assert 'value="Dépôt Inezgane"' in page and 'value="60"' in page
    assert 'name="destinations-12-baskets"' in page  # 3 rows + 10


def _zip(members: dict[str, str]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        # a zip whose workbook XML does not parse (openpyxl raises ParseError)
        (_zip({"[Content_Types].xml": "<broken"}), "points.xlsx", "The file is damaged"),
        # a cell longer than the csv module's field limit
        (b"province;baskets\n" + b"a" * 200_000 + b";3\n", "points.csv", "The file is damaged"),
        # '\u00b2' passes str.isdigit() but is no number int() reads
        (
            "province;baskets\n06.141;\u00b2\n".encode(),
            "points.csv",
            "Enter a whole number (“\u00b2” is not one).",
        ),
    ],
)
def test_a_file_that_breaks_the_readers_is_refused_not_a_500(
    client, world, session, data, name, expected
):
    login(client, world.member)
    form = order_form(world)
    form["action"] = "import"
    form["points_file"] = (io.BytesIO(data), name)
    response = client.post("/ngo/orders/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)
    assert session.scalar(select(func.count(BasketQuote.id))) == 0


def test_digits_of_another_script_count_as_baskets():
    found = points.read_points([["province", "baskets"], ["06.141", "\u0663"]])
    assert found.ok and found.points[0].baskets == 3
