"""Control characters and text-direction overrides are not stored: a carriage return in
a cooperative name cannot reach an e-mail subject, U+202E cannot reverse a title, and a
hub name with a tab is refused for what it is (not as "Too long")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

import storefront
from catalog import csv_io, safe_text
from catalog.accounts.users import Role
from catalog.models import Cooperative, Product
from catalog.notifications import OutboxMessage
from solidarity_baskets.models import BasketQuote
from storefront.forms import Form
from storefront.mailer import queue_mail
from tests.api.conftest import bearer, person, token_for
from tests.baskets import basket_world, order_form
from tests.storefront.backoffice import english, login
from tests.storefront.test_coop_signup import FORM

RLO = "\u202e"


@pytest.mark.parametrize(
    ("text", "multiline", "code"),
    [
        ("Coopérative\rTafoukt", False, "line_break"),
        ("Hub\tAnza", False, "control_character"),
        ("Hub\tAnza", True, "control_character"),
        (f"Huile {RLO}txt.exe", False, "bidi_control"),
        ("Huile \u2066isolée\u2069", True, "bidi_control"),
        ("a\u2028b", False, "line_break"),
        ("a\u2028b", True, "control_character"),
        ("\x1b[31m", True, "control_character"),
        ("line one\nline two", False, "line_break"),
        ("line one\nline two", True, None),
        ("تعاونية\u200f تافوكت", False, None),  # a right-to-left mark is fine
        ("Coopérative Tafoukt", False, None),
    ],
)
def test_what_text_may_be_stored(text, multiline, code) -> None:
    assert safe_text.text_problem(text, multiline=multiline) == code


@given(st.text())
def test_a_stored_text_never_holds_a_control_or_an_override(text) -> None:
    if safe_text.text_problem(text, multiline=True) is None:
        assert not any(ch in text for ch in "\r\t\x00\u202a\u202b\u202c\u202d\u202e\u2066")


def test_every_form_of_the_site_checks_its_text() -> None:
    forms = []
    for info in pkgutil.walk_packages(storefront.__path__, storefront.__name__ + "."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, FlaskForm) and obj.__module__ == module.__name__:
                forms.append(obj)
    assert len(forms) > 20
    assert [f for f in forms if not issubclass(f, Form)] == []


def test_a_carriage_return_in_a_cooperative_name_is_refused(client, session) -> None:
    english(client)
    response = client.post(
        "/join/cooperative", data={**FORM, "name_fr": "Tafoukt\r\nBcc: all@example.ma"}
    )
    assert response.status_code == 200
    assert "Keep this on one line" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Cooperative.id))) == 0
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_direction_override_in_a_title_is_refused_by_the_form(client, session, make) -> None:
    coop = make.cooperative()
    user = person(session, "f@coop.ma", Role.COOPERATIVE, cooperative_id=coop.id)
    make.category("huile-argan")
    session.commit()
    login(client, user)
    page = client.get("/back-office/products/new").get_data(as_text=True)
    assert "title_fr" in page
    response = client.post(
        "/back-office/products/new",
        data={"title_fr": f"Huile {RLO}gpj.exe", "sku": "A-1", "price": "10"},
    )
    assert response.status_code == 200
    assert "changes the writing direction" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Product.id))) == 0


def test_the_api_refuses_control_characters_and_keeps_description_lines(client, session, make):
    make.category("huile-argan")
    coop = make.cooperative()
    user = person(session, "f@coop.ma", Role.COOPERATIVE, cooperative_id=coop.id)
    headers = bearer(token_for(session, user))
    item = {"sku": "ARG-1", "category": "huile-argan", "price_minor": 9000, "on_hand": 1}
    refused = client.post(
        "/api/v1/listings",
        headers=headers,
        json={"items": [{**item, "title_fr": f"Huile{RLO}", "description_fr": "a\tb"}]},
    )
    assert refused.status_code == 400
    codes = {(e["field"], e["code"]) for e in refused.json["errors"]}
    assert codes == {
        ("items.0.title_fr", "bidi_control"),
        ("items.0.description_fr", "control_character"),
    }
    assert session.scalar(select(func.count(Product.id))) == 0
    kept = client.post(
        "/api/v1/listings",
        headers=headers,
        json={"items": [{**item, "title_fr": "Huile", "description_fr": "Pressée\r\nà froid"}]},
    )
    assert kept.status_code == 200, kept.json
    assert session.scalar(select(Product.description_fr)) == "Pressée\nà froid"


def test_a_csv_row_with_an_override_is_refused(session, make) -> None:
    make.category("huile-argan")
    coop = make.cooperative()
    text = (
        "sku;category;title_fr;price;on_hand\r\n"
        f"ARG-1;huile-argan;Huile {RLO}d'argan;90;1\r\n"
        "ARG-2;huile-argan;Huile;90;1;\r\n".replace(";\r\n", "\r\n")
    )
    plan = csv_io.plan_import(session, coop, text)
    first = plan.rows[0]
    assert [(p.column, p.code) for p in first.problems] == [("title_fr", "bidi_control")]
    assert plan.rows[1].problems == []


def test_a_hub_name_with_a_tab_is_refused_for_the_tab(client, session, make) -> None:
    world = basket_world(session, make)
    session.commit()
    login(client, world.member)
    response = client.post(
        "/ngo/orders/new", data=order_form(world, **{"destinations-0-hub_name": "Hub\tAnza"})
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invisible control character" in page and "Too long" not in page
    assert session.scalar(select(func.count(BasketQuote.id))) == 0


def test_the_mailer_keeps_header_text_on_one_line(app, session, make) -> None:
    """A name stored before the forms refused it still cannot add a header line."""
    coop = make.cooperative(name_fr="Tafoukt\r\nBcc: all@example.ma")
    with app.test_request_context():
        message = queue_mail(
            "a@example.ma", "cooperative_registered", language="en", coop=coop, user=coop
        )
        assert message.subject == "Tafoukt Bcc: all@example.ma is registered on Taawun"
        with pytest.raises(ValueError):
            queue_mail(
                "a@example.ma\r\nBcc: b@example.ma",
                "cooperative_registered",
                language="fr",
                coop=coop,
            )
