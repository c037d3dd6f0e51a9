import pytest
from sqlalchemy import func, select

from catalog import csv_io, stock, upsert
from catalog.audit import Actor, AuditEntry
from catalog.errors import InvalidState, InvalidUpload
from catalog.models import Product, ProductImport, ProductStatus
from catalog.upsert import Action, ImportRejected, RowProblem
from tests.conftest import NOW

ME = Actor(3, "coop@example.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(ME)


HEADER = "sku;category;title_fr;title_ar;price;unit;net_quantity;weight_g;on_hand;status"


@pytest.fixture
def coop(make):
    make.category("huile-argan")
    make.category("miel")
    make.category("masques", max_price_minor=600)
    return make.cooperative()


def plan(session, coop, text):
    return csv_io.plan_import(session, coop, text)


def apply(session, coop, text):
    record = csv_io.start_import(session, coop, "f.csv", text, actor=ME, now=NOW)
    return csv_io.apply_import(session, coop, record, actor=ME, now=NOW)


def products(session, coop):
    return {
        p.sku: p for p in session.scalars(select(Product).where(Product.cooperative_id == coop.id))
    }


ARABIC = (
    f"{HEADER}\n"
    "ARG-250;huile-argan;Huile d'argan 250 ml;زيت الأركان 250 مل;120,00;ml;250;400;30;published\n"
    "MIEL-1;miel;Miel de thym;عسل الزعتر;95.5;g;500;600;12;draft\n"
)


def test_arabic_utf8_with_a_bom_and_semicolons(session, coop) -> None:
    data = ("\ufeff" + ARABIC).encode("utf-8")
    text = csv_io.decode(data)
    result = plan(session, coop, text)
    assert result.ok and result.counts()["create"] == 2
    assert apply(session, coop, text).created == 2
    argan = products(session, coop)["ARG-250"]
    assert argan.title_ar == "زيت الأركان 250 مل"
    assert (argan.price_minor, argan.unit, argan.status) == (12_000, "ml", ProductStatus.PUBLISHED)
    assert products(session, coop)["MIEL-1"].price_minor == 9_550


def test_commas_with_quoted_decimal_prices(session, coop) -> None:
    text = 'sku,category,title_fr,price\nA,miel,"Miel, toutes fleurs","45,50"\nB,miel,Miel,30\n'
    result = plan(session, coop, text)
    assert result.ok, result.all_problems()
    assert [(r.sku, r.title, r.listing.price_minor) for r in result.rows] == [
        ("A", "Miel, toutes fleurs", 4_550),
        ("B", "Miel", 3_000),
    ]


def test_every_bad_row_says_line_column_and_why(session, coop) -> None:
    text = (
        f"{HEADER}\n"
        "OK-1;miel;Miel;;50;g;500;600;3;draft\n"
        "\n"  # blank lines are skipped but still counted
        "BAD-1;nope;Miel;;50;g;500;600;3;draft\n"
        "BAD-2;miel;;;abc;kg;0;600;-3;sold\n"
        "MASK;masques;Masque;;6,50;;;;;\n"
        "OK-1;miel;Encore;;50;g;500;600;3;draft\n"
        ";miel;Sans SKU;;10;;;;;\n"
    )
    result = plan(session, coop, text)
    assert not result.ok
    assert [r.action for r in result.rows] == [Action.CREATE] + [Action.REJECT] * 5
    assert result.all_problems() == [
        RowProblem(4, "category", "unknown_category", {"value": "nope"}),
        RowProblem(5, "price", "not_a_number", {"value": "abc"}),
        RowProblem(5, "unit", "unknown_unit", {"value": "kg"}),
        RowProblem(5, "status", "unknown_status", {"value": "sold"}),
        RowProblem(5, "title_fr", "required"),
        RowProblem(5, "net_quantity", "out_of_range", {"min": 1, "max": 10_000_000}),
        RowProblem(5, "on_hand", "out_of_range", {"min": 0, "max": 10_000_000}),
        RowProblem(
            6,
            "price",
            "price_above_cap",
            {"cap_minor": 600, "price_minor": 650, "category": "masques"},
        ),
        RowProblem(7, "sku", "duplicate_sku", {"first_line": 2}),
        RowProblem(8, "sku", "required"),
    ]


def test_one_bad_row_and_nothing_is_imported(session, coop) -> None:
    text = f"{HEADER}\nA;miel;Miel;;50;g;500;600;3;draft\nB;miel;Miel;;-5;g;500;600;3;draft\n"
    with pytest.raises(ImportRejected) as exc:
        apply(session, coop, text)
    assert [(p.line, p.column, p.code) for p in exc.value.plan.all_problems()] == [
        (3, "price", "not_positive")
    ]
    assert products(session, coop) == {}
    assert session.scalar(select(AuditEntry)) is None


def test_the_header_is_checked_first(session, coop) -> None:
    result = plan(session, coop, "sku;titre;price;price\nA;x;1;2\n")
    assert [(p.line, p.column, p.code) for p in result.problems] == [
        (1, "titre", "unknown_column"),
        (1, "price", "duplicate_column"),
    ]
    assert [p.code for p in plan(session, coop, "title_fr;price\nMiel;1\n").problems] == [
        "missing_column"
    ]
    assert result.rows == []


def test_a_file_not_in_utf8_names_the_first_bad_line() -> None:
    data = "sku;title_fr\nA;Miel\nB;Thé à la menthe\n".encode("cp1252")
    with pytest.raises(InvalidUpload) as exc:
        csv_io.decode(data)
    assert exc.value.code == "not_utf8" and exc.value.data == {"line": 3}


def test_importing_twice_changes_nothing_the_second_time(session, coop) -> None:
    assert apply(session, coop, ARABIC).created == 2
    before = {sku: (p.id, p.updated_at) for sku, p in products(session, coop).items()}
    second = plan(session, coop, ARABIC)
    assert second.counts() == {"create": 0, "update": 0, "unchanged": 2, "reject": 0}
    result = apply(session, coop, ARABIC)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert {sku: (p.id, p.updated_at) for sku, p in products(session, coop).items()} == before


def test_a_row_updates_the_listing_with_the_same_sku(make, session, coop) -> None:
    apply(session, coop, ARABIC)
    text = "sku;price;on_hand\nARG-250;130;25\n"
    result = plan(session, coop, text)
    [row] = result.rows
    assert row.action == Action.UPDATE
    assert row.changes == {"price_minor": [12_000, 13_000], "on_hand": [30, 25]}
    apply(session, coop, text)
    argan = products(session, coop)["ARG-250"]
    assert (argan.price_minor, argan.available, argan.title_ar) == (
        13_000,
        25,
        "زيت الأركان 250 مل",
    )


def test_the_same_sku_of_another_cooperative_is_not_touched(make, session, coop) -> None:
    other = make.cooperative()
    apply(session, other, ARABIC)
    assert plan(session, coop, ARABIC).counts()["create"] == 2


def test_an_import_is_applied_once(session, coop) -> None:
    record = csv_io.start_import(session, coop, "f.csv", ARABIC, actor=ME, now=NOW)
    csv_io.apply_import(session, coop, record, actor=ME, now=NOW)
    assert (record.created_count, record.applied_at) == (2, NOW)
    with pytest.raises(InvalidState):
        csv_io.apply_import(session, coop, record, actor=ME, now=NOW)


def test_export_gives_back_the_same_format(make, session, coop) -> None:
    apply(session, coop, ARABIC)
    exported = csv_io.export_csv(session, coop)
    assert exported.splitlines()[0] == ";".join(csv_io.COLUMNS)
    assert "زيت الأركان 250 مل" in exported and ";120,00;" in exported
    again = plan(session, coop, exported)
    assert again.ok and again.counts()["unchanged"] == 2


def test_a_suspended_listing_keeps_its_status(make, session, coop) -> None:
    make.product(coop, sku="S-1", status=ProductStatus.SUSPENDED)
    exported = csv_io.export_csv(session, coop)
    assert plan(session, coop, exported).ok
    result = plan(session, coop, "sku;status\nS-1;published\n")
    assert [(p.column, p.code) for p in result.all_problems()] == [("status", "product_suspended")]


def big_file(n: int) -> str:
    lines = ["sku;category;title_fr;title_ar;price;on_hand;made_to_order;units_per_day"]
    for i in range(n):
        price, stock, mto = f"{50 + i % 200},50", i % 40, i % 2
        lines.append(f"SKU-{i:05d};miel;Miel n°{i};عسل الجبل {i};{price};{stock};{mto};{mto * 20}")
    return "\n".join(lines) + "\n"


def test_a_thousand_rows_are_planned_in_a_fixed_number_of_queries(
    session, coop, count_queries
) -> None:
    text = big_file(1_200)
    count_queries.clear()
    result = plan(session, coop, text)
    assert result.ok and result.counts()["create"] == 1_200
    assert len(count_queries) <= 3, count_queries


def test_a_thousand_rows_are_imported_then_updated(session, coop) -> None:
    text = big_file(1_200)
    assert apply(session, coop, text).created == 1_200
    count = session.scalar(select(func.count(Product.id)).where(Product.cooperative_id == coop.id))
    assert count == 1_200
    changed = text.replace(";0;0;0\n", ";7;0;0\n")
    result = apply(session, coop, changed)
    assert result.created == 0 and result.updated == 30 and result.unchanged == 1_170
    assert session.scalar(select(func.count(ProductImport.id))) == 2
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "product.import" and len(entry.details["updated"]) == 30


def test_new_counts_of_a_thousand_rows_are_written_in_a_fixed_number_of_statements(
    session, coop, count_queries
) -> None:
    text = big_file(1_200)
    apply(session, coop, text)
    recounted = text.replace(";0;0;0\n", ";5;0;0\n")
    record = csv_io.start_import(session, coop, "f.csv", recounted, actor=ME, now=NOW)
    count_queries.clear()
    result = csv_io.apply_import(session, coop, record, actor=ME, now=NOW)
    session.flush()
    assert result.updated == 30
    # the log's entries are one INSERT each on SQLite (batched on PostgreSQL)
    statements = [q for q in count_queries if not q.startswith("INSERT INTO catalog_audit_entry")]
    assert len(statements) <= 15, statements
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "product.stock")).all()
    assert len(logged) == 30
    assert {tuple(e.details["on_hand"]) for e in logged} == {(0, 5)}
    assert {e.details["source"] for e in logged} == {"import"}


