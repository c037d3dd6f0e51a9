"""What a basket covers for a family, against the Sphere / WFP targets."""

from __future__ import annotations

import pytest

from solidarity_baskets import nutrition
from solidarity_baskets.nutrition import LineFood, basket_coverage, coverage, grams

#: BASKETS.md §3: 1 L olive oil = 913 g, 2 kg couscous, 5 kg white flour, 1 kg lentils,
#: 1 kg chickpeas, 2 kg sugar, 500 g honey, 500 g tea, 1 kg dates, 500 g almonds,
#: 2 sardine tins (180 g drained), 400 g tomato paste.
EXAMPLE = [
    ("olive_oil", 913),
    ("couscous_wheat", 2000),
    ("flour_white", 5000),
    ("lentils", 1000),
    ("chickpeas", 1000),
    ("sugar", 2000),
    ("honey", 500),
    ("tea_green_gunpowder", 500),
    ("dates_medjool", 1000),
    ("almonds", 500),
    ("sardines_oil_tin", 180),
    ("tomato_paste", 400),
]


def test_the_example_basket_covers_a_family_of_five_for_5_4_days():
    found = coverage(EXAMPLE, family_size=5)
    assert round(found.kcal) == 56_488
    assert round(found.protein_g) == 1410 and round(found.fat_g) == 1319
    assert round(found.days_energy, 1) == 5.4
    assert round(found.days_protein, 1) == 5.4
    assert round(found.days_fat, 1) == 6.7
    assert round(found.days, 1) == 5.4
    assert round(found.protein_energy_share * 100, 1) == 10.0
    assert round(found.fat_energy_share * 100, 1) == 21.0


def test_a_bigger_family_is_covered_for_fewer_days():
    assert coverage(EXAMPLE, 10).days == pytest.approx(coverage(EXAMPLE, 5).days / 2)


def test_goods_sold_by_volume_are_weighed():
    assert grams("olive_oil", 1000, "ml") == pytest.approx(913)
    assert grams("honey", 500, "ml") == pytest.approx(715)
    # a litre of milk counts as the powder with the same energy
    milk = coverage([("milk_powder_whole", grams("milk_powder_whole", 1000, "ml"))], 1)
    assert 600 < milk.kcal < 660
    assert grams("olive_oil", 1, "piece") is None
    assert grams("lentils", 1000, "g") == 1000


def test_tea_and_unknown_goods_add_nothing():
    assert coverage([("tea_green_gunpowder", 850)], 5).kcal == 0
    assert coverage([("woven_bag", 1), (None, 10)], 5).kcal == 0
    assert grams("woven_bag", 1, "piece") is None


def test_the_catalogs_names_for_staples_are_understood():
    assert nutrition.resolve("rice_white") == "rice"
    assert nutrition.resolve("pasta_dry") == "pasta"
    assert nutrition.resolve("tea_green") == "tea_green_gunpowder"
    assert nutrition.resolve("caviar") is None


def test_protein_and_fat_are_judged_against_energy():
    sugar_only = coverage([("sugar", 5000)], 5)
    assert sugar_only.balance("protein") == "short" and sugar_only.balance("fat") == "short"
    assert coverage(EXAMPLE, 5).balance("fat") == "good"
    mostly_rice = coverage([("rice", 5000)], 5)  # 7 % of its energy is protein
    assert mostly_rice.balance("protein") == "low"


def test_a_basket_of_template_lines_counts_its_food():
    lines = [
        LineFood("flour_white", 10_000, "g"),
        LineFood("olive_oil", 5000, "ml"),
        LineFood("milk_powder_whole", 6000, "ml"),
        LineFood(None, 1, "piece"),
    ]
    found = basket_coverage(lines, 5)
    assert found.kcal == pytest.approx(36_400 + 5000 * 0.913 * 8.84 + 6000 * 0.127 * 4.96)


@pytest.mark.parametrize("size", [0, -1, 31])
def test_a_family_size_out_of_range_is_refused(size):
    with pytest.raises(ValueError):
        coverage(EXAMPLE, size)
