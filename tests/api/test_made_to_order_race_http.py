"""Made-to-order capacity over HTTP through gunicorn (2 sync workers), on PostgreSQL.

Many guests at once buy a product made to order: one unit on the shelf, then the
cooperative's daily production (``units_per_day``) after its lead days. Every buyer is
served (the capacity reaches far enough), the shelf unit goes to one of them, and no
production day is promised more than the cooperative makes that day: the promise of
each order reads the commitments of the orders before it, not a stale count. Run with
``-s`` to see the figures."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bench._gunicorn import gunicorn
from catalog import calendar, stock
from catalog.db import utcnow
from catalog.models import CapacityCommitment
from orders.models import OrderLine
from tests.api.shoppers import buy

BUYERS = 24
PER_DAY = 2
LEAD_DAYS = 1


@pytest.mark.postgres
def test_buyers_racing_for_production_never_overbook_a_day(
    session, make, is_postgres, database_url, tmp_path: Path
) -> None:
    if not is_postgres:
        pytest.skip("a race between processes needs PostgreSQL (TAAWUN_TEST_DATABASE_URL)")
    make.shipping()
    product = make.product(
        slug="made-to-order",
        on_hand=1,
        made_to_order=True,
        units_per_day=PER_DAY,
        lead_days=LEAD_DAYS,
    )
    session.commit()
    today = utcnow().date()
    outcomes: Counter = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()
    with gunicorn(database_url, tmp_path, ready_path=f"/p/{product.slug}") as base:
        start = threading.Barrier(BUYERS)

        def run() -> None:
            start.wait()
            try:
                result = buy(base, product)
            except BaseException as exc:  # noqa: BLE001 (reported below)
                with lock:
                    failures.append(exc)
                return
            with lock:
                outcomes[result] += 1

        threads = [threading.Thread(target=run) for _ in range(BUYERS)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    assert failures == [], failures
    session.expire_all()
    commitments = session.scalars(
        select(CapacityCommitment).where(CapacityCommitment.product_id == product.id)
    ).all()
    per_day = Counter(c.due_on for c in commitments)
    print(  # the figures for the record (pytest -s)
        f"\nmade to order over HTTP (gunicorn, 2 workers, PostgreSQL), {elapsed:.1f} s: "
        f"{dict(outcomes)}; units promised per ready day: {sorted(per_day.items())}"
    )
    assert outcomes == {"bought": BUYERS}, "the capacity reaches far enough for everyone"
    level = stock.level(session, product.id)
    assert (level.on_hand, level.allocated) == (1, 1), "the shelf unit went to one buyer"
    made = sum(c.quantity for c in commitments)
    assert made == BUYERS - 1 == stock.committed(session, product.id)
    promised = 0
    for day in sorted(per_day):
        promised += per_day[day]
        capacity = PER_DAY * calendar.production_days(today, LEAD_DAYS, day)
        assert promised <= capacity, f"{promised} units promised by {day}, {capacity} made"
    assert max(per_day.values()) <= PER_DAY, "no day promised more than it makes"
    lines = session.scalars(select(OrderLine).where(OrderLine.product_id == product.id)).all()
    assert sum(line.quantity for line in lines) == BUYERS
    to_make = [line for line in lines if line.qty_made_to_order]
    assert len(to_make) == BUYERS - 1
    for line in to_make:
        assert line.commitment is not None and line.promised_on == line.commitment.due_on
        assert line.fulfilment.promised_on == line.promised_on, "the part says when"