def test_a_count_that_moved_after_the_dry_run_refuses_the_whole_file(make, session, coop) -> None:
    jar = make.product(coop, sku="JAR", on_hand=10)
    make.product(coop, sku="POT", on_hand=4)
    dry_run = plan(session, coop, "sku;on_hand;title_fr\nPOT;6;Pot\nJAR;15;Bocal\n")
    assert dry_run.ok
    stock.adjust_on_hand(session, jar.id, -3, reason="damaged", actor=ME, now=NOW)
    with pytest.raises(ImportRejected) as refused:
        upsert.upsert_listings(session, coop, dry_run, actor=ME, now=NOW, source="import")
    assert [(p.line, p.column, p.code) for p in refused.value.plan.all_problems()] == [
        (3, "on_hand", "stock_changed")
    ]
    assert refused.value.plan.all_problems()[0].data["on_hand"] == 7


def test_an_imported_price_change_moves_the_catalog_stamp_and_its_facets_counter(
    session, coop
) -> None:
    """The changed listings are written by one statement, which the session's change
    tracking does not see: every worker must still learn that the pages and the price
    facet changed."""
    apply(session, coop, ARABIC)
    before = stock.stamped(session)
    apply(session, coop, ARABIC.replace("120,00", "180,00"))
    after = stock.stamped(session)
    assert products(session, coop)["ARG-250"].price_minor == 18_000
    assert (after.version, after.facets) == (before.version + 1, before.facets + 1)
