"""Order lookup by number gives strangers nothing to measure: an order that exists
but is not theirs and a number that does not exist cost the same single query and get
the same "not found" page."""

from __future__ import annotations

import re

import pytest


def _shape(statements: list[str]) -> list[str]:
    """The statements with their literal values masked."""
    return [re.sub(r"'[^']*'|\b\d+\b", "?", s) for s in statements]


@pytest.mark.parametrize("path", ["/orders/{}", "/orders/{}/invoice/1", "/checkout/return/{}"])
def test_an_existing_number_and_an_absent_one_cost_the_same(
    client, make, session, count_queries, path
) -> None:
    order = make.order()
    session.commit()
    client.get("/fr/")  # the session and the page cache are warm for both lookups
    count_queries.clear()
    present = client.get(path.format(order.number))
    present_sql = list(count_queries)
    count_queries.clear()
    absent = client.get(path.format("TW-ZZZ-ZZZ"))
    absent_sql = list(count_queries)
    assert present.status_code == absent.status_code and present.status_code in (302, 404)
    # the page names the address asked for (the language links): nothing else differs
    assert present.get_data(as_text=True).replace(order.number, "TW-ZZZ-ZZZ") == absent.get_data(
        as_text=True
    )
    assert present.headers.get("Location") == absent.headers.get("Location")
    assert _shape(present_sql) == _shape(absent_sql)
    assert len([s for s in present_sql if "orders_order" in s]) == 1


def test_the_owner_still_sees_the_order_after_tracking_it(client, make, session) -> None:
    order = make.order(phone="0612345678")
    session.commit()
    assert client.get(f"/orders/{order.number}").status_code == 404
    tracked = client.post("/orders/track", data={"number": order.number, "phone": "0612345678"})
    assert tracked.headers["Location"] == f"/orders/{order.number}"
    assert client.get(f"/orders/{order.number}").status_code == 200


def test_tracking_answers_the_same_for_a_wrong_number_and_a_wrong_phone(
    client, make, session, count_queries
) -> None:
    order = make.order(phone="0612345678")
    session.commit()
    client.get("/orders/track")
    answers, shapes = [], []
    for number, phone in ((order.number, "0699999999"), ("TW-ZZZ-ZZZ", "0612345678")):
        count_queries.clear()
        page = client.post("/orders/track", data={"number": number, "phone": phone})
        answers.append((page.status_code, "We found no order" in page.get_data(as_text=True)))
        shapes.append(_shape(list(count_queries)))
    assert answers == [(200, True), (200, True)]
    assert shapes[0] == shapes[1]
