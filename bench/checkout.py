"""Checkout throughput through the full HTTP flow, and the stock race.

usage:
  .venv/bin/python bench/checkout.py [--database-url URL] [--orders 300]
                                     [--concurrency 8] [--duration 20] [--race-buyers 200]

Every order is a guest's whole visit, as a browser makes it, CSRF tokens included:
product page, three "add to cart" posts (three cooperatives in three regions), the
cart, the delivery form, the review with each parcel's shipping price, the
confirmation (``place_order``: stock reserved by conditional updates, order, three
parts, lines, events, outbox mail), and the order page — 10 requests per order, cash
on delivery.

Two ways of driving it:

* **in process** (``app.test_client()``, one thread): the server's own cost per order;
* **gunicorn**, 2 sync workers on 127.0.0.1, ``--concurrency`` client threads for
  ``--duration`` seconds (``requests`` over loopback, on the same 2 cores).

Then **the race**: ``--race-buyers`` threads, each with its own session and
connection, released together to buy one unit of a product with 10 left.

The database named by ``--database-url`` (default: a new SQLite file in a temporary
directory) is **emptied** first. Rate limits are switched off for the run. Results are
printed and written to ``bench/out/checkout-<dialect>.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:1] = [str(ROOT)]

import requests  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench._gunicorn import gunicorn  # noqa: E402
from catalog import settings  # noqa: E402
from catalog.db import configure_sqlite, import_models  # noqa: E402
from catalog.errors import InsufficientStock  # noqa: E402
from catalog.models import (  # noqa: E402
    Category,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductStatus,
    create_all,
    drop_all,
)
from catalog.rules import refresh_products  # noqa: E402
from orders.models import Order, OrderLine  # noqa: E402
from orders.placing import Address, Customer, place_order  # noqa: E402
from orders.shipping import seed_amana_preset  # noqa: E402
from storefront.demo.identifiers import make_ice  # noqa: E402

OUT = ROOT / "bench" / "out"
STOCK = 10**7
REGIONS = (("06", "06.141"), ("09", "09.001"), ("11", "11.321"))
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
TOTAL = re.compile(r'name="expected_total" type="hidden" value="([^"]+)"')
#: what a browser says of a form sent from one of the site's pages (add to cart has no
#: CSRF token: it is checked by where it comes from)
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
CONFIRM_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')
DETAILS = {
    "name": "Salma Bennani",
    "email": "salma@example.ma",
    "phone": "0661234567",
    "province": "04.421",
    "city": "Rabat",
    "address": "Hay Riad, rue Annakhil, immeuble 12",
    "delivery_option": "home",
    "payment_method": "cod",
}


# -- data --------------------------------------------------------------------------------
def prepare_database(url: str) -> tuple[Engine, list[tuple[int, str]], int]:
    """Empty the database, create the schema, and three cooperatives with ten
    products each (plenty of stock), plus one product with 10 units for the race."""
    import_models()
    engine = create_engine(url)
    configure_sqlite(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        drop_all(engine)
    create_all(engine)
    today = datetime.now(UTC).date()
    with Session(engine) as session:
        category = Category(slug="bench", name_fr="Bench")
        session.add(category)
        products = []
        for n, (region, province) in enumerate(REGIONS):
            coop = Cooperative(
                slug=f"bench-{n}",
                name_fr=f"Coopérative Bench {n}",
                ice=make_ice(900_000 + n),
                region_code=region,
                province_code=province,
                status=CooperativeStatus.VERIFIED,
            )
            session.add(coop)
            for k in range(10):
                products.append(
                    Product(
                        cooperative=coop,
                        category=category,
                        sku=f"B{n}-{k}",
                        slug=f"bench-{n}-{k}",
                        title_fr=f"Produit {n}-{k}",
                        price_minor=5_000 + 100 * k,
                        on_hand=STOCK,
                        shipping_weight_g=300 + 50 * k,
                        status=ProductStatus.PUBLISHED,
                    )
                )
        race = Product(
            cooperative=products[0].cooperative,
            category=category,
            sku="RACE",
            slug="bench-race",
            title_fr="Les dix derniers",
            price_minor=9_900,
            on_hand=10,
            shipping_weight_g=500,
            status=ProductStatus.PUBLISHED,
        )
        session.add_all([*products, race])
        session.flush()
        refresh_products(session, today)
        seed_amana_preset(session)
        settings.update(session, commission_bps=1000)
        session.commit()
        picked = [(p.id, p.slug) for p in products]
        return engine, picked, race.id


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        placed = session.scalar(select(func.count(Order.id))) or 0
        units = session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))) or 0
        return int(placed), int(units)


# -- one guest's visit ----------------------------------------------------------------------
class Browser:
    """The few things the flow needs from an HTTP client (test client or requests)."""

    def __init__(self, get: Callable[..., Any], post: Callable[..., Any]) -> None:
        self._get, self._post = get, post

    def get(self, path: str) -> tuple[int, str, str]:
        return self._get(path)

    def post(self, path: str, data: dict[str, Any]) -> tuple[int, str, str]:
        return self._post(path, data)


def visit(browser: Browser, products: list[tuple[int, str]], rng_index: int) -> str:
    """One order; returns its number (raises AssertionError on any surprise)."""
    chosen = [products[10 * n + (rng_index % 10)] for n in range(3)]  # one per cooperative
    status, body, _ = browser.get(f"/fr/p/{chosen[0][1]}")
    assert status == 200, status
    assert 'action="/cart/add"' in body, "product page has the cart form"
    for product_id, _ in chosen:
        status, _, location = browser.post(
            "/cart/add", {"product_id": product_id, "quantity": 1 + rng_index % 3}
        )
        assert status == 302 and location.endswith("/cart/"), (status, location)
    status, body, _ = browser.get("/cart/")
    token = TOKEN.search(body)
    assert status == 200 and token, "the cart page has its forms"
    csrf = token.group(1)
    status, _, _ = browser.get("/checkout/")
    assert status == 200
    status, _, location = browser.post("/checkout/", dict(DETAILS, csrf_token=csrf))
    assert status == 302 and location.endswith("/checkout/review"), (status, location)
    status, body, _ = browser.get("/checkout/review")
    assert status == 200 and TOTAL.search(body), status
    fields = {
        "token": CONFIRM_TOKEN.search(body).group(1),  # type: ignore[union-attr]
        "expected_total": TOTAL.search(body).group(1),  # type: ignore[union-attr]
        "csrf_token": csrf,
    }
    status, _, location = browser.post("/checkout/confirm", fields)
    assert status == 302 and "/orders/TW-" in location, (status, location)
    number = location.rsplit("/", 1)[-1]
    status, _, _ = browser.get(f"/orders/{number}")
    assert status == 200
    return number


REQUESTS_PER_ORDER = 10


# -- in process ----------------------------------------------------------------------------
def run_in_process(url: str, products: list[tuple[int, str]], orders: int, tmp: Path) -> dict:
    from storefront import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "UPLOAD_FOLDER": str(tmp / "uploads"),
            "RATELIMIT_ENABLED": False,
        }
    )

    def client_browser() -> Browser:
        client = app.test_client()

        def get(path: str) -> tuple[int, str, str]:
            r = client.get(path)
            return r.status_code, r.get_data(as_text=True), r.headers.get("Location", "")

        def post(path: str, data: dict[str, Any]) -> tuple[int, str, str]:
            r = client.post(path, data=data, headers=SAME_ORIGIN)
            return r.status_code, r.get_data(as_text=True), r.headers.get("Location", "")

        return Browser(get, post)

    visit(client_browser(), products, 0)  # warm-up: templates compiled, pools open
    durations = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(1, orders + 1):
        t0 = time.perf_counter()
        visit(client_browser(), products, i)
        durations.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "orders": orders,
        "orders_per_s": orders / elapsed,
        # CPU time of this process (the app; and the database too, for SQLite): less
        # sensitive than wall time to other work on the machine
        "cpu_ms_per_order": cpu / orders * 1000,
        "ms_per_order_p50": statistics.median(durations) * 1000,
        "ms_per_order_p95": _p95(durations) * 1000,
    }


# -- gunicorn on loopback -------------------------------------------------------------------
def run_gunicorn(
    url: str, products: list[tuple[int, str]], concurrency: int, duration: float, tmp: Path
) -> dict:
    done: list[float] = []
    failures: Counter = Counter()
    lock = threading.Lock()
    stop_at = 0.0

    def worker(n: int, base: str) -> None:
        i = n * 100_000
        while time.perf_counter() < stop_at:
            browser = _requests_browser(base)  # a new guest: new cookies
            t0 = time.perf_counter()
            try:
                visit(browser, products, i)
            except (AssertionError, requests.RequestException) as exc:
                with lock:
                    failures[type(exc).__name__] += 1
            else:
                with lock:
                    done.append(time.perf_counter() - t0)
            i += 1

    with gunicorn(url, tmp, ready_path="/cart/") as base:
        visit(_requests_browser(base), products, 0)  # warm up both workers a little
        visit(_requests_browser(base), products, 1)
        stop_at = time.perf_counter() + duration
        threads = [threading.Thread(target=worker, args=(n, base)) for n in range(concurrency)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "orders": len(done),
        "failed": sum(failures.values()),
        "failures": dict(failures),
        "orders_per_s": len(done) / elapsed,
        "ms_per_order_p50": statistics.median(done) * 1000 if done else 0.0,
        "ms_per_order_p95": _p95(done) * 1000 if done else 0.0,
    }


def _requests_browser(base: str) -> Browser:
    session = requests.Session()
    return Browser(
        lambda p: _answer(session.get(base + p, allow_redirects=False, timeout=60)),
        lambda p, d: _answer(
            session.post(base + p, data=d, headers=SAME_ORIGIN, allow_redirects=False, timeout=60)
        ),
    )


def _answer(r: requests.Response) -> tuple[int, str, str]:
    return r.status_code, r.text, r.headers.get("Location", "")


# -- the race --------------------------------------------------------------------------------
def run_race(url: str, product_id: int, buyers: int) -> dict:
    engine = create_engine(url, pool_size=buyers, max_overflow=0)
    configure_sqlite(engine)
    start = threading.Barrier(buyers)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    now = datetime.now(UTC)

    def buy(i: int) -> None:
        with Session(engine) as session:
            session.connection()
            start.wait()
            try:
                place_order(
                    session,
                    {product_id: 1},
                    customer=Customer(f"Buyer {i}", f"b{i}@example.ma", "0612345678"),
                    address=Address("06", "06.141", "12 rue des Orangers"),
                    delivery_option="home",
                    payment_method="cod",
                    now=now,
                )
                session.commit()
                result = "sold"
            except InsufficientStock:
                session.rollback()
                result = "refused"
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    with Session(engine) as session:
        stock = session.scalar(
            select(Product.on_hand - Product.allocated).where(Product.id == product_id)
        )
        sold = session.scalar(
            select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
                OrderLine.product_id == product_id
            )
        )
    engine.dispose()
    return {
        "buyers": buyers,
        "sold": outcomes["sold"],
        "refused": outcomes["refused"],
        "units_in_orders": int(sold or 0),
        "stock_left": int(stock or 0),
        "seconds": elapsed,
    }


# -- main ------------------------------------------------------------------------------------
def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="emptied first! default: a temporary SQLite file")
    parser.add_argument("--orders", type=int, default=300, help="in-process orders")
    parser.add_argument("--concurrency", type=int, default=8, help="gunicorn client threads")
    parser.add_argument("--duration", type=float, default=20.0, help="gunicorn run, seconds")
    parser.add_argument("--race-buyers", type=int, default=200)
    parser.add_argument("--skip-gunicorn", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url = args.database_url or f"sqlite:///{tmp / 'checkout.db'}"
        engine, products, race_product = prepare_database(url)
        dialect = engine.dialect.name
        engine.dispose()
        print(f"database: {dialect}; cpus: {os.cpu_count()}", flush=True)

        inproc = run_in_process(url, products, args.orders, tmp)
        print(f"in process: {inproc}", flush=True)
        served = None
        if not args.skip_gunicorn:
            served = run_gunicorn(url, products, args.concurrency, args.duration, tmp)
            print(f"gunicorn:   {served}", flush=True)
        check_engine = create_engine(url)
        placed, _ = counts(check_engine)
        check_engine.dispose()
        race = run_race(url, race_product, args.race_buyers)
        print(f"race:       {race}", flush=True)
        assert race["sold"] == race["units_in_orders"] == 10 and race["stock_left"] == 0

    lines = [
        f"# Checkout bench — {dialect} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cpus)",
        "",
        "| run | orders | orders/s | requests/s | ms/order p50 | ms/order p95 "
        "| CPU ms/order | failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        _row("in process, 1 thread", inproc),
    ]
    if served:
        lines.append(_row(f"gunicorn 2 workers, {served['concurrency']} clients", served))
    lines += [
        "",
        f"Orders in the database after the runs: {placed}.",
        "",
        f"Race: {race['buyers']} buyers for the last 10 units: {race['sold']} sold, "
        f"{race['refused']} refused, {race['stock_left']} left, "
        f"{race['units_in_orders']} units in orders, {race['seconds']:.2f} s.",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"checkout-{dialect}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _row(label: str, r: dict) -> str:
    cpu = f"{r['cpu_ms_per_order']:.0f}" if "cpu_ms_per_order" in r else "—"
    return (
        f"| {label} | {r['orders']} | {r['orders_per_s']:.1f} | "
        f"{r['orders_per_s'] * REQUESTS_PER_ORDER:.0f} | {r['ms_per_order_p50']:.0f} | "
        f"{r['ms_per_order_p95']:.0f} | {cpu} | {r.get('failed', 0)} |"
    )


if __name__ == "__main__":
    main()
