"""Stock over HTTP through gunicorn (2 sync workers per server), as it is served.

**The race** (PostgreSQL): buyers and two editors at once on one product: no
oversell, no lost update, no error but the conflicts.

Buyers are guests going through the whole checkout (product page, cart, delivery
form, review, confirm). One editor recounts the shelf by compare-and-set (reads
``on_hand``, sends ``on_hand + 1`` with ``expected_on_hand``; a 409 means it read a
count that moved, and it reads again); the other adds units received (a relative
adjustment, which never conflicts). Run with ``-s`` to see the figures.

**The staleness bound** (SQLite or PostgreSQL): two servers on one database, each
with its anonymous page cache on (60 s). A product page kept by one server's workers
shows the last unit; the other server sells it; the very next page from the first
server says "Sold out" (the catalog stamp moved in the sale's transaction)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from bench._gunicorn import gunicorn
from catalog import stock
from catalog.audit import AuditEntry
from catalog.models import Cooperative
from orders.models import OrderLine
from tests.api.conftest import token_for
from tests.api.shoppers import buy

UNITS = 5
BUYERS = 40
EDITS = 15  # per editor


@pytest.fixture
def race_shop(session, make, coop_member, is_postgres, database_url):
    if not is_postgres:
        pytest.skip("a race between processes needs PostgreSQL (TAAWUN_TEST_DATABASE_URL)")
    make.shipping()
    coop = session.get(Cooperative, coop_member.cooperative_id)
    product = make.product(coop, sku="RACE", slug="race", on_hand=UNITS, low_stock_threshold=5)
    secrets = [token_for(session, coop_member, f"editor {n}") for n in (1, 2)]
    session.commit()
    return product, secrets


def recount(base: str, secret: str) -> Counter:
    """Read, add 1 by compare-and-set; read again after a conflict."""
    headers = {"Authorization": f"Bearer {secret}"}
    seen: Counter = Counter()
    done = 0
    while done < EDITS:
        listing = requests.get(f"{base}/api/v1/listings/RACE", headers=headers, timeout=60)
        assert listing.status_code == 200, listing.status_code
        on_hand = listing.json()["on_hand"]
        answer = requests.patch(
            f"{base}/api/v1/stock",
            headers=headers,
            json={"items": [{"sku": "RACE", "on_hand": on_hand + 1, "expected_on_hand": on_hand}]},
            timeout=60,
        )
        assert answer.status_code in (200, 409), (answer.status_code, answer.text)
        if answer.status_code == 409:
            problem = answer.json()
            assert answer.headers["Content-Type"].startswith("application/problem+json")
            assert problem["code"] == "stock_changed" and "current" in problem["errors"][0]
            seen["conflict"] += 1
        else:
            seen["recounted"] += 1
            done += 1
    return seen


def receive(base: str, secret: str) -> Counter:
    headers = {"Authorization": f"Bearer {secret}"}
    seen: Counter = Counter()
    for _ in range(EDITS):
        answer = requests.patch(
            f"{base}/api/v1/stock",
            headers=headers,
            json={"items": [{"sku": "RACE", "adjust": 1, "reason": "received"}]},
            timeout=60,
        )
        assert answer.status_code == 200, (answer.status_code, answer.text)
        seen["received"] += 1
    return seen


@pytest.mark.postgres
def test_buyers_and_two_editors_race_without_oversell_or_lost_update(
    session, race_shop, database_url, tmp_path: Path
) -> None:
    product, (first, second) = race_shop
    outcomes: Counter = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()
    with gunicorn(database_url, tmp_path, ready_path=f"/fr/p/{product.slug}") as base:
        start = threading.Barrier(BUYERS + 2)

        def run(work) -> None:  # noqa: ANN001
            start.wait()
            try:
                result = work()
            except BaseException as exc:  # noqa: BLE001 (reported below)
                with lock:
                    failures.append(exc)
                return
            with lock:
                outcomes.update([result] if isinstance(result, str) else result)

        threads = [
            threading.Thread(target=run, args=(lambda: buy(base, product),)) for _ in range(BUYERS)
        ]
        threads += [
            threading.Thread(target=run, args=(lambda: recount(base, first),)),
            threading.Thread(target=run, args=(lambda: receive(base, second),)),
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    assert failures == [], failures
    session.expire_all()
    level = stock.level(session, product.id)
    sold = session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
            OrderLine.product_id == product.id
        )
    )
    logged = session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "product.stock", AuditEntry.object_id == product.id
        )
    )
    print(  # the figures for the record (pytest -s)
        f"\nrace over HTTP (gunicorn, 2 workers, PostgreSQL), {elapsed:.1f} s: "
        f"{dict(outcomes)}; on_hand={level.on_hand} allocated={level.allocated} sold={sold}"
    )
    assert outcomes["bought"] == sold == level.allocated, "every sale allocated, nothing else"
    assert level.allocated <= level.on_hand, "no oversell"
    assert level.on_hand == UNITS + outcomes["recounted"] + outcomes["received"], "no lost update"
    assert (outcomes["recounted"], outcomes["received"]) == (EDITS, EDITS)
    assert logged == 2 * EDITS, "every change of the shelf count is in the audit log"
    refused = sum(n for k, n in outcomes.items() if k.startswith(("refused", "sold out")))
    assert outcomes["bought"] + refused == BUYERS


def test_a_sale_on_one_server_is_seen_at_once_by_the_other(
    session, make, database_url, tmp_path: Path
) -> None:
    make.shipping()
    product = make.product(on_hand=1, slug="last-jar")
    session.commit()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    path = f"/en/p/{product.slug}"
    with (
        gunicorn(database_url, tmp_path / "a", ready_path=path) as first,
        gunicorn(database_url, tmp_path / "b", ready_path=path) as second,
    ):
        english = {"lang": "en"}
        for _ in range(20):  # every worker of the first server keeps a copy
            page = requests.get(first + path, cookies=english, timeout=60).text
            assert "Only 1 left" in page and "Add to cart" in page
        assert buy(second, product) == "bought"
        for _ in range(20):
            page = requests.get(first + path, cookies=english, timeout=60).text
            assert "Sold out" in page and "Add to cart" not in page
