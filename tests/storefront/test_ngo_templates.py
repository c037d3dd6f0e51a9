"""Basket templates: what they cover for a family, and an organisation's own copies,
which it edits; ready-made templates are read-only."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from solidarity_baskets.models import BasketTemplate, LineEquivalent, TemplateLine
from tests.baskets import basket_world
from tests.storefront.backoffice import login


@pytest.fixture
def world(session, make, app):
    found = basket_world(session, make)
    session.commit()
    return found


def _copy(client, world, session):
    login(client, world.member)
    response = client.post(f"/ngo/templates/{world.template.id}/copy", data={})
    assert response.status_code == 302
    session.expire_all()
    return session.scalar(
        select(BasketTemplate).where(BasketTemplate.organisation_id == world.organisation.id)
    )


def test_templates_show_the_days_they_cover_for_a_family(client, world):
    login(client, world.member)
    page = client.get("/ngo/templates?family=4").get_data(as_text=True)
    assert "Panier test" in page and "family of 4" in page
    detail = client.get(f"/ngo/templates/{world.template.id}?family=2").get_data(as_text=True)
    assert "Days covered" in detail and "Couscous" in detail
    # garbage in the query string falls back to a family of 5
    assert "family of 5" in client.get("/ngo/templates?family=abc").get_data(as_text=True)


def test_a_copy_is_the_organisations_own_and_can_be_edited(client, world, session):
    copy = _copy(client, world, session)
    assert copy.based_on_id == world.template.id and len(copy.lines) == 3
    pasta = world.categories["pates"]
    response = client.post(
        f"/ngo/templates/{copy.id}/lines",
        data={"category_id": str(pasta.id), "quantity": "1,5", "quantity_unit": "kg"},
    )
    assert response.status_code == 302
    session.expire_all()
    line = session.scalar(select(TemplateLine).where(TemplateLine.category_id == pasta.id))
    assert (line.net_quantity, line.unit) == (1500, "g")
    oil_line = next(ln for ln in copy.lines if ln.category.slug == "huile-olive")
    response = client.post(
        f"/ngo/templates/{copy.id}/equivalents",
        data={
            "line_id": str(oil_line.id),
            "category_id": str(world.categories["couscous"].id),
            "quantity": "2",
            "quantity_unit": "kg",
            "accepted": "y",
        },
    )
    assert response.status_code == 302
    assert session.scalar(select(func.count(LineEquivalent.id))) == 3
    line_id = line.id
    response = client.post(f"/ngo/templates/{copy.id}/lines/{line_id}/delete", data={})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(TemplateLine, line_id) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"quantity": "0.5", "quantity_unit": "g"}, "whole number of grams"),
        ({"quantity": "-1", "quantity_unit": "kg"}, None),
        ({"quantity": "beaucoup", "quantity_unit": "kg"}, None),
        ({"quantity": "1", "quantity_unit": "tonnes"}, None),
        ({"quantity": "1", "quantity_unit": "kg", "category": "couscous"}, "already in the basket"),
        ({"quantity": "1", "quantity_unit": "piece", "is_container": "y"}, "one container"),
        ({"quantity": "1", "quantity_unit": "kg", "category_id": "999999"}, None),
        # pasta is sold by weight: a litre of it finds no product
        ({"quantity": "1", "quantity_unit": "l"}, "sold by weight"),
        ({"quantity": "3", "quantity_unit": "piece"}, "sold by weight"),
    ],
)
def test_bad_line_input_gives_a_message_and_changes_nothing(client, world, session, data, expected):
    copy = _copy(client, world, session)
    before = session.scalar(select(func.count(TemplateLine.id)))
    category = world.categories[data.pop("category", "pates")]
    form = {"category_id": str(category.id), **data}
    response = client.post(f"/ngo/templates/{copy.id}/lines", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page or 'class="flash error"' in page
    if expected:
        assert expected in page
    session.expire_all()
    assert session.scalar(select(func.count(TemplateLine.id))) == before


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"quantity": "0.5", "quantity_unit": "g"}, "whole number of grams"),
        ({"quantity": "beaucoup", "quantity_unit": "kg"}, None),
        ({"quantity": "1", "quantity_unit": "l", "category": "huile-olive"}, "already stands"),
        ({"quantity": "1", "quantity_unit": "l", "line_id": "999999"}, None),
        ({"quantity": "2", "quantity_unit": "piece"}, "sold by weight"),
    ],
)
def test_bad_equivalent_input_gives_a_message_and_changes_nothing(
    client, world, session, data, expected
):
    copy = _copy(client, world, session)
    oil_line = next(ln for ln in copy.lines if ln.category.slug == "huile-olive")
    before = session.scalar(select(func.count(LineEquivalent.id)))
    category = world.categories[data.pop("category", "couscous")]
    form = {"line_id": str(oil_line.id), "category_id": str(category.id), **data}
    response = client.post(f"/ngo/templates/{copy.id}/equivalents", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page or 'class="flash error"' in page
    if expected:
        assert expected in page
    session.expire_all()
    assert session.scalar(select(func.count(LineEquivalent.id))) == before


def test_ready_made_templates_cannot_be_edited(client, world, session):
    login(client, world.member)
    line = world.template.lines[0]
    for url in (
        f"/ngo/templates/{world.template.id}",
        f"/ngo/templates/{world.template.id}/lines",
        f"/ngo/templates/{world.template.id}/lines/{line.id}/delete",
        f"/ngo/templates/{world.template.id}/equivalents",
    ):
        assert client.post(url, data={"name": "Mine"}).status_code == 404, url
    session.expire_all()
    assert len(session.get(BasketTemplate, world.template.id).lines) == 3


def test_renaming_checks_the_name(client, world, session):
    copy = _copy(client, world, session)
    response = client.post(f"/ngo/templates/{copy.id}", data={"name": "", "description": ""})
    assert response.status_code == 200 and 'class="field-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/ngo/templates/{copy.id}", data={"name": "Panier Aïd", "description": "Pour l'Aïd"}
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(BasketTemplate, copy.id).name == "Panier Aïd"


def test_a_copy_is_named_as_a_copy_and_can_be_deleted(client, world, session):
    copy = _copy(client, world, session)
    assert copy.name == f"Copy of {world.template.name}"
    page = client.get(f"/ngo/templates/{copy.id}").get_data(as_text=True)
    assert f"/ngo/templates/{copy.id}/delete" in page
    # a ready-made basket is nobody's to delete
    assert f"/ngo/templates/{world.template.id}/delete" not in client.get(
        f"/ngo/templates/{world.template.id}"
    ).get_data(as_text=True)
    assert client.post(f"/ngo/templates/{world.template.id}/delete").status_code == 404
    copy_id = copy.id
    done = client.post(f"/ngo/templates/{copy_id}/delete", follow_redirects=True)
    assert "is deleted" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(BasketTemplate, copy_id) is None
    assert session.get(BasketTemplate, world.template.id) is not None


def test_an_equivalent_of_another_kind_of_goods_needs_the_organisations_word(
    client, world, session, make
):
    rugs = make.category("tapis", name_fr="Tapis")
    make.product(world.coops["weavers"], rugs, unit="piece", net_quantity=1, title_fr="Zrabi")
    session.commit()
    copy = _copy(client, world, session)
    oil_line = next(ln for ln in copy.lines if ln.category.slug == "huile-olive")
    form = {
        "line_id": str(oil_line.id),
        "category_id": str(rugs.id),
        "quantity": "1",
        "quantity_unit": "piece",
    }
    refused = client.post(f"/ngo/templates/{copy.id}/equivalents", data=form)
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "another kind of goods" in page
    assert 'name="other_kind"' in page, "the confirmation box is offered"
    session.expire_all()
    assert not session.scalars(
        select(LineEquivalent).where(LineEquivalent.category_id == rugs.id)
    ).all()
    # a rug is sold by the piece: five kilos of rug is refused even when confirmed
    heavy = client.post(
        f"/ngo/templates/{copy.id}/equivalents",
        data={**form, "quantity": "5", "quantity_unit": "kg", "other_kind": "y"},
    )
    assert "sold by the piece" in heavy.get_data(as_text=True)
    confirmed = client.post(
        f"/ngo/templates/{copy.id}/equivalents", data={**form, "other_kind": "y"}
    )
    assert confirmed.status_code == 302
    session.expire_all()
    assert (
        session.scalar(
            select(LineEquivalent.net_quantity).where(LineEquivalent.category_id == rugs.id)
        )
        == 1
    )


def _quantity(session, line_id):
    session.expire_all()
    line = session.get(TemplateLine, line_id)
    return line.net_quantity, line.unit


def test_a_quantity_is_changed_in_place_and_checked_against_how_the_kind_is_sold(
    client, world, session
):
    copy = _copy(client, world, session)
    oil = next(ln for ln in copy.lines if ln.category.slug == "huile-olive")
    oil_id, before = oil.id, (oil.net_quantity, oil.unit)
    page = client.get(f"/ngo/templates/{copy.id}").get_data(as_text=True)
    assert f'action="/ngo/templates/{copy.id}/lines/{oil_id}/quantity#line-{oil_id}"' in page
    url = f"/ngo/templates/{copy.id}/lines/{oil_id}/quantity"
    field = f"line-{oil_id}-quantity"

    refused = client.post(url, data={field: "2", f"{field}_unit": "kg"})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "sold by volume" in text
    assert f'id="{field}-errors"' in text, "the message sits under the line's own field"
    assert _quantity(session, oil_id) == before

    for amount in ("beaucoup", "0,0005", "-1"):
        assert client.post(url, data={field: amount, f"{field}_unit": "l"}).status_code == 200
    assert _quantity(session, oil_id) == before

    saved = client.post(url, data={field: "1,5", f"{field}_unit": "l"})
    assert saved.status_code == 302
    session.expire_all()
    line = session.get(TemplateLine, oil_id)
    assert (line.net_quantity, line.unit) == (1500, "ml")
    shown = client.get(f"/ngo/templates/{copy.id}").get_data(as_text=True)
    assert f'id="{field}"' in shown and 'value="1.5"' in shown
    # written as the page's language writes a decimal (and read back as typed)
    for lang in ("fr", "ar"):
        client.set_cookie("lang", lang)
        shown = client.get(f"/ngo/templates/{copy.id}").get_data(as_text=True)
        assert 'value="1,5"' in shown and 'value="1.5"' not in shown, lang
    client.set_cookie("lang", "en")

    # another basket's line, a line that is not there, a ready-made basket: not found
    ready = world.template.lines[0]
    assert client.post(f"/ngo/templates/{copy.id}/lines/{ready.id}/quantity").status_code == 404
    assert (
        client.post(f"/ngo/templates/{world.template.id}/lines/{ready.id}/quantity").status_code
        == 404
    )


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity", "-Infinity"])
def test_a_quantity_that_is_not_a_number_is_refused_everywhere(client, world, session, amount):
    """Not a 500: a signalling NaN cannot even be compared with the field's range."""
    copy = _copy(client, world, session)
    oil = next(ln for ln in copy.lines if ln.category.slug == "huile-olive")
    before = _quantity(session, oil.id)
    counts = [
        session.scalar(select(func.count()).select_from(t)) for t in (TemplateLine, LineEquivalent)
    ]
    field = f"line-{oil.id}-quantity"
    posts = {
        f"/ngo/templates/{copy.id}/lines/{oil.id}/quantity": {field: amount, f"{field}_unit": "l"},
        f"/ngo/templates/{copy.id}/lines": {
            "category_id": str(world.categories["vannerie"].id),
            "quantity": amount,
            "quantity_unit": "piece",
        },
        f"/ngo/templates/{copy.id}/equivalents": {
            "line_id": str(oil.id),
            "category_id": str(world.categories["couscous"].id),
            "quantity": amount,
            "quantity_unit": "kg",
        },
    }
    for url, data in posts.items():
        page = client.post(url, data=data)
        assert page.status_code == 200, url
        assert "Not a valid decimal value" in page.get_data(as_text=True), url
    assert _quantity(session, oil.id) == before
    assert [
        session.scalar(select(func.count()).select_from(t)) for t in (TemplateLine, LineEquivalent)
    ] == counts
