"""Properties of the cart: any sequence of changes keeps it within its limits or is
refused with a code; what the session stores reads back; merging never doubles."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orders import cart
from orders.errors import CartError

product_ids = st.integers(min_value=1, max_value=60)
quantities = st.one_of(
    st.integers(min_value=-5, max_value=cart.MAX_QUANTITY + 5),
    st.text(max_size=6),
    st.booleans(),
)
operations = st.lists(
    st.tuples(st.sampled_from(["add", "set", "remove"]), product_ids, quantities), max_size=80
)
carts = st.dictionaries(
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=1, max_value=cart.MAX_QUANTITY),
    max_size=cart.MAX_LINES,
)


def _valid(items: dict[int, int]) -> bool:
    return len(items) <= cart.MAX_LINES and all(
        pid > 0 and 0 < qty <= cart.MAX_QUANTITY for pid, qty in items.items()
    )


@given(operations)
def test_any_sequence_of_changes_keeps_the_cart_valid(ops) -> None:
    items: dict[int, int] = {}
    for op, pid, qty in ops:
        try:
            if op == "add":
                changed = cart.add(items, pid, qty)
                assert changed[pid] == items.get(pid, 0) + int(str(qty).strip())
            elif op == "set":
                changed = cart.set_quantity(items, pid, qty)
            else:
                changed = cart.remove(items, pid)
        except CartError as exc:
            assert exc.code in {
                "invalid_quantity",
                "quantity_too_large",
                "too_many_lines",
                "not_in_cart",
            }
            continue
        assert _valid(changed)
        items = changed
    assert cart.count(items) == sum(items.values())


@given(carts)
def test_the_session_copy_reads_back(items) -> None:
    assert cart.from_session(cart.to_session(items)) == items


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=4), max_leaves=20))  # fmt: skip
def test_a_tampered_session_gives_a_valid_cart_never_an_error(raw) -> None:
    assert _valid(cart.from_session(raw))


@given(carts, carts)
def test_merging_never_doubles_and_keeps_the_limits(kept, incoming) -> None:
    merged = cart.merge(kept, incoming)
    assert _valid(merged)
    assert cart.merge(merged, incoming) == merged, "logging in twice changes nothing more"
    for pid, qty in kept.items():
        assert merged[pid] >= qty
