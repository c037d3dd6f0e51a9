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
