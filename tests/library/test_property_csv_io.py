"""Properties of the CSV importer: any file gets a plan (never a crash); what the
export writes, the import reads back unchanged, whatever the listings contain; and an
applied import, planned again, changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import csv_io, upsert
from catalog.audit import Actor
from catalog.listings import Listing, create_product
from catalog.upsert import Action
from tests.conftest import NOW

ME = Actor(3, "coop@example.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(ME)


FIXTURES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# text a person may type in a spreadsheet cell: letters in three scripts, quotes,
# separators and line breaks included
cell_text = st.text(
    alphabet=st.sampled_from(list("abcXYZ éàç'\"-;,.\n") + list("زيتعسل") + ["ⴰ", "\u00a0"]),
    max_size=25,
)
# titles are one line (line breaks only in descriptions)
line_text = cell_text.map(lambda text: text.replace("\n", " "))
listing = st.fixed_dictionaries(
    {
        "title_fr": line_text.map(str.strip).filter(bool),
        "title_ar": line_text.map(str.strip),
        "description_fr": cell_text,
        "price_minor": st.integers(min_value=1, max_value=5_000_000),
        "on_hand": st.integers(min_value=0, max_value=100_000),
        "net_quantity": st.integers(min_value=1, max_value=10_000),
        "made_to_order": st.booleans(),
        "units_per_day": st.integers(min_value=1, max_value=500),
    }
)


def _listings(session, coop, category, items) -> None:
    """Products made the way a cooperative makes them (the listing use case)."""
    for n, values in enumerate(items):
        create_product(
            session,
            coop,
            Listing(category_id=category.id, sku=f"SKU-{n}", **values),
            actor=ME,
            now=NOW,
        )


@pytest.fixture
def coop(make):
    make.category("huile-argan")
    make.category("miel")
    return make.cooperative()


@FIXTURES
@given(st.text(max_size=300), st.sampled_from([";", ","]))
def test_any_file_gets_a_plan_with_located_problems(session, coop, body, sep) -> None:
    text = sep.join(["sku", "category", "title_fr", "price", "on_hand"]) + "\n" + body
    plan = csv_io.plan_import(session, coop, text)
    for row in plan.rows:
        assert (row.action == Action.REJECT) == bool(row.problems)
        assert all(p.line >= 2 and p.code for p in row.problems)
    assert all(p.line >= 1 for p in plan.problems)
    session.rollback()


@FIXTURES
@given(st.lists(listing, min_size=1, max_size=6), st.sampled_from([";", ","]))
def test_what_the_export_writes_the_import_reads_back_unchanged(
    session, make, items, delimiter
) -> None:
    coop = make.cooperative()
    _listings(session, coop, make.category(), items)
    text = csv_io.export_csv(session, coop, delimiter=delimiter)
    plan = csv_io.plan_import(session, coop, text)
    assert plan.ok, plan.all_problems()
    assert [r.action for r in plan.rows] == [Action.UNCHANGED] * len(items)
    session.rollback()


@FIXTURES
@given(st.lists(listing, min_size=1, max_size=6), st.data())
def test_an_applied_import_planned_again_changes_nothing(session, make, items, data) -> None:
    coop = make.cooperative()
    _listings(session, coop, make.category(), items)
    rows = list(csv.reader(io.StringIO(csv_io.export_csv(session, coop)), delimiter=";"))
    column = rows[0].index("on_hand")
    stocks = data.draw(st.lists(st.integers(0, 10**6), min_size=len(items), max_size=len(items)))
    for row, stock in zip(rows[1:], stocks, strict=True):
        row[column] = str(stock)
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    plan = csv_io.plan_import(session, coop, out.getvalue())
    upsert.upsert_listings(session, coop, plan, actor=ME, now=NOW, source="import")
    again = csv_io.plan_import(session, coop, out.getvalue())
    assert again.ok and {r.action for r in again.rows} == {Action.UNCHANGED}
    exported = list(csv.reader(io.StringIO(csv_io.export_csv(session, coop)), delimiter=";"))
    assert [int(r[column]) for r in exported[1:]] == stocks
    session.rollback()
