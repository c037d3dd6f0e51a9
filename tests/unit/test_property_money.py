"""Properties of money arithmetic and splitting, beyond the examples of test_money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import InvalidAmount
from catalog.money import Money, split_by_ratio, total

amounts = st.integers(min_value=-(10**12), max_value=10**12)
moneys = amounts.map(Money)
weights = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(any)


@given(moneys, moneys, moneys)
def test_addition_is_exact_associative_and_commutative(a, b, c) -> None:
    assert (a + b) + c == a + (b + c)
    assert a + b == b + a
    assert (a + b - b) == a
    assert a + Money.zero() == a


@given(moneys, st.integers(min_value=-1000, max_value=1000))
def test_multiplying_is_repeated_addition(a, n) -> None:
    assert a * n == total([a] * abs(n)) * (1 if n >= 0 else -1)
    assert n * a == a * n


@given(st.lists(moneys, max_size=50))
def test_total_is_the_sum_of_minor_units_in_any_order(items) -> None:
    assert total(items).amount_minor == sum(m.amount_minor for m in items)
    assert total(reversed(items)) == total(items)


@given(amounts, weights)
def test_money_split_sums_back_and_each_part_is_within_a_centime(amount, ws) -> None:
    parts = Money(amount).split(ws)
    assert total(parts) == Money(amount)
    for part, w in zip(parts, ws, strict=True):
        assert abs(Decimal(part.amount_minor) - Decimal(amount) * w / sum(ws)) < 1


@given(amounts, weights)
def test_split_is_deterministic_and_zero_weights_get_nothing(amount, ws) -> None:
    assert split_by_ratio(amount, ws) == split_by_ratio(amount, list(ws))
    for part, w in zip(split_by_ratio(amount, ws), ws, strict=True):
        if w == 0:
            assert part == 0


@given(st.integers(min_value=0, max_value=10**9), weights)
def test_larger_weights_never_get_a_smaller_share(amount, ws) -> None:
    parts = split_by_ratio(amount, ws)
    for i in range(len(ws)):
        for j in range(len(ws)):
            if ws[i] > ws[j]:
                assert parts[i] >= parts[j]


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_percent_is_the_exact_share_rounded_half_up(amount, bps) -> None:
    share = Money(amount).percent(bps).amount_minor
    exact = Decimal(amount) * bps / 10_000
    assert abs(Decimal(share) - exact) <= Decimal("0.5")
    assert 0 <= share <= amount


@given(st.integers(min_value=0, max_value=10**10), st.sampled_from(["", " DH", " MAD", "\u00a0DH"]))
def test_parse_reads_back_the_french_format(minor, suffix) -> None:
    units, cents = divmod(minor, 100)
    grouped = f"{units:,}".replace(",", "\u202f")
    assert Money.parse(f"{grouped},{cents:02d}{suffix}") == Money(minor)


@given(st.text(max_size=30))
def test_parse_either_reads_an_amount_or_refuses_with_a_code(text) -> None:
    try:
        money = Money.parse(text)
    except InvalidAmount as exc:
        assert exc.code in {"not_a_number", "too_many_decimals"}
    else:
        assert isinstance(money.amount_minor, int)


@given(moneys)
def test_currencies_never_mix(a) -> None:
    with pytest.raises(InvalidAmount):
        a + Money(1, "EUR")
