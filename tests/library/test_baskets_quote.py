"""Quoting a basket order: stored whole, deterministic, rural only, shortfalls and
budget excess reported, bad requests refused without storing anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from catalog.errors import InvalidInput
from solidarity_baskets.errors import BasketError
from solidarity_baskets.models import BasketQuote, QuoteStatus
from solidarity_baskets.request import DestinationRequest
from solidarity_baskets.service import quote_baskets, requote, split_by_households
from tests.baskets import basket_world, now_of, organisation
from tests.conftest import NOW, TODAY


def _without_timings(result):
    stats = {k: v for k, v in result["stats"].items() if k != "solve_seconds"}
    return {**result, "stats": stats}


def test_a_quote_is_stored_with_its_inputs_and_result(session, make):
    world = basket_world(session, make)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    assert quote.id is not None and quote.status == QuoteStatus.OPEN
    assert quote.baskets == 100 and quote.shortage_units == 0
    assert [d.key for d in quote.destinations] == ["06.141", "09.001"]
    assert quote.inputs["request"]["destinations"] == [
        ["06.141", 60, "", "", "", ""],
        ["09.001", 40, "", "", "", ""],
    ]
    assert {ln["key"] for ln in quote.inputs["lines"]} == {"vannerie", "couscous", "huile-olive"}
    assert quote.total_minor == quote.goods_minor + quote.shipping_minor > 0
    assert quote.goods_minor == sum(row[6] for row in quote.result["assignments"])
    # every line reaches every point in full
    units = {}
    for row in quote.result["assignments"]:
        units[(row[2], row[3])] = units.get((row[2], row[3]), 0) + row[4]
    assert units == {
        (line, dest): n
        for line in ("vannerie", "couscous", "huile-olive")
        for dest, n in (("06.141", 60), ("09.001", 40))
    }


def test_the_same_request_gives_the_same_quote(session, make):
    world = basket_world(session, make)
    first = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    second = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    assert first.id != second.id
    assert first.supply_digest == second.supply_digest
    assert _without_timings(first.result) == _without_timings(second.result)
    assert first.total_minor == second.total_minor


def test_a_quote_names_only_rural_cooperatives(session, make):
    world = basket_world(session, make)
    quote = quote_baskets(session, world.request(TODAY), today=TODAY, now=NOW)
    named = {int(cid) for cid in quote.result["cooperatives"]}
    assert named == {world.coops[k].id for k in ("weavers", "souss", "chaouia")}
    assert all(c["rural"] for c in quote.result["cooperatives"].values())
    assert quote.suppliers_paid == 3
    # the urban cooperative's cheaper oil is never bought
    assert {row[1] for row in quote.result["assignments"] if row[2] == "huile-olive"} == {
        world.coops["chaouia"].id
    }


def test_an_over_large_order_is_quoted_with_shortfalls_and_fixes(session, make):
    world = basket_world(session, make)
    request = world.request(
        TODAY, destinations=(DestinationRequest("06.141", 600), DestinationRequest("09.001", 400))
    )
    quote = quote_baskets(session, request, today=TODAY, now=NOW)
    assert quote.shortage_units > 0
    short = {(s["line_key"], s["destination_key"]): s for s in quote.result["shortfalls"]}
    couscous = [s for (line, _), s in short.items() if line == "couscous"]
    assert sum(s["missing"] for s in couscous) == 1000 - 150  # 300 bags of 1 kg = 150 lines
    kinds = {f["kind"] for s in couscous for f in s["fixes"]}
    assert {"accept_equivalent", "fewer_baskets"} <= kinds
    accept = next(f for s in couscous for f in s["fixes"] if f["kind"] == "accept_equivalent")
    assert accept["equivalent_ids"] == [world.template.lines[1].equivalents[0].id]
    assert accept["line_units"] == 100  # 400 packs of 500 g


def test_requote_with_an_accepted_equivalent_buys_it(session, make):
    world = basket_world(session, make)
    request = world.request(TODAY, destinations=(DestinationRequest("06.141", 200),))
    short = quote_baskets(session, request, today=TODAY, now=NOW)
    equivalent_id = world.template.lines[1].equivalents[0].id
    again = requote(session, short, today=TODAY, now=NOW, accept_equivalents=[equivalent_id])
    assert again.inputs["request"]["accepted_equivalents"] == [equivalent_id]
    bought = {row[0] for row in again.result["assignments"]}
    assert f"couscous:{world.products['pasta'].id}" in bought
    assert again.shortage_units < short.shortage_units


def test_requote_with_fewer_baskets_drops_the_shortfall(session, make):
    world = basket_world(session, make)
    request = world.request(TODAY, destinations=(DestinationRequest("06.141", 200),))
    short = quote_baskets(session, request, today=TODAY, now=NOW)
    fewer = next(
        f["baskets"]
        for s in short.result["shortfalls"]
        for f in s["fixes"]
        if f["kind"] == "fewer_baskets"
    )
    again = requote(session, short, today=TODAY, now=NOW, baskets={"06.141": fewer})
    assert again.baskets == fewer and again.shortage_units == 0


def test_a_budget_exceeded_is_reported_with_its_drivers(session, make):
    world = basket_world(session, make)
    quote = quote_baskets(
        session, world.request(TODAY, budget_per_basket_minor=5_000), today=TODAY, now=NOW
    )
    excess = quote.result["budget_excess"]
    assert quote.budget_excess_minor == excess["total_excess_minor"] > 0
    drivers = excess["drivers"]
    assert drivers[0][0] == "huile-olive"  # the oil costs most
    assert sum(minor for _, minor in drivers) == quote.cost_per_basket_minor


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {"destinations": (DestinationRequest("06.141", -5),)},
            "destinations-0-baskets",
            "out_of_range",
        ),
        (
            {"destinations": (DestinationRequest("99.999", 5),)},
            "destinations-0-province_code",
            "unknown_province",
        ),
        ({"destinations": ()}, "destinations", "required"),
        (
            {"destinations": (DestinationRequest("06.141", 5), DestinationRequest("06.141", 7))},
            "destinations-1-province_code",
            "duplicate_destination",
        ),
        ({"deliver_by": TODAY - timedelta(days=1)}, "deliver_by", "too_early"),
        ({"deliver_by": TODAY + timedelta(days=900)}, "deliver_by", "too_late"),
        ({"budget_per_basket_minor": 0}, "budget_per_basket", "out_of_range"),
        ({"budget_per_basket_minor": 10**12}, "budget_per_basket", "out_of_range"),
        ({"family_size": 0}, "family_size", "out_of_range"),
        ({"max_share_bps": 0}, "max_share", "out_of_range"),
        ({"template_id": 10**9}, "template_id", "unknown_template"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_stored(session, make, change, field, code):
    world = basket_world(session, make)
    with pytest.raises(InvalidInput) as caught:
        quote_baskets(session, world.request(TODAY, **change), today=TODAY, now=NOW)
    assert (field, code) in {(p.field, p.code) for p in caught.value.problems}
    assert session.scalar(select(func.count(BasketQuote.id))) == 0


def test_an_unverified_organisation_cannot_quote(session, make):
    world = basket_world(session, make)
    pending, _ = organisation(session, verified=False, name="Nouvelle", email="new@example.ma")
    with pytest.raises(BasketError) as caught:
        quote_baskets(
            session, world.request(TODAY, organisation_id=pending.id), today=TODAY, now=NOW
        )
    assert caught.value.code == "organisation_not_verified"


def test_another_organisations_template_is_unknown(session, make):
    world = basket_world(session, make)
    other, _ = organisation(session, name="Autre", email="other@example.ma")
    from solidarity_baskets.templates import copy_template

    theirs = copy_template(session, world.template, organisation_id=other.id, now=now_of(TODAY))
    with pytest.raises(InvalidInput) as caught:
        quote_baskets(session, world.request(TODAY, template_id=theirs.id), today=TODAY, now=NOW)
    assert caught.value.problems[0].code == "unknown_template"


def test_the_national_split_follows_households_and_counts_nobody_twice():
    dests = split_by_households(1_000_000)
    assert sum(d.baskets for d in dests) == 1_000_000
    codes = {d.province_code for d in dests}
    assert "06.141.01.00" in codes and "09.001" in codes
    assert len(dests) >= 80


def test_the_most_complete_baskets_are_offered_and_quote_without_shortfall(session, make):
    from solidarity_baskets.quotes import quote_view

    world = basket_world(session, make)
    request = world.request(
        TODAY, destinations=(DestinationRequest("06.141", 600), DestinationRequest("09.001", 400))
    )
    short = quote_baskets(session, request, today=TODAY, now=NOW)
    view = quote_view(short)
    assert view.scaled_total == 150  # the couscous: 300 bags of 1 kg
    assert all(n > 0 for n in view.fewer_baskets.values())
    again = requote(session, short, today=TODAY, now=NOW, total_baskets=view.scaled_total)
    assert [d.baskets for d in again.destinations] == [90, 60]
    assert again.shortage_units == 0


def test_complete_baskets_per_point_hold_when_several_lines_are_short_at_different_points(
    session, make
):
    from solidarity_baskets.quotes import quote_view

    world = basket_world(session, make)
    request = world.request(
        TODAY, destinations=(DestinationRequest("06.141", 600), DestinationRequest("09.001", 400))
    )
    short = quote_baskets(session, request, today=TODAY, now=NOW)
    # the cheapest plan sends Souss couscous to Agadir and Chaouia oil to Casablanca: no
    # point receives every line in full, yet 150 complete baskets can be made
    delivered = {}
    for row in short.result["assignments"]:
        delivered[(row[2], row[3])] = delivered.get((row[2], row[3]), 0) + row[4]
    lines = ("vannerie", "couscous", "huile-olive")
    assert min(delivered.get((line, "06.141"), 0) for line in lines) == 0
    assert min(delivered.get((line, "09.001"), 0) for line in lines) == 0
    view = quote_view(short)
    assert set(view.fewer_baskets) == {"06.141", "09.001"}
    assert all(n > 0 for n in view.fewer_baskets.values())
    assert sum(view.fewer_baskets.values()) == 150  # the couscous and the oil: 150 each
    again = requote(session, short, today=TODAY, now=NOW, baskets=view.fewer_baskets)
    assert again.shortage_units == 0
    assert {d.key: d.baskets for d in again.destinations} == view.fewer_baskets
