"""Product cards and the facet block are rendered once and kept under what they show,
for the visitors the page cache does not serve (here: a shopper with a cart)."""

from __future__ import annotations

import pytest

from catalog.models import Product
from catalog.rules import refresh_products
from storefront.extensions import db
from storefront.shop.fragments import KEY


@pytest.fixture
def shelf(make, session) -> Product:
    coop = make.cooperative()
    oil = make.category("huile-argan", name_fr="Huile d'argan")
    product = make.product(coop, oil, title_fr="Huile d'argan", slug="argan", price_minor=9_000)
    make.product(coop, oil, title_fr="Amlou", slug="amlou", price_minor=4_000)
    refresh_products(session, make.today)
    session.commit()
    return product


@pytest.fixture
def shopper(client, shelf):
    with client.session_transaction() as s:
        s["cart"] = [[shelf.id, 1]]
    return client


def _kept_blocks(app) -> list[object]:  # noqa: ANN001
    return [key for key in app.extensions[KEY]._kept if key[0] == "facets"]


def test_the_facet_block_is_rendered_once_for_the_same_counts(app, shopper) -> None:
    first = shopper.get("/fr/c/huile-argan").get_data(as_text=True)
    again = shopper.get("/fr/c/huile-argan?page=1&per_page=1").get_data(as_text=True)
    assert len(_kept_blocks(app)) == 1, "the second page reused the block"
    block = first[first.index('<form class="facets"') : first.index("</form>")]
    assert block in again
    shopper.get("/fr/c/huile-argan?price=50-150")  # other filters: another block
    assert len(_kept_blocks(app)) == 2


def test_a_kept_card_never_outlives_a_change_of_what_it_shows(app, shopper, shelf) -> None:
    assert "Huile d&#39;argan" in shopper.get("/fr/c/huile-argan").get_data(as_text=True)
    with app.app_context():
        db.session.get(Product, shelf.id).title_fr = "Huile d'argan pressée à froid"
        db.session.commit()
    page = shopper.get("/fr/c/huile-argan").get_data(as_text=True)
    assert "pressée à froid" in page


def test_a_change_made_by_another_process_is_shown_too(app, shopper, shelf, session) -> None:
    """Edited behind this app's back (no hook runs here): the card's key is its content."""
    assert "90,00" in shopper.get("/fr/c/huile-argan").get_data(as_text=True)
    shelf.price_minor = 8_000
    session.commit()
    page = shopper.get("/fr/c/huile-argan").get_data(as_text=True)
    assert "80,00" in page and "90,00" not in page


def test_cards_are_kept_per_language(app, shopper) -> None:
    shopper.get("/fr/c/huile-argan")
    shopper.get("/ar/c/huile-argan")
    kept = app.extensions[KEY]._kept
    assert {key[1] for key in kept if key[0] == "card"} == {"fr", "ar"}
