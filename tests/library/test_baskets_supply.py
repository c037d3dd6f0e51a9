"""Building the engine's offers from the catalog: rural cooperatives only, whole-pack
conversions (rounded up within 20 %), equivalents, capacity and commitments."""

from __future__ import annotations

from datetime import timedelta

from catalog.models import CapacityCommitment, ProductStatus
from catalog.rules import refresh_products
from solidarity_baskets.service import kinds_of
from solidarity_baskets.snapshot import template_lines
from solidarity_baskets.supply import Kind, build_supply, offer_key
from tests.baskets import basket_world
from tests.conftest import TODAY
from tests.oracles import supply_by_date


def _supply(session, world, accepted=None):
    return build_supply(session, kinds_of(template_lines(world.template), accepted))


def test_only_sellable_products_of_rural_cooperatives_are_offered(session, make):
    world = basket_world(session, make)
    world.products["pasta"].status = ProductStatus.DRAFT
    refresh_products(session, TODAY, product_ids=[world.products["pasta"].id])
    supply = _supply(session, world)
    product_ids = {ref.product_id for ref in supply.products.values()}
    assert world.products["city_oil"].id not in product_ids
    assert world.products["pasta"].id not in product_ids
    assert world.products["oil"].id in product_ids
    assert all(s.rural for s in supply.suppliers)
    assert world.coops["city"].id not in {s.id for s in supply.suppliers}


def test_packs_that_make_the_line_are_converted_and_the_others_left_out(session, make):
    world = basket_world(session, make)
    supply = _supply(session, world)
    by_product = {ref.product_id: key for key, ref in supply.products.items()}
    offers = {o.key: o for o in supply.offers}
    couscous = offers[by_product[world.products["couscous_1kg"].id]]
    assert couscous.line_key == "couscous"
    assert couscous.units_per_line_unit == 2  # two 1 kg bags make the 2 kg line
    # three 900 g bags would be 2.7 kg: more than 20 % over the 2 kg line
    assert world.products["couscous_900g"].id not in by_product


def test_a_line_takes_whole_packs_rounded_up_within_a_fifth_more(session, make):
    world = basket_world(session, make)
    tea = make.category("the", name_fr="Thé")
    pack = {"unit": "g", "price_minor": 2000, "shipping_weight_g": 260, "on_hand": 400}
    loose = make.product(world.coops["souss"], tea, net_quantity=250, title_fr="Thé 250 g", **pack)
    tin = make.product(world.coops["souss"], tea, net_quantity=400, title_fr="Thé 400 g", **pack)
    session.flush()
    supply = build_supply(session, [Kind("the", tea.id, 850, "g")])
    offers = {o.key: o for o in supply.offers}
    assert offers[offer_key("the", loose.id)].units_per_line_unit == 4  # 1 kg for 850 g
    assert offer_key("the", tin.id) not in offers  # three tins = 1.2 kg, 41 % more


def test_equivalents_are_offered_unaccepted_unless_the_organisation_accepts_them(session, make):
    world = basket_world(session, make)
    pasta_id = world.products["pasta"].id
    equivalent = world.template.lines[1].equivalents[0]
    key = offer_key("couscous", pasta_id)

    declined = {o.key: o for o in _supply(session, world).offers}[key]
    assert declined.accepted is False
    assert declined.units_per_line_unit == 4  # four 500 g packs stand for 2 kg of couscous
    assert declined.substitution_penalty_minor > 0

    accepted = {o.key: o for o in _supply(session, world, {equivalent.id}).offers}[key]
    assert accepted.accepted is True


def test_made_to_order_capacity_and_commitments_reach_the_offer(session, make):
    world = basket_world(session, make, plenty=False)
    bag = world.products["bag"]
    bag.lead_days = 2
    session.add(CapacityCommitment(product=bag, quantity=25, due_on=TODAY + timedelta(days=5)))
    session.add(
        CapacityCommitment(
            product=bag, quantity=99, due_on=TODAY - timedelta(days=5), fulfilled=True
        )
    )
    session.flush()
    offer = {o.key: o for o in _supply(session, world).offers}[offer_key("vannerie", bag.id)]
    assert (offer.stock, offer.units_per_day, offer.committed, offer.lead_days) == (0, 10, 25, 2)
    # by a date two weeks out: production starts after the 2 lead days, then
    # 10 working days x 10 bags, less the 25 promised
    assert supply_by_date(offer, TODAY, TODAY + timedelta(days=14)) == 75


def test_the_supply_digest_moves_with_stock_and_price_only(session, make):
    world = basket_world(session, make)
    first = _supply(session, world).digest
    assert _supply(session, world).digest == first
    world.products["oil"].on_hand -= 1
    session.flush()
    second = _supply(session, world).digest
    assert second != first
    world.products["oil"].price_minor += 100
    session.flush()
    assert _supply(session, world).digest not in (first, second)
