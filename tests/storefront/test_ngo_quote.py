"""The organisation's order form and quote page: a quote names its cooperatives, an
over-large order gets a shortfall report with fixes (not an error page), bad input
gives messages and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from solidarity_baskets.models import BasketQuote
from storefront import jobs
from tests.baskets import app_queries, basket_world, order_form
from tests.storefront.backoffice import login


@pytest.fixture
def world(session, make, app):
    found = basket_world(session, make)
    session.commit()
    return found


def _quotes(session):
    session.expire_all()
    return session.scalar(select(func.count(BasketQuote.id)))


def test_a_quote_names_its_cooperatives_and_what_they_supply(client, world, session):
    login(client, world.member)
    response = client.post("/ngo/orders/new", data=order_form(world))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for name in ("Coopérative Tissage Doum", "Coopérative Souss Couscous", "Coopérative Chaouia"):
        assert name in page
    assert "Coopérative urbaine" not in page
    assert "Couffin en doum" in page and "Hub Anza" in page
    assert "Not enough supply" not in page
    assert "Confirm the order" in page
    assert "<strong>100%</strong>" in page  # from rural cooperatives


def test_an_over_large_order_gets_a_shortfall_report_not_an_error(client, world, session, app):
    app.config["JOBS_RUNNER"] = "worker"  # a large order: quoted in the background
    login(client, world.member)
    response = client.post(
        "/ngo/orders/new",
        data=order_form(
            world, **{"destinations-0-baskets": "200000", "destinations-1-baskets": "1"}
        ),
    )
    assert response.status_code == 302 and "/ngo/jobs/" in response.headers["Location"]
    with app.app_context():
        assert jobs.run_queued() == 1
    done = client.get(response.headers["Location"])
    assert done.status_code == 302
    page = client.get(done.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Not enough supply" in text
    assert "Accept Pâtes for Couscous" in text  # the equivalent that would add supply
    assert "Confirm the order" not in text


def test_a_fix_quotes_again(client, world, session):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world, **{"destinations-0-baskets": "200"}))
    quote = session.scalar(select(BasketQuote).order_by(BasketQuote.id.desc()))
    equivalent = world.template.lines[1].equivalents[0]
    response = client.post(
        f"/ngo/quotes/{quote.id}/requote",
        data={"kind": "accept_equivalent", "equivalent_ids": str(equivalent.id)},
    )
    assert response.status_code == 302
    assert _quotes(session) == 2
    fresh = session.scalar(select(BasketQuote).order_by(BasketQuote.id.desc()))
    assert fresh.inputs["request"]["accepted_equivalents"] == [equivalent.id]


def test_complete_baskets_everywhere_quotes_again_without_shortfall(client, world, session):
    login(client, world.member)
    form = order_form(world, **{"destinations-0-baskets": "600", "destinations-1-baskets": "400"})
    response = client.post("/ngo/orders/new", data=form)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # couscous, oil and bags are short, each line at other points in the cheapest plan
    assert "Not enough supply" in page
    assert "150 complete baskets in total" in page
    quote = session.scalar(select(BasketQuote))
    response = client.post(
        f"/ngo/quotes/{quote.id}/requote",
        data={"kind": "fewer_baskets", "destination_key": "*", "baskets": "0"},
    )
    assert response.status_code == 302
    fresh = session.scalar(select(BasketQuote).order_by(BasketQuote.id.desc()))
    assert fresh.id != quote.id
    assert (fresh.baskets, fresh.shortage_units) == (150, 0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not enough supply" not in page


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "accept_equivalent", "equivalent_ids": "x,y"},
        {"kind": "move_date", "deliver_by": "tomorrow"},
        {"kind": "move_date", "deliver_by": "2001-01-01"},
        {"kind": "fewer_baskets", "destination_key": "06.141", "baskets": "-3"},
        {"kind": "explode"},
        {},
    ],
)
def test_a_forged_fix_changes_nothing(client, world, session, data):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    response = client.post(f"/ngo/quotes/{quote.id}/requote", data=data)
    assert response.status_code == 302
    assert _quotes(session) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash error"' in page


#: the budget's bounds, written as amounts
BUDGET_RANGE = "Enter a number from 0.01\u00a0MAD to 100,000.00\u00a0MAD."


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"destinations-0-baskets": "-5"}, None),
        ({"destinations-0-baskets": "lots"}, None),
        ({"destinations-0-baskets": "99999999999999999999"}, None),
        ({"destinations-0-province_code": "99.999"}, None),
        ({"destinations-0-province_code": ""}, "Choose a province or prefecture"),
        (
            {"destinations-1-province_code": "06.141", "destinations-1-hub_name": ""},
            "already in the list",
        ),
        ({"deliver_by": "2001-01-01"}, "Choose a date from"),
        ({"deliver_by": "next week"}, None),
        ({"budget_per_basket": "0"}, BUDGET_RANGE),
        ({"budget_per_basket": "99999999999"}, BUDGET_RANGE),
        ({"budget_per_basket": "cheap"}, "Enter an amount such as"),
        ({"family_size": "0"}, None),
        ({"max_share": "500"}, None),
        ({"template_id": "999999"}, None),
        ({"national_total": "-1"}, None),
        ({"destinations-0-hub_name": "x" * 200}, None),
    ],
)
def test_bad_order_input_gives_a_message_and_stores_nothing(
    client, world, session, changes, expected
):
    login(client, world.member)
    response = client.post("/ngo/orders/new", data=order_form(world, **changes))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page or 'class="flash error"' in page
    if expected:
        assert expected in page
    assert _quotes(session) == 0


def test_the_national_split_quotes_every_province(client, world, session):
    login(client, world.member)
    response = client.post("/ngo/orders/new", data=order_form(world, national_total="400"))
    assert response.status_code == 302
    quote = session.scalar(select(BasketQuote))
    assert quote.baskets == 400 and len(quote.destinations) > 50


def test_the_quote_page_runs_a_fixed_number_of_queries(client, world, session, app):
    login(client, world.member)
    counts = []
    for extra in ("", "04.421"):  # a third distribution point: more purchases, same queries
        client.post(
            "/ngo/orders/new",
            data=order_form(
                world,
                **{"destinations-2-province_code": extra, "destinations-2-baskets": "20"}
                if extra
                else {},
            ),
        )
        quote = session.scalar(select(BasketQuote).order_by(BasketQuote.id.desc()))
        with app_queries(app) as statements:
            assert client.get(f"/ngo/quotes/{quote.id}").status_code == 200
        counts.append(len(statements))
    # the user, the organisation, the quote, its destinations and the quote it follows
    # (to say which offers moved)
    assert counts == [5, 5], counts


def test_the_plan_downloads_as_csv(client, world, session):
    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    response = client.get(f"/ngo/quotes/{quote.id}/plan.csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with its mark
    rows = response.data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("Cooperative no.,Cooperative,Region code,Led by women")
    assert len(rows) == 1 + len(quote.result["assignments"])
    assert all(row.split(",")[3] in ("yes", "no") for row in rows[1:])


@pytest.mark.translated
def test_the_plan_opens_in_french_excel(client, world, session):
    import csv
    import io

    from openpyxl import load_workbook

    login(client, world.member)
    client.post("/ngo/orders/new", data=order_form(world))
    quote = session.scalar(select(BasketQuote))
    client.set_cookie("lang", "fr")
    text = client.get(f"/ngo/quotes/{quote.id}/plan.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == [
        "N° de coopérative",
        "Coopérative",
        "Code de la région",
        "Dirigée par des femmes",
    ]
    assert "Coopérative" in text and "CoopÃ" not in text
    goods = [row[8] for row in rows[1:]]
    assert all("," in g and "." not in g for g in goods), goods  # 30,00 not 30.00
    assert {row[3] for row in rows[1:]} <= {"oui", "non"}

    response = client.get(f"/ngo/quotes/{quote.id}/plan.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][1] == "Coopérative" and len(table) == len(rows)
    assert all(isinstance(row[8], float | int) for row in table[1:])  # numbers, not text
    assert sum(row[8] for row in table[1:]) * 100 == pytest.approx(quote.goods_minor)
