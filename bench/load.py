"""Mixed load on the storefront under gunicorn: browsing, search, cart and cash-on-
delivery checkout, then a check that every unit of stock is accounted for.

    .venv/bin/python bench/load.py --database-url postgresql+psycopg://user@127.0.0.1:5432/bench

The database is **emptied**, then holds three cooperatives of ten products each
(500 units apiece) and the Amana shipping tariffs. gunicorn runs 2 sync workers on a
free port of 127.0.0.1 (rate limits off: every client shares one address); client
threads replay, until ``--duration`` seconds or ``--max-requests`` requests, visits
drawn with a fixed seed: browse (home, a category, a product page), search, fill a cart,
or go through the whole cash-on-delivery checkout. Loopback only; bounded in time and
requests; stops by itself. Prints requests/s, latency percentiles and errors, and
verifies that each product's stock equals its initial stock minus the units of the
orders placed (writes ``bench/out/load.json``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._gunicorn import gunicorn  # noqa: E402
from catalog.db import import_models  # noqa: E402
from catalog.models import (  # noqa: E402
    Category,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductStatus,
    create_all,
)
from catalog.rules import refresh_products  # noqa: E402
from orders.models import Order, OrderLine  # noqa: E402
from orders.shipping import seed_amana_preset  # noqa: E402
from storefront.demo.identifiers import make_ice  # noqa: E402

OUT = ROOT / "bench" / "out"
INITIAL_STOCK = 500
REGIONS = (("06", "06.141"), ("09", "09.001"), ("04", "04.421"))
KINDS = (("huile-argan", "Huile d'argan"), ("miel", "Miel de thym"), ("couscous", "Couscous"))
WORDS = ("argan", "miel", "couscous", "thym", "huile", "bio")
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
TOTAL = re.compile(r'name="expected_total" type="hidden" value="([^"]+)"')
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
#: visit kinds and their weights
MIX = {"browse": 45, "search": 25, "cart": 15, "checkout": 15}


class Unexpected(Exception):
    pass


# -- data ---------------------------------------------------------------------------------
def prepare(url: str) -> tuple[Engine, list[dict]]:
    engine = create_engine(url)
    if engine.dialect.name != "postgresql":
        raise SystemExit("the load run is meant for PostgreSQL")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    import_models()
    create_all(engine)
    return engine, populate(engine)


def populate(engine: Engine) -> list[dict]:
    """The three cooperatives, their thirty products and the tariffs, in an empty
    database with the schema."""
    with Session(engine) as session:
        categories = [Category(slug=slug, name_fr=name) for slug, name in KINDS]
        session.add_all(categories)
        products = []
        for n, (region, province) in enumerate(REGIONS):
            coop = Cooperative(
                slug=f"load-{n}",
                name_fr=f"Coopérative Charge {n}",
                ice=make_ice(800_000 + n),
                region_code=region,
                province_code=province,
                status=CooperativeStatus.VERIFIED,
            )
            session.add(coop)
            for k in range(10):
                slug, name = KINDS[k % 3]
                products.append(
                    Product(
                        cooperative=coop,
                        category=categories[k % 3],
                        sku=f"L{n}-{k}",
                        slug=f"load-{n}-{k}",
                        title_fr=f"{name} {n}-{k}",
                        price_minor=4_000 + 250 * k,
                        on_hand=INITIAL_STOCK,
                        shipping_weight_g=250 + 50 * k,
                        status=ProductStatus.PUBLISHED,
                    )
                )
        session.add_all(products)
        session.flush()
        refresh_products(session, datetime.now(UTC).date())
        seed_amana_preset(session)
        session.commit()
        return [{"id": p.id, "slug": p.slug, "category": KINDS[i % 10 % 3][0]}
                for i, p in enumerate(products)]  # fmt: skip


# -- server ---------------------------------------------------------------------------------
# -- visits ---------------------------------------------------------------------------------
class Client:
    """One guest (its own cookies), timing every request."""

    def __init__(self, base: str, record: callable) -> None:
        self.base = base
        self.http = requests.Session()
        self.record = record

    def call(self, kind: str, method: str, path: str, expect: int, **kw) -> requests.Response:
        t0 = time.perf_counter()
        response = self.http.request(
            method, self.base + path, allow_redirects=False, timeout=60, **kw
        )
        self.record(kind, time.perf_counter() - t0, response.status_code == expect)
        if response.status_code != expect:
            raise Unexpected(f"{method} {path}: {response.status_code}")
        return response


def browse(c: Client, rng: random.Random, products: list[dict]) -> None:
    p = rng.choice(products)
    c.call("browse", "GET", "/fr/", 200)
    c.call("browse", "GET", f"/fr/c/{p['category']}", 200)
    c.call("browse", "GET", f"/fr/p/{p['slug']}", 200)


def search(c: Client, rng: random.Random, products: list[dict]) -> None:
    c.call("search", "GET", f"/fr/search?q={rng.choice(WORDS)}", 200)
    c.call("search", "GET", f"/fr/search?q={rng.choice(WORDS)}&sort=price_asc&page=2", 200)


def _fill_cart(c: Client, kind: str, rng: random.Random, products: list[dict]) -> tuple[str, dict]:
    page = c.call(kind, "GET", f"/fr/p/{rng.choice(products)['slug']}", 200).text
    if 'action="/cart/add"' not in page:
        raise Unexpected("no add-to-cart form on the product page")
    bought: dict[int, int] = {}
    for p in rng.sample(products, 2):
        quantity = rng.randint(1, 3)
        data = {"product_id": p["id"], "quantity": quantity}
        # no CSRF token: checked by where it comes from, as a browser says
        c.call(kind, "POST", "/cart/add", 302, data=data, headers={"Sec-Fetch-Site": "same-origin"})
        bought[p["id"]] = bought.get(p["id"], 0) + quantity
    found = TOKEN.search(c.call(kind, "GET", "/cart/", 200).text)
    if not found:
        raise Unexpected("no CSRF token on the cart page")
    return found.group(1), bought


def cart(c: Client, rng: random.Random, products: list[dict]) -> None:
    _fill_cart(c, "cart", rng, products)


def checkout(c: Client, rng: random.Random, products: list[dict]) -> dict[int, int]:
    csrf, bought = _fill_cart(c, "checkout", rng, products)
    c.call("checkout", "GET", "/checkout/", 200)
    c.call("checkout", "POST", "/checkout/", 302, data=dict(DETAILS, csrf_token=csrf))
    review = c.call("checkout", "GET", "/checkout/review", 200).text
    token, total = CONFIRM_TOKEN.search(review), TOTAL.search(review)
    if not (token and total):
        raise Unexpected("no confirmation form on the review page")
    fields = {"token": token.group(1), "expected_total": total.group(1), "csrf_token": csrf}
    placed = c.call("checkout", "POST", "/checkout/confirm", 302, data=fields)
    c.call("checkout", "GET", urlsplit(placed.headers["Location"]).path, 200)
    return bought


VISITS = {"browse": browse, "search": search, "cart": cart, "checkout": checkout}


# -- the run ---------------------------------------------------------------------------------
def run(
    base: str,
    products: list[dict],
    args: argparse.Namespace,
    during: tuple[float, Callable[[], None]] | None = None,
    mix: dict[str, int] = MIX,
) -> dict:
    """The load; ``during``: (seconds, what) done that many seconds into the run;
    ``mix``: the weight of each kind of visit."""
    lock = threading.Lock()
    timings: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    sold: Counter = Counter()
    orders = [0]
    stop_at = time.perf_counter() + args.duration

    def record(kind: str, seconds: float, ok: bool) -> None:
        with lock:
            timings[kind].append(seconds)
            if not ok:
                errors[kind] += 1

    def total() -> int:
        return sum(len(v) for v in timings.values())

    def worker(n: int) -> None:
        rng = random.Random(args.seed * 1000 + n)
        names, weights = zip(*mix.items(), strict=True)
        while time.perf_counter() < stop_at and total() < args.max_requests:
            kind = rng.choices(names, weights)[0]
            client = Client(base, record)
            try:
                result = VISITS[kind](client, rng, products)
            except (Unexpected, requests.RequestException) as exc:
                with lock:
                    errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            if kind == "checkout":
                with lock:
                    sold.update(result)
                    orders[0] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.concurrency)]
    if during is not None:
        threads.append(threading.Timer(*during))
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    every = [s for values in timings.values() for s in values]
    return {
        "elapsed_s": round(elapsed, 2),
        "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1),
        "p50_ms": round(statistics.median(every) * 1000, 1),
        "p95_ms": round(percentile(every, 95) * 1000, 1),
        "by_kind": {
            kind: {
                "requests": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p95_ms": round(percentile(values, 95) * 1000, 1),
            }
            for kind, values in sorted(timings.items())
        },
        "errors": dict(errors),
        "orders": orders[0],
        "sold": dict(sold),
        "unsure": sum(n for kind, n in errors.items() if kind.startswith("checkout: ")),
    }


def failed_visits(result: dict) -> int:
    """Visits that ended early (``errors`` also counts their failed request by kind)."""
    return sum(n for kind, n in result["errors"].items() if ": " in kind)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def check_stock(
    engine: Engine, products: list[dict], sold: dict[int, int], orders: int, unsure: int = 0
) -> dict:
    """Every product's stock is its initial stock less the units sold, and the
    database holds exactly the orders the clients placed. ``unsure``: checkouts that
    ended in an error (a host killed while answering): each may or may not have been
    placed, so the database holds every order confirmed to a client, at most
    ``unsure`` more, and the stock is exact against the orders it holds."""
    with Session(engine) as session:
        stock = dict(session.execute(select(Product.id, Product.on_hand - Product.allocated)).all())
        lines = dict(
            session.execute(
                select(OrderLine.product_id, func.sum(OrderLine.quantity)).group_by(
                    OrderLine.product_id
                )
            ).all()
        )
        placed = session.scalar(select(func.count(Order.id))) or 0
    wrong = {
        p["id"]: (stock[p["id"]], INITIAL_STOCK - sold.get(p["id"], 0), lines.get(p["id"], 0))
        for p in products
        if stock[p["id"]] != INITIAL_STOCK - int(lines.get(p["id"], 0))
        or not sold.get(p["id"], 0) <= int(lines.get(p["id"], 0))
        or (not unsure and sold.get(p["id"], 0) != int(lines.get(p["id"], 0)))
    }
    return {"orders_in_db": int(placed), "orders_placed": orders, "unsure": unsure,
            "stock_exact": not wrong, "orders_exact": orders <= placed <= orders + unsure,
            "mismatches": wrong}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL; emptied first!")
    parser.add_argument(
        "--cluster", action="store_true", help="through nginx in front of `make cluster`'s "
        "topology, started here on its own PostgreSQL (deploy/cluster.py)"
    )  # fmt: skip
    parser.add_argument("--cluster-port", type=int, default=8100, help="nginx's; the others follow")
    parser.add_argument("--kill-host-after", type=float, help="--cluster: kill host a then (s)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds, at most")
    parser.add_argument("--max-requests", type=int, default=20_000, help="at most")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.cluster:
        result = _through_cluster(args)
    elif args.database_url:
        engine, products = prepare(args.database_url)
        with tempfile.TemporaryDirectory() as tmp, gunicorn(args.database_url, Path(tmp)) as base:
            result = run(base, products, args)
        _check(result, engine, products)
    else:
        parser.error("--database-url or --cluster")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "load.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    ok = result["stock"]["stock_exact"] and result["stock"]["orders_exact"]
    # killing a host fails the requests it was answering, no other
    ok = ok and failed_visits(result) <= (args.concurrency if args.kill_host_after else 0)
    sys.exit(0 if ok else 1)


def _check(result: dict, engine: Engine, products: list[dict]) -> None:
    unsure = result.pop("unsure")
    result["stock"] = check_stock(engine, products, result.pop("sold"), result["orders"], unsure)


def _through_cluster(args: argparse.Namespace) -> dict:
    from deploy import cluster

    # every client comes from 127.0.0.1: the checkout limit per address would stop them
    settings = {"TAAWUN_RATELIMIT_CHECKOUT": "100000 per minute"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        state = cluster.start(folder, args.cluster_port, demo=False, settings=settings)
        try:
            engine = create_engine(state["database_url"])
            products = populate(engine)
            kill = None
            if args.kill_host_after is not None:
                kill = (args.kill_host_after, lambda: cluster.kill_host(folder, "a"))
            result = run(state["url"], products, args, kill)
            answered = cluster.answered_by(folder)
            result["answered_by"] = dict(Counter(", ".join(hosts) for *_, hosts in answered))
            _check(result, engine, products)
            engine.dispose()
        finally:
            cluster.stop(folder)
    return result


if __name__ == "__main__":
    main()
