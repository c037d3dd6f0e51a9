"""Property of the cart as the shopper sees it: its total is the exact sum of its
lines, grouped by cooperative."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.money import Money
from orders import cart
from tests.conftest import TODAY


@pytest.fixture
def shelf(make):
    coops = [make.cooperative() for _ in range(3)]
    category = make.category()
    return [
        make.product(coops[n % 3], category, price_minor=100 + 37 * n, on_hand=10**6)
        for n in range(9)
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.integers(0, 8), st.integers(1, 500), min_size=1, max_size=9))
def test_the_total_is_the_exact_sum_of_the_lines_per_cooperative(session, shelf, chosen) -> None:
    items = {shelf[i].id: qty for i, qty in chosen.items()}
    view = cart.view(session, items, today=TODAY)
    expected = sum(shelf[i].price_minor * qty for i, qty in chosen.items())
    assert view.total == Money(expected)
    assert sum(g.subtotal.amount_minor for g in view.groups) == expected
    for group in view.groups:
        assert {line.product.cooperative_id for line in group.lines} == {group.cooperative.id}
    assert view.ok and {line.product_id: line.quantity for line in view.lines} == items
