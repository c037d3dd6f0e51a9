from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import InvalidAmount
from catalog.money import Money, split_by_ratio


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("6", 600),
        ("6,00", 600),
        ("1 234,50", 123_450),
        ("1.234,50", 123_450),
        ("1,234.50", 123_450),
        ("45 DH", 4500),
        ("0.5", 50),
        ("1\u202f000,00 MAD", 100_000),
    ],
)
def test_parses_amounts_as_people_write_them(text: str, minor: int) -> None:
    assert Money.parse(text) == Money(minor, "MAD")


@pytest.mark.parametrize("text", ["", "abc", "1,2,3.4.5", "NaN", "inf", "1e999999"])
def test_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(InvalidAmount) as err:
        Money.parse(text)
    assert err.value.code == "not_a_number"


def test_refuses_more_decimals_than_the_currency_has() -> None:
    with pytest.raises(InvalidAmount) as err:
        Money.parse("6.005")
    assert err.value.code == "too_many_decimals"


def test_money_never_holds_a_float() -> None:
    with pytest.raises(TypeError):
        Money(6.0)  # type: ignore[arg-type]


def test_currencies_do_not_mix() -> None:
    with pytest.raises(InvalidAmount):
        Money(100, "MAD") + Money(100, "EUR")


def test_percent_rounds_half_up_to_the_centime() -> None:
    assert Money(1005).percent(1000) == Money(101)  # 10 % of 10.05 = 1.005 -> 1.01
    assert Money(999).percent(1250) == Money(125)


def test_split_gives_parts_that_sum_to_the_whole() -> None:
    assert Money(1000).split([1, 1, 1]) == [Money(334), Money(333), Money(333)]


def test_split_is_deterministic_on_ties() -> None:
    assert split_by_ratio(5, [1, 1]) == [3, 2]


def test_split_of_a_refund_keeps_the_sign() -> None:
    assert split_by_ratio(-10, [1, 2]) == [-3, -7]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_split_refuses_meaningless_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError):
        split_by_ratio(100, weights)


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40).filter(
        any
    ),
)
def test_split_property_sum_and_fairness(total: int, weights: list[int]) -> None:
    parts = split_by_ratio(total, weights)
    assert sum(parts) == total
    wsum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        exact = Decimal(total) * w / wsum
        assert abs(Decimal(part) - exact) < 1


@given(st.integers(min_value=0, max_value=10**10))
def test_parse_round_trips_the_decimal_form(minor: int) -> None:
    money = Money(minor)
    assert Money.parse(str(money.decimal)) == money
