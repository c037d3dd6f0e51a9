"""Catalog at national scale: data generator and page benchmark.

usage:
  .venv/bin/python bench/catalog.py generate [--database-url URL] [--cooperatives N] [--products N]
  .venv/bin/python bench/catalog.py measure  [--database-url URL] [--runs 3] [--duration 8]
  .venv/bin/python bench/catalog.py search   [--database-url URL] [--runs 3]
  .venv/bin/python bench/catalog.py longtail [--database-url URL] [--runs 1] [--duration 8]
                                             [--distinct 2000] [--sales 0]
  .venv/bin/python bench/catalog.py profile  [--database-url URL] [--kind listing] [--top 30]
  .venv/bin/python bench/catalog.py warm-up  [--database-url URL] [--redis-url URL]

``generate`` builds 60,000 cooperatives in the 12 regions and 300,000 products in the
demo categories (French and Arabic titles, certificates so that most products are
sellable) into ``bench/data/catalog.db`` (SQLite) or the PostgreSQL database named by
``--database-url``. The schema comes from the project's migrations; rows go in by bulk
inserts; the denormalised columns are computed with the same functions
:func:`catalog.rules.refresh_products` uses, then a random sample is re-checked with
``refresh_products`` itself (it must change nothing).

``measure`` times the category listing, facet-heavy, search (French and Arabic),
product and home pages: server time per request (a WSGI middleware around the app,
requests made in-process) and requests/s under gunicorn with 2 sync workers on
127.0.0.1, loaded by ``wrk`` (bounded duration; loopback only), beside a bare Flask
page of the same HTML size served the same way. It prints a table of medians over the
runs and writes it to ``bench/out/``.

``longtail`` is real traffic's shape: thousands of distinct product pages, facet
combinations, listing pages and search words (``--distinct`` of each), each seen about
once, by an anonymous visitor (page cache on) and by a shopper with a cart (their
session cookie on every request: no page cache), under the same gunicorn and ``wrk``
set-up, beside the bare page; requests/s, ratio to bare, p50 and p99 latency. With
``--sales N`` another process moves stock N times a second meanwhile, each move changing
what the pages show ("only N left"), as a shop's sales do all day.

``profile`` runs each kind of page in-process under cProfile (page cache off, facet
cache warm) and prints where the time goes.

``warm-up`` times two workers' start-up warm-up one after the other; with
``--redis-url`` (emptied first) the second takes from Redis the search terms the first
read.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    # this file is named catalog.py: make ``import catalog`` find the package, not us
    sys.path[:1] = [str(ROOT)]

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from catalog import regions as regions_data  # noqa: E402
from catalog.db import configure_sqlite, import_models  # noqa: E402
from catalog.models import (  # noqa: E402
    Category,
    CategoryRule,
    Certificate,
    Cooperative,
    Product,
    ProductImage,
    ProductLabel,
    create_all,
)
from catalog.rules import problems, refresh_products, valid_kinds  # noqa: E402
from catalog.text import search_texts  # noqa: E402
from storefront.demo.identifiers import make_ice  # noqa: E402

DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "out"
SQLITE_URL = f"sqlite:///{DATA / 'catalog.db'}"
UPLOADS = DATA / "uploads"
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHUNK = 5_000
SECRET = secrets.token_urlsafe(48)

# French and Arabic qualifiers that make titles look like a real catalogue's
QUALIFIERS = [
    ("bio", "عضوي", "organic"),
    ("artisanal", "تقليدي", "artisan"),
    ("extra", "ممتاز", "premium"),
    ("format familial", "حجم عائلي", "family size"),
    ("coffret cadeau", "علبة هدية", "gift box"),
    ("récolte {year}", "محصول {year}", "{year} harvest"),
    ("du terroir", "من الحقل", "from the land"),
    ("", "", ""),
    ("", "", ""),
]
AR_DESCRIPTION = "{title} من إنتاج {coop} في {province}. منتوج محلي يباع مباشرة من التعاونية."
FR_DESCRIPTION = "{desc} Produit par la {coop}, {province}. Livraison dans tout le Maroc."
EN_DESCRIPTION = "Made by {coop} in {province}."


# -- generation ---------------------------------------------------------------------------


def _app(url: str, **config: Any):  # noqa: ANN202 (Flask app)
    from storefront import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "UPLOAD_FOLDER": str(UPLOADS),
            "WTF_CSRF_ENABLED": False,
            **config,
        }
    )


def _fresh_schema(url: str) -> None:
    """Drop what is there and create every table of the project's models (the schema
    the migrations make; tests/test_migrations.py keeps the two equal)."""
    import_models()
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    configure_sqlite(engine)
    if not url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    create_all(engine)
    engine.dispose()


def _images() -> list[tuple[str, int, int]]:
    """A few pictures shared by all products (the page weight is the HTML's, not theirs)."""
    from storefront.demo.images import DRAWINGS, SIZE, draw

    UPLOADS.mkdir(parents=True, exist_ok=True)
    found = []
    for i, kind in enumerate(list(DRAWINGS)[:24]):
        name = f"bench-{i:02d}.jpg"
        if not (UPLOADS / name).exists():
            draw(i, kind).save(UPLOADS / name, "JPEG", quality=70, optimize=True)
        found.append((name, SIZE, SIZE))
    return found


@dataclass
class Counts:
    cooperatives: int = 0
    products: int = 0
    sellable: int = 0
    certificates: int = 0
    labels: int = 0


def generate(url: str, n_coops: int, n_products: int, seed: int = 2020) -> Counts:
    from storefront.demo.catalog_data import (
        CATEGORIES,
        KINDS,
        NAME_STEMS,
        REGION_SPECIALITIES,
        RULES,
        SECTOR_OF_KIND,
    )

    started = time.perf_counter()
    rng = random.Random(seed)
    _fresh_schema(url)
    print(f"schema ready in {time.perf_counter() - started:.1f}s", flush=True)
    engine = create_engine(url)
    configure_sqlite(engine)
    counts = Counts()
    pictures = _images()

    with Session(engine) as session:
        cats: dict[str, Category] = {}
        for position, (slug, parent, fr, ar, en, nutrition) in enumerate(CATEGORIES):
            cat = Category(
                slug=slug, name_fr=fr, name_ar=ar, name_en=en, position=position,
                nutrition_key=nutrition,
            )  # fmt: skip
            if parent:
                cat.parent = cats[parent]
            if slug in RULES:
                kinds, cap = RULES[slug]
                cat.rule = CategoryRule(required_kinds=kinds, max_unit_price_minor=cap)
            cats[slug] = cat
            session.add(cat)
        session.flush()

        # cooperatives, weighted by the regions' population, provinces likewise
        regions = regions_data.regions()
        region_weights = [r.population for r in regions]
        provinces = {r.code: regions_data.provinces_of(r.code) for r in regions}
        coop_rows: list[dict[str, Any]] = []
        coop_info: list[SimpleNamespace] = []
        cert_rows: list[dict[str, Any]] = []
        for cid in range(1, n_coops + 1):
            reg = rng.choices(regions, weights=region_weights)[0]
            options = provinces[reg.code]
            prov = rng.choices(options, weights=[p.population for p in options])[0]
            stem_fr, stem_ar = NAME_STEMS[rng.randrange(len(NAME_STEMS))]
            kinds = rng.sample(REGION_SPECIALITIES[reg.code], k=rng.choice([1, 1, 2, 2, 3]))
            if rng.random() < 0.02:
                kinds.append("mask")
            women_led = rng.random() < 0.35
            members = rng.randint(7, 150)
            status = rng.choices(["verified", "pending", "suspended"], weights=[94, 5, 1])[0]
            row = {
                "id": cid,
                "slug": f"{stem_fr.lower().replace(' ', '-')}-{cid}",
                "name_fr": f"Coopérative {stem_fr} {prov.name_fr}",
                "name_ar": f"تعاونية {stem_ar} {prov.name_ar}",
                "registration_number": f"{rng.randint(100, 9999)}/{rng.randint(1990, 2025)}",
                "registration_court": f"Tribunal de première instance de {prov.name_fr}",
                "ice": make_ice(10_000_000 + cid),
                "region_code": reg.code,
                "province_code": prov.code,
                "city": prov.name_fr,
                "rural": rng.random() < 0.8,
                "women_led": women_led,
                "members": members,
                "women_members": members if women_led else rng.randint(0, members // 2),
                "sector": SECTOR_OF_KIND.get(kinds[0], "agriculture"),
                "founded_year": rng.randint(1975, 2025),
                "story_fr": (
                    f"La coopérative {stem_fr} réunit {members} membres à {prov.name_fr} "
                    "et vend directement ce qu'elle produit."
                ),
                "story_ar": f"تعاونية {stem_ar} تضم {members} عضوا في {prov.name_ar}.",
                "story_en": f"{stem_fr} cooperative: {members} members in {prov.name_fr}.",
                "phone": f"+2126{rng.randint(10_000_000, 99_999_999)}",
                "status": status,
                "featured": rng.random() < 0.001,
                "created_at": NOW,
                "verified_at": NOW if status == "verified" else None,
            }
            coop_rows.append(row)
            certificates = []
            needed = set()
            for kind in kinds:
                cat = cats[KINDS[kind][0]]
                for node in cat.lineage():
                    if node.rule is not None:
                        needed.update(node.rule.required_kinds)
            if "saffron" in kinds:
                needed.add("aop")
            if "argan_food" in kinds or "argan_cosmetic" in kinds:
                needed.add("igp")
            for extra in ("organic", "terroir", "handmade", "label_agricole"):
                if rng.random() < 0.08:
                    needed.add(extra)
            for kind in sorted(needed):
                lapsed = rng.random() < 0.06
                cert = {
                    "id": len(cert_rows) + 1,
                    "cooperative_id": cid,
                    "kind": kind,
                    "number": f"{kind.upper()}-{rng.randint(10_000, 99_999)}",
                    "issuer": "ONSSA" if kind == "onssa" else "SDOQ",
                    "issued_on": TODAY - timedelta(days=rng.randint(100, 900)),
                    "expires_on": TODAY + timedelta(days=-3 if lapsed else rng.randint(30, 900)),
                    "status": "expired" if lapsed else "verified",
                    "created_at": NOW,
                    "verified_at": NOW,
                }
                cert_rows.append(cert)
                certificates.append(_Cert(kind, cert["status"], cert["expires_on"]))
            coop_info.append(
                SimpleNamespace(
                    row=row,
                    kinds=kinds,
                    status=status,
                    certificates=certificates,
                    region_code=reg.code,
                    women_led=women_led,
                    name_fr=row["name_fr"],
                    name_ar=row["name_ar"],
                    city=row["city"],
                    province_ar=prov.name_ar,
                )
            )
        counts.cooperatives, counts.certificates = len(coop_rows), len(cert_rows)
        _bulk(session, Cooperative, coop_rows)
        _bulk(session, Certificate, cert_rows)
        print(
            f"{counts.cooperatives} cooperatives in {time.perf_counter() - started:.1f}s",
            flush=True,
        )

        # products: one per cooperative, the rest to cooperatives drawn with a long tail
        owners = list(range(n_coops)) + rng.choices(
            range(n_coops),
            weights=[1 / (1 + (i % 97)) for i in range(n_coops)],
            k=max(0, n_products - n_coops),
        )
        owners.sort()
        product_rows: list[dict[str, Any]] = []
        label_rows: list[dict[str, Any]] = []
        image_rows: list[dict[str, Any]] = []
        per_coop: dict[int, int] = {}
        for pid, owner in enumerate(owners[:n_products], start=1):
            coop = coop_info[owner]
            kind = rng.choice(coop.kinds)
            slug, fr, ar, en, unit, qty, weight, (low, high), mto, per_day, desc = KINDS[kind]
            q_fr, q_ar, q_en = rng.choice(QUALIFIERS)
            year = rng.choice([2025, 2026])
            title_fr = f"{fr} {q_fr.format(year=year)}".strip()
            title_ar = f"{ar} {q_ar.format(year=year)}".strip()
            title_en = f"{en} {q_en.format(year=year)}".strip()
            price = rng.randint(low, high) * 100 + rng.choice([0, 0, 50])
            if kind == "mask" and rng.random() < 0.1:
                price = 700  # above the 6 MAD cap: refused by the category rule
            n = per_coop[owner] = per_coop.get(owner, 0) + 1
            status = rng.choices(["published", "draft", "unpublished"], weights=[93, 4, 3])[0]
            category = cats[slug]
            product = SimpleNamespace(
                id=pid,
                status=status,
                price_minor=price,
                cooperative=coop,
                category=category,
                title_fr=title_fr,
                title_ar=title_ar,
                title_en=title_en,
                description_fr=FR_DESCRIPTION.format(
                    desc=desc, coop=coop.name_fr, province=coop.city
                ),
                description_ar=AR_DESCRIPTION.format(
                    title=title_ar, coop=coop.name_ar, province=coop.province_ar
                ),  # fmt: skip
                description_en=EN_DESCRIPTION.format(coop=coop.name_fr, province=coop.city),
                sku=f"{kind.upper().replace('_', '-')}-{n:03d}",
            )
            sellable = not problems(product, TODAY)  # type: ignore[arg-type]
            document, stems = search_texts(product)  # type: ignore[arg-type]
            row = {
                "id": pid,
                "cooperative_id": coop.row["id"],
                "category_id": category.id,
                "sku": product.sku,
                "slug": f"{kind.replace('_', '-')}-{coop.row['slug']}-{n}",
                "title_fr": title_fr,
                "title_ar": title_ar,
                "title_en": title_en,
                "description_fr": product.description_fr,
                "description_ar": product.description_ar,
                "description_en": product.description_en,
                "price_minor": price,
                "currency": "MAD",
                "unit": unit,
                "net_quantity": qty,
                "shipping_weight_g": weight,
                "on_hand": 0 if mto and rng.random() < 0.5 else rng.choice([0, 3, 8, 15, 40, 120]),
                "made_to_order": mto,
                "units_per_day": per_day if mto else 0,
                "lead_days": 2 if mto else 0,
                "low_stock_threshold": 5,
                "status": status,
                "status_reason": "",
                "featured": rng.random() < 0.01,
                "sellable": sellable,
                "region_code": coop.region_code,
                "women_led": coop.women_led,
                "search_document": document,
                "search_stems": stems,
                "created_at": NOW - timedelta(minutes=n_products - pid),
                "updated_at": NOW,
            }
            product_rows.append(row)
            if sellable:
                counts.sellable += 1
                for label in sorted(valid_kinds(product, coop.certificates, TODAY)):  # type: ignore[arg-type]
                    label_rows.append({"product_id": pid, "kind": label})
            picture = pictures[rng.randrange(len(pictures))]
            image_rows.append(
                {
                    "id": pid,
                    "product_id": pid,
                    "filename": picture[0],
                    "width": picture[1],
                    "height": picture[2],
                    "position": 0,
                    "alt": title_fr,
                }
            )
            if len(product_rows) >= 50_000:
                _flush_products(session, product_rows, image_rows, label_rows, counts)
                print(f"{pid} products in {time.perf_counter() - started:.1f}s", flush=True)
        _flush_products(session, product_rows, image_rows, label_rows, counts)
        session.commit()
        _after_load(session)
        session.commit()
        _check_sample(session, rng, n_products)
    engine.dispose()
    print(
        f"done in {time.perf_counter() - started:.0f}s: {counts.cooperatives} cooperatives, "
        f"{counts.products} products ({counts.sellable} sellable), "
        f"{counts.certificates} certificates, {counts.labels} labels",
        flush=True,
    )
    return counts


@dataclass(frozen=True, slots=True)
class _Cert:
    """What :func:`catalog.rules.valid_kinds` reads of a cooperative-wide certificate."""

    kind: str
    status: str
    expires_on: date
    product_id: None = None

    def is_valid_on(self, day: date) -> bool:
        return self.status == "verified" and self.expires_on >= day


def _bulk(session: Session, model: type, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start : start + CHUNK])
    rows.clear()


def _flush_products(
    session: Session,
    products: list[dict[str, Any]],
    images: list[dict[str, Any]],
    labels: list[dict[str, Any]],
    counts: Counts,
) -> None:
    counts.products += len(products)
    counts.labels += len(labels)
    _bulk(session, Product, products)
    _bulk(session, ProductImage, images)
    _bulk(session, ProductLabel, labels)


def _after_load(session: Session) -> None:
    """Sequences past the explicit ids (PostgreSQL) and fresh planner statistics."""
    if session.get_bind().dialect.name == "postgresql":
        tables = ("catalog_cooperative", "catalog_certificate", "catalog_product",
                  "catalog_product_image", "catalog_category", "catalog_category_rule")  # fmt: skip
        for table in tables:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )  # fmt: skip
            )
        session.commit()
        with session.get_bind().connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))


def _check_sample(session: Session, rng: random.Random, n_products: int) -> None:
    """``refresh_products`` on a random sample must find nothing to change."""
    ids = rng.sample(range(1, n_products + 1), k=min(2_000, n_products))
    before = {
        row.id: (
            row.sellable,
            row.region_code,
            row.women_led,
            row.search_document,
            row.search_stems,
        )
        for row in session.execute(
            select(
                Product.id,
                Product.sellable,
                Product.region_code,
                Product.women_led,
                Product.search_document,
                Product.search_stems,
            ).where(Product.id.in_(ids))  # fmt: skip
        )
    }
    labels_before = session.scalar(
        select(func.count()).select_from(ProductLabel).where(ProductLabel.product_id.in_(ids))
    )
    refresh_products(session, TODAY, product_ids=ids)
    after = {
        p.id: (p.sellable, p.region_code, p.women_led, p.search_document, p.search_stems)
        for p in session.scalars(select(Product).where(Product.id.in_(ids)))
    }
    labels_after = session.scalar(
        select(func.count()).select_from(ProductLabel).where(ProductLabel.product_id.in_(ids))
    )
    session.rollback()
    wrong = [i for i in ids if before[i] != after[i]]
    if wrong or labels_before != labels_after:
        raise SystemExit(f"bulk path disagrees with refresh_products on {wrong[:10]}")
    print(f"refresh_products agrees on a sample of {len(ids)} products", flush=True)


# -- measurement --------------------------------------------------------------------------

FRENCH_WORDS = ["huile", "miel", "couscous", "tapis", "argan", "safran", "miel thym", "dattes"]
ARABIC_WORDS = ["زيت", "عسل", "كسكس", "زربية", "أركان", "تمر", "زيت الزيتون", "صابون"]
#: what the per-language analysis, synonyms and corrections serve (``search`` command)
SHOPPER_WORDS = [
    "العسل", "بالعسل", "الكسكس", "زيت الأركان", "الزربية", "l3sel", "zerbia", "zit zitoun",
    "honey", "rugs", "huiles d'olive", "argane", "hulie", "couscouss", "mile", "safrane",
]  # fmt: skip


def _pages(url: str, rng: random.Random) -> dict[str, list[str]]:
    """The URLs of each kind of page, drawn from the generated catalog."""
    engine = create_engine(url)
    with Session(engine) as session:
        categories = list(session.scalars(select(Category).order_by(Category.id)))
        slugs = [
            p
            for (p,) in session.execute(
                select(Product.slug).where(Product.sellable.is_(True)).order_by(Product.id)
            )
        ]
    engine.dispose()
    regions = [r.code for r in regions_data.regions()]
    bands = ["lt50", "50-150", "150-300", "gt300"]
    listing = [f"/fr/c/{c.slug}" for c in categories] + [
        f"/fr/c/{c.slug}?page={rng.randint(2, 5)}" for c in categories[:8]
    ]
    facets = [
        f"/fr/c/{rng.choice(categories).slug}?region={rng.choice(regions)}"
        f"&price={rng.choice(bands)}{'&women=1' if rng.random() < 0.3 else ''}"
        for _ in range(32)
    ]
    search = [f"/fr/search?q={quote(w)}" for w in FRENCH_WORDS + ARABIC_WORDS]
    product = [f"/fr/p/{s}" for s in rng.sample(slugs, k=64)]
    return {"listing": listing, "facets": facets, "search": search, "product": product,
            "home": ["/fr/"]}  # fmt: skip


class Timer:
    """WSGI middleware: wall time from the call until the body is fully produced, and
    the CPU time of the thread serving it over the same span (the application's work,
    plus SQLite's, which runs in that thread; steadier than wall time on a machine shared
    with others, and without the facet warmer's background thread)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.samples: list[float] = []
        self.cpu: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        started, cpu = time.perf_counter(), time.thread_time()
        body = b"".join(self.app(environ, start_response))
        self.samples.append((time.perf_counter() - started) * 1000)
        self.cpu.append((time.thread_time() - cpu) * 1000)
        return [body]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def server_times(
    url: str, pages: dict[str, list[str]], rounds: int, **config: Any
) -> dict[str, dict[str, float]]:
    """p50 / p95 / max server time of each kind of page, with warm caches, and the
    number of SQL statements each sends."""
    from sqlalchemy import event

    from storefront.extensions import db
    from storefront.shop import search as search_state

    app = _app(url, **config)
    timer = Timer(app.wsgi_app)
    app.wsgi_app = timer  # type: ignore[method-assign]
    client = app.test_client()
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        search_state.refresh_vocabulary()  # as the facet warmer does in the background
    out: dict[str, dict[str, float]] = {}
    for kind, urls in pages.items():
        for u in urls:  # warm-up: connections, templates, caches
            assert client.get(u).status_code == 200, u
        timer.samples.clear()
        timer.cpu.clear()
        statements.clear()
        requests = 0
        for _ in range(rounds):
            for u in urls:
                client.get(u)
                requests += 1
                if requests >= 240:
                    break
            if requests >= 240:
                break
        samples = timer.samples
        out[kind] = {
            "p50": statistics.median(samples),
            "p95": _percentile(samples, 95),
            "max": max(samples),
            "cpu50": statistics.median(timer.cpu),
            "cpu95": _percentile(timer.cpu, 95),
            "queries": len(statements) / len(samples),
            "bytes": len(client.get(urls[0]).data),
        }
    with app.app_context():
        db.engine.dispose()
    return out


def cold_times(url: str, pages: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """The same with the facet cache off: every count computed by the database."""
    sample = {kind: urls[:6] for kind, urls in pages.items()}
    return server_times(
        url, sample, rounds=1, CATALOG_FACET_CACHE_SECONDS=0, CATALOG_PAGE_CACHE_SECONDS=0
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str]):  # noqa: ANN201
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            # a new search word at national scale counts its facet cube: slow under load
            "--timeout",
            "120",
            app_spec,
        ],  # fmt: skip
        env={**os.environ, **env},
    )
    MASTERS[f"http://127.0.0.1:{port}"] = proc.pid
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


#: the gunicorn master's process id, by the base URL it serves
MASTERS: dict[str, int] = {}


def workers_cpu(base: str) -> float:
    """CPU seconds (user + system) the gunicorn workers serving ``base`` have used so
    far (Linux ``/proc``): what a page costs the server whatever else the machine runs."""
    master = MASTERS[base]
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in Path(f"/proc/{master}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(FileNotFoundError):
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def workers_rss(base: str) -> list[float]:
    """The resident memory (MB) of each gunicorn worker serving ``base`` (Linux ``/proc``)."""
    master = MASTERS[base]
    sizes = []
    for task in Path(f"/proc/{master}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(FileNotFoundError):
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
    return sizes


#: wrk's two threads take every other URL of the list (the first from its start, the
#: second from its second URL), so no URL is asked twice before a thread has gone
#: through its share; at the end each says how many requests it asked
LUA = """
local urls = {%s}
local threads = {}
function setup(thread)
  thread:set("i", #threads)
  table.insert(threads, thread)
end
request = function()
  local url = urls[(i %% #urls) + 1]
  i = i + 2
  return wrk.format("GET", url)
end
function done(summary, latency, requests)
  for n, thread in ipairs(threads) do
    io.write(string.format("thread %%d asked %%d\\n", n - 1, (thread:get("i") - (n - 1)) / 2))
  end
end
"""


def _warm(base: str, urls: list[str]) -> None:
    """Every URL six times, four at a time, so that both workers have their
    connections, templates and facet counts before the clock starts."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    assert base.startswith("http://127.0.0.1:")

    def fetch(url: str) -> None:
        with urllib.request.urlopen(base + url, timeout=300) as response:  # noqa: S310
            response.read()

    with ThreadPoolExecutor(4) as pool:  # 6 rounds: each worker sees each URL
        list(pool.map(fetch, urls * 6))


def _settle(
    base: str, url: str, quiet: float = 0.05, seconds: int = 3, longest: float = 300
) -> None:
    """Wait until both workers are idle: after the first request each builds the
    whole-catalog facet cube, the search vocabulary and its common words' matches in a
    background thread (seconds at 300,000 products), which would otherwise be counted
    against the first pages measured. Idle: for ``seconds`` seconds in a row their CPU
    time grows by less than ``quiet`` s a second and, on PostgreSQL (where the reading
    is the server's work, not the workers'), no statement of theirs is running (one
    look a second can fall between two of the warm-up's statements)."""
    deadline = time.monotonic() + longest
    before = workers_cpu(base)
    idle = 0
    while time.monotonic() < deadline:
        time.sleep(1)
        now = workers_cpu(base)
        idle = idle + 1 if now - before < quiet and not _database_busy(url) else 0
        if idle >= seconds:
            return
        before = now
    raise SystemExit("the workers are still busy after their warm-up")


def _database_busy(url: str) -> bool:
    """Whether another connection than this one runs a statement on ``url``'s
    database (PostgreSQL; SQLite runs in the workers, whose CPU :func:`_settle` reads)."""
    if not url.startswith("postgresql"):
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            busy = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state = 'active' AND pid <> pg_backend_pid()"
                )
            )
    finally:
        engine.dispose()
    return bool(busy)


def wrk(
    base: str, urls: list[str], duration: int, connections: int = 16, cookie: str | None = None
) -> float:
    """Requests/s over ``duration`` seconds, cycling through ``urls`` (loopback only);
    with ``cookie``, every request sends it (a returning visitor)."""
    return float(wrk_latency(base, urls, duration, connections, cookie)["rps"])


def _lua_string(value: str) -> str:
    """A Lua string literal of ``value`` (URLs here are ASCII but for Arabic words,
    which go as UTF-8 bytes; wrk sends them as they are)."""
    return "".join(['"', *(f"\\{b:03d}" for b in value.encode("utf-8")), '"'])


def bare_app():  # noqa: ANN201 (gunicorn factory)
    """A bare Flask page of a given size: the ceiling the storefront is compared with."""
    from flask import Flask

    html = Path(os.environ["BENCH_BARE_HTML"]).read_bytes()
    app = Flask("bare")

    @app.get("/")
    def page():  # noqa: ANN202
        return html, 200, {"Content-Type": "text/html; charset=utf-8"}

    return app


def throughput(
    url: str, pages: dict[str, list[str]], duration: int, *, page_cache: bool = True
) -> dict[str, float]:
    env = {
        "TAAWUN_SQLALCHEMY_DATABASE_URI": url,
        "TAAWUN_SECRET_KEY": SECRET,
        "TAAWUN_UPLOAD_FOLDER": str(UPLOADS),
    }
    if not page_cache:
        env["TAAWUN_CATALOG_PAGE_CACHE_SECONDS"] = "0"
    out: dict[str, float] = {}
    with gunicorn("storefront:create_app()", env) as base:
        for kind, urls in pages.items():
            _warm(base, urls)
            _settle(base, url)
            out[kind] = wrk(base, urls, duration)
        # a guest with a cart gets the kept pages too, with their own cart link
        cart = _cart_cookie(base, pages["product"])
        for kind in ("listing", "product"):
            out[f"{kind}_cart"] = wrk(base, pages[kind], duration, cookie=cart)
        listing_html = _fetch(base + pages["listing"][0])
    out["bare"] = _bare(listing_html, lambda base: wrk(base, ["/"], duration))
    out["bare_bytes"] = float(len(listing_html))
    return out


def _fetch(url: str) -> bytes:
    return subprocess.run(["curl", "-s", url], capture_output=True, check=True).stdout  # noqa: S603


def _bare(html: bytes, load: Any) -> Any:
    """``load(base)`` run against the bare Flask page serving ``html``."""
    with tempfile.NamedTemporaryFile(suffix=".html", delete=False) as f:
        f.write(html)
    try:
        with gunicorn("bench.catalog:bare_app()", {"BENCH_BARE_HTML": f.name}) as base:
            _warm(base, ["/"])
            return load(base)
    finally:
        os.unlink(f.name)


def machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()[:10]
    return "\n".join(
        [
            f"nproc: {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})",
            f"python: {platform.python_version()} ({platform.python_implementation()})",
            "load average (1, 5, 15 min) at the end: "
            + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
            f"platform: {platform.platform()}",
            *lscpu,
        ]
    )


def measure(url: str, runs: int, duration: int) -> str:
    rng = random.Random(7)
    pages = _pages(url, rng)
    engine = create_engine(url)
    with engine.connect() as conn:
        n_products = conn.scalar(select(func.count()).select_from(Product))
        n_sellable = conn.scalar(select(func.count()).where(Product.sellable.is_(True)))
        n_coops = conn.scalar(select(func.count()).select_from(Cooperative))
    engine.dispose()
    timings, rates = [], []
    for run in range(1, runs + 1):
        timings.append(server_times(url, pages, rounds=3, CATALOG_PAGE_CACHE_SECONDS=0))
        rates.append(throughput(url, pages, duration))
        uncached = throughput(url, pages, duration, page_cache=False)
        rates[-1].update({f"{k}_nopage": v for k, v in uncached.items()})
        print(f"run {run}: {timings[-1]} {rates[-1]}", flush=True)
    cold = cold_times(url, pages)
    med = lambda values: statistics.median(values)  # noqa: E731
    bare = med([r["bare"] for r in rates])
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"### {dialect}: {n_coops:,} cooperatives, {n_products:,} products "
        f"({n_sellable:,} sellable)",
        "",
        f"Medians of {runs} runs. Server time: in-process WSGI middleware, warm facet cache, "
        "page cache off (cold: both off, one pass). Throughput: gunicorn, 2 sync workers, "
        f"`wrk -t2 -c16 -d{duration}s` on 127.0.0.1 (same 2 cores), URLs cycled.",
        "",
        "| page | URLs | HTML KB | SQL/req | p50 ms | p95 ms | max ms | CPU p50 ms "
        "| CPU p95 ms | cold p95 ms | req/s | vs bare | req/s, no page cache | vs bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, urls in pages.items():
        rps = med([r[kind] for r in rates])
        raw = med([r[f"{kind}_nopage"] for r in rates])
        lines.append(
            f"| {kind} | {len(urls)} | {timings[0][kind]['bytes'] / 1024:.1f} "
            f"| {med([t[kind]['queries'] for t in timings]):.1f} "
            f"| {med([t[kind]['p50'] for t in timings]):.1f} "
            f"| {med([t[kind]['p95'] for t in timings]):.1f} "
            f"| {med([t[kind]['max'] for t in timings]):.1f} "
            f"| {med([t[kind]['cpu50'] for t in timings]):.1f} "
            f"| {med([t[kind]['cpu95'] for t in timings]):.1f} "
            f"| {cold[kind]['p95']:.1f} | {rps:,.0f} | {bare / rps if rps else float('inf'):.2f}x "
            f"| {raw:,.0f} | {bare / raw if raw else float('inf'):.2f}x |"
        )
    for kind in ("listing", "product"):
        cart = med([r[f"{kind}_cart"] for r in rates])
        cart_raw = med([r[f"{kind}_cart_nopage"] for r in rates])
        lines.append(
            f"| {kind}, shopper with a cart | {len(pages[kind])} | | | | | | | | "
            f"| {cart:,.0f} | {bare / cart:.2f}x | {cart_raw:,.0f} | {bare / cart_raw:.2f}x |"
        )
    lines.append(
        f"| bare Flask page | 1 | {rates[0]['bare_bytes'] / 1024:.1f} | 0 | | | | | | "
        f"| {bare:,.0f} | 1.00x | | |"
    )
    return _report(lines, f"catalog-{dialect.lower()}.md")


def _report(lines: list[str], name: str) -> str:
    """The table, then the machine's state, printed and written to ``bench/out/name``."""
    report = "\n".join([*lines, "", "```", machine(), "```", ""])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(report)
    return report


def measure_search(url: str, runs: int) -> str:
    """Server time of the search page only: the 16 words of ``measure`` and 16 as
    shoppers type them (articles, clitics, Darija, plurals, typos)."""
    pages = {
        "search": [f"/fr/search?q={quote(w)}" for w in FRENCH_WORDS + ARABIC_WORDS],
        "search, shoppers' words": [f"/fr/search?q={quote(w)}" for w in SHOPPER_WORDS],
    }
    timings = [
        server_times(url, pages, rounds=5, CATALOG_PAGE_CACHE_SECONDS=0) for _ in range(runs)
    ]
    med = lambda values: statistics.median(values)  # noqa: E731
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"Search server time, {dialect}: medians of {runs} runs (in-process WSGI middleware, "
        "warm facet cache and vocabulary, page cache off).",
        "",
        "| page | URLs | SQL/req | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, urls in pages.items():
        cells = [
            f"{med([t[kind][k] for t in timings]):.1f}"
            for k in ("queries", "p50", "p95", "max", "cpu50", "cpu95")
        ]
        lines.append(f"| {kind} | {len(urls)} | {' | '.join(cells)} |")
    lines += ["", "```", machine(), "```", ""]
    report = "\n".join(lines)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"catalog-search-{dialect.lower()}.md").write_text(report)
    return report


# -- long tail ----------------------------------------------------------------------------
WORD = re.compile(r"[^\W\d_]{4,}")


def _long_tail(url: str, rng: random.Random, distinct: int) -> dict[str, list[str]]:
    """``distinct`` URLs of each kind, each to be seen about once: product pages,
    facet combinations, listing pages (page, sort) and search words taken from the
    catalog's own titles (French and Arabic)."""
    engine = create_engine(url)
    with Session(engine) as session:
        categories = [c for (c,) in session.execute(select(Category.slug))]
        rows = session.execute(
            select(Product.slug, Product.title_fr, Product.title_ar).where(
                Product.sellable.is_(True)
            )
        ).all()
    engine.dispose()
    regions = [r.code for r in regions_data.regions()]
    bands = ["lt50", "50-150", "150-300", "gt300"]
    sorts = ["", "&sort=price_asc", "&sort=price_desc", "&sort=newest"]
    certs = ["", "", "&cert=organic", "&cert=igp", "&cert=onssa"]
    product = [f"/fr/p/{slug}" for slug, _, _ in rng.sample(rows, k=min(distinct, len(rows)))]

    def unique(make: Any) -> list[str]:
        seen: dict[str, None] = {}
        for _ in range(distinct * 20):
            seen[make()] = None
            if len(seen) >= distinct:
                break
        return list(seen)

    facets = unique(
        lambda: (
            f"/fr/c/{rng.choice(categories)}?region={rng.choice(regions)}"
            f"&price={rng.choice(bands)}{rng.choice(certs)}"
            f"{'&women=1' if rng.random() < 0.3 else ''}{rng.choice(sorts)}"
        )
    )
    # category and region listings, 60 pages deep: 8,640 distinct URLs at most
    places = [*(f"c/{slug}" for slug in categories), *(f"r/{code}" for code in regions)]
    listing = unique(
        lambda: f"/fr/{rng.choice(places)}?page={rng.randint(1, 60)}{rng.choice(sorts)}"
    )
    words = sorted({w.lower() for _, fr, ar in rows[:50_000] for w in WORD.findall(f"{fr} {ar}")})
    search = unique(
        lambda: (
            "/fr/search?q="
            + quote(" ".join(rng.sample(words, k=rng.choice((1, 1, 2)))))
            + (f"&page={rng.randint(2, 4)}" if rng.random() < 0.2 else "")
        )
    )
    for urls in (product, facets, listing, search):
        rng.shuffle(urls)
    return {"listing": listing, "facets": facets, "search": search, "product": product}


def _cart_cookie(base: str, product_urls: list[str]) -> str:
    """The cookies of a shopper who put one product in their cart (through the form of
    the first of ``product_urls`` that has one: others are sold out); the message
    saying so is shown once, then the pages they see are kept ones with their own cart
    link, or theirs when the page cache is off."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    assert base.startswith("http://127.0.0.1:")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    for product_url in product_urls:
        with opener.open(base + product_url, timeout=120) as response:
            page = response.read().decode()
        product_id = re.search(r'name="product_id" value="(\d+)"', page)
        if product_id is not None:
            break
    else:
        raise SystemExit("no add-to-cart form on any of the product pages")
    form = urllib.parse.urlencode({"product_id": product_id.group(1), "quantity": 1}).encode()
    # no CSRF token on this form: it is checked by where it comes from, as a browser says
    add = urllib.request.Request(
        base + "/cart/add", data=form, headers={"Sec-Fetch-Site": "same-origin"}
    )
    with opener.open(add, timeout=120) as response:
        response.read()
    with opener.open(base + "/cart/", timeout=120) as response:
        if "cart" not in response.read().decode().lower():
            raise SystemExit("the cart page did not answer")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _visits(output: str, n_urls: int) -> float:
    """The most times a wrk thread went through its share of the ``n_urls`` URLs (every
    other one, from the thread's number): at most 1, no URL was asked twice. The
    requests served over the URLs, an average, could stay under 1 while one thread,
    ahead of the other, asked its own URLs again."""
    asked = [(int(t), int(n)) for t, n in re.findall(r"^thread (\d+) asked (\d+)$", output, re.M)]
    assert asked, output
    return max(n / max(1, (n_urls - t + 1) // 2) for t, n in asked)


def wrk_latency(
    base: str, urls: list[str], duration: int, connections: int = 16, cookie: str | None = None
) -> dict[str, float]:
    """Requests/s and the p50 / p99 latency (ms) from ``wrk --latency``."""
    assert base.startswith("http://127.0.0.1:")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(_lua_string(u) for u in urls))
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    cpu_before = workers_cpu(base)
    try:
        result = subprocess.run(  # noqa: S603
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency",
             *header, "-s", script.name, base],  # fmt: skip
            capture_output=True, text=True, timeout=duration + 30, check=True,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    if "Non-2xx" in result.stdout or "timeout" in result.stdout.split("Latency Distribution")[0]:
        print(result.stdout, file=sys.stderr)
    if "Non-2xx" in result.stdout:
        raise SystemExit(f"errors under load:\n{result.stdout}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    assert rate, result.stdout
    served = re.search(r"(\d+) requests in", result.stdout)
    assert served, result.stdout
    out = {"rps": float(rate.group(1)), "requests": float(served.group(1))}
    out["visits"] = _visits(result.stdout, len(urls))
    out["cpu_ms"] = (workers_cpu(base) - cpu_before) * 1000 / max(1.0, out["requests"])
    for p in ("50", "99"):
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", result.stdout, re.M)
        assert match, result.stdout
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        out[f"p{p}"] = float(match.group(1)) * scale
    return out


class Sales:
    """Another process selling while the pages are measured: ``per_second`` times a
    second a product goes down to its low-stock threshold (its pages now say "only N
    left") or, at the next tick, back up (the order cancelled). Each moves the catalog
    stamp, as a shop's sales do all day; none changes what the facet counts count."""

    def __init__(self, url: str, per_second: float) -> None:
        self.url = url
        self.per_second = per_second
        self.moves = 0
        self.failed: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sales", daemon=True)

    def __enter__(self) -> Sales:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        if self.failed is not None:
            raise SystemExit(f"the sales stopped: {self.failed!r}")

    def _run(self) -> None:
        try:
            self._sell()
        except BaseException as exc:  # reported by __exit__, in the main thread
            self.failed = exc

    def _sell(self) -> None:
        from catalog import stock

        engine = create_engine(self.url)
        configure_sqlite(engine)
        rng = random.Random(5)
        with Session(engine) as session:
            # products well above their threshold, not all on the first pages
            ids = list(
                session.scalars(
                    select(Product.id)
                    .where(
                        Product.sellable.is_(True),
                        Product.on_hand - Product.allocated > Product.low_stock_threshold + 1,
                    )
                    .limit(20_000)
                )
            )
            held: tuple[int, int] | None = None
            while not self._stop.wait(1 / self.per_second):
                before = stock.stamped(session)[0]
                if held is None:
                    product_id = rng.choice(ids)
                    level = stock.level(session, product_id)
                    threshold = session.get_one(Product, product_id).low_stock_threshold
                    held = (product_id, level.available - threshold)
                    stock.allocate(session, *held)
                else:
                    stock.deallocate(session, *held)
                    held = None
                session.commit()
                self.moves += stock.stamped(session)[0] - before
            if held is not None:
                stock.deallocate(session, *held)
                session.commit()
        engine.dispose()


def long_tail(url: str, runs: int, duration: int, distinct: int, sales: float = 0) -> str:
    load_at_start = os.getloadavg()[0]
    pages = _long_tail(url, random.Random(11), distinct)
    env = {
        "TAAWUN_SQLALCHEMY_DATABASE_URI": url,
        "TAAWUN_SECRET_KEY": SECRET,
        "TAAWUN_UPLOAD_FOLDER": str(UPLOADS),
    }
    results: list[dict[str, dict[str, float]]] = []
    for run in range(1, runs + 1):
        out: dict[str, dict[str, float]] = {}
        with gunicorn("storefront:create_app()", env) as base:
            # warm the workers (connections, templates, the whole-catalog facet cube)
            # on a few listing and product pages, never on the ones measured
            _warm(base, [*pages["listing"][-4:], *pages["product"][-4:]])
            _settle(base, url)
            cookie = _cart_cookie(base, pages["product"][::-1])
            with Sales(url, sales) if sales else contextlib.nullcontext() as selling:
                for kind, urls in pages.items():
                    half = len(urls) // 2  # anonymous and shopper see different URLs
                    out[kind] = wrk_latency(base, urls[:half], duration)
                    out[f"{kind} cart"] = wrk_latency(base, urls[half:-4], duration, cookie=cookie)
            if selling is not None:
                out["sales"] = {"moves": selling.moves}
            listing_html = _fetch(base + pages["listing"][0])
            rss = workers_rss(base)
        out["bare"] = _bare(listing_html, lambda base: wrk_latency(base, ["/"], duration))
        out["rss"] = {"max": max(rss), "min": min(rss)}
        print(f"run {run}: {out}", flush=True)
        results.append(out)
    med = lambda key, field: statistics.median(r[key][field] for r in results)  # noqa: E731
    bare = med("bare", "rps")
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    engine = create_engine(url)
    with engine.connect() as conn:
        n_products = conn.scalar(select(func.count()).select_from(Product))
    engine.dispose()
    lines = [
        f"### Long tail, {dialect}: {n_products:,} products, {distinct:,} distinct URLs a kind",
        "",
        f"Medians of {runs} run(s); gunicorn 2 sync workers, `wrk -t2 -c16 -d{duration}s "
        "--latency` on 127.0.0.1 (half of the URLs as an anonymous visitor, the other half "
        "as a shopper with a cart: both are served kept pages when they ask a URL again). "
        "Visits: the most times a wrk thread went through its share of the URLs (at most 1: "
        "no URL asked twice).",
        "",
        "| page | anonymous req/s | vs bare | p50 ms | p99 ms | CPU ms/req | visits "
        "| shopper with a cart req/s | vs bare | p50 ms | p99 ms | CPU ms/req | visits |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in pages:
        cells = []
        for key in (kind, f"{kind} cart"):
            rps = med(key, "rps")
            cells += [f"{rps:,.0f}", f"{rps / bare:.2f}x", f"{med(key, 'p50'):.0f}",
                      f"{med(key, 'p99'):.0f}", f"{med(key, 'cpu_ms'):.1f}",
                      f"{med(key, 'visits'):.2f}"]  # fmt: skip
        lines.append(f"| {kind} | {' | '.join(cells)} |")
    lines.append(
        f"| bare Flask page | {bare:,.0f} | 1.00x | {med('bare', 'p50'):.0f} "
        f"| {med('bare', 'p99'):.0f} | {med('bare', 'cpu_ms'):.2f} | | | | | | | |"
    )
    lines += [
        "",
        "CPU ms/req: user + system time of the two gunicorn workers over the requests "
        "served (`/proc`), the server's cost of a page whatever else the machine runs "
        "(SQLite runs in the workers; PostgreSQL's own processes are not counted). "
        + (
            f"Meanwhile another process sold: {sales:g} times a second a product went down "
            "to its low-stock threshold or back up (`--sales`), moving the catalog stamp "
            f"{med('sales', 'moves'):.0f} times a run. "
            if sales
            else ""
        )
        + f"Load average (1 min) when the runs started: {load_at_start:.1f}. "
        f"Each worker's resident memory after the run: {med('rss', 'min'):.0f}–"
        f"{med('rss', 'max'):.0f} MB (the whole-catalog facet cells and vocabulary built).",
    ]
    return _report(lines, f"catalog-longtail-{dialect.lower()}.md")


def warm_up(url: str, redis_url: str | None) -> str:
    """Two workers' warm-up, one after the other, as each worker's thread does it at
    start-up (the whole-catalog cells and cube, the vocabulary, the common words'
    terms): with ``redis_url``, the second finds in Redis the terms the first read."""
    from redis import Redis

    from storefront.shop import facets

    config: dict[str, Any] = {"CATALOG_FACET_CACHE_SECONDS": 300, "CATALOG_FACET_WARM": False}
    if redis_url:
        Redis.from_url(redis_url).flushdb()
        config["REDIS_URL"] = redis_url
    lines = [
        f"### Warm-up of two workers, {'with' if redis_url else 'without'} Redis",
        "",
        "| worker | seconds | terms kept |",
        "|---|---:|---:|",
    ]
    for name in ("first", "second"):
        app = _app(url, **config)
        started = time.perf_counter()
        facets.Warmer(app, every_seconds=0).warm()
        took = time.perf_counter() - started
        lines.append(f"| {name} | {took:.1f} | {len(app.extensions[facets.KEY].terms)} |")
    return _report(lines, f"catalog-warm-up-{'redis' if redis_url else 'alone'}.md")


def _cart_in_process(client: Any, product_urls: list[str]) -> None:
    """The test client becomes a shopper with one product in their cart (through the
    first of ``product_urls`` whose page has the add-to-cart form: others are sold
    out), as ``_cart_cookie`` does over HTTP."""
    for product_url in product_urls:
        page = client.get(product_url).get_data(as_text=True)
        product_id = re.search(r'name="product_id" value="(\d+)"', page)
        if product_id is not None:
            break
    else:
        raise SystemExit("no add-to-cart form on any of the product pages")
    added = client.post(
        "/cart/add",
        data={"product_id": product_id.group(1), "quantity": 1},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert added.status_code in (302, 303), added.status_code
    assert client.get_cookie("session") is not None, "no session cookie after adding"


def _warm_in_process(app: Any) -> None:
    """What the facet warmer builds in a worker's background thread: the whole-catalog
    facet cells and cube, the search vocabulary and its common words' matches."""
    from storefront.shop import facets

    facets.Warmer(app, every_seconds=0).warm()


def long_tail_cpu(url: str, distinct: int, cart: bool = True) -> str:
    """Server time of long-tail pages in-process, each URL fetched once, page cache off
    (``cart``: as a shopper with a cart, their session on every request; otherwise
    anonymous), the whole-catalog cube and the vocabulary built
    first (as the facet warmer does): the serving thread's CPU per page, which a loaded
    machine changes little, beside a bare Flask page's under the same middleware (no
    HTTP server in either: under gunicorn ``longtail`` reports the workers' CPU)."""
    from flask import Flask

    from storefront.extensions import db

    load_at_start = os.getloadavg()[0]
    pages = _long_tail(url, random.Random(11), max(distinct, 50))
    app = _app(url, CATALOG_PAGE_CACHE_SECONDS=0, CATALOG_FACET_WARM=False)
    timer = Timer(app.wsgi_app)
    app.wsgi_app = timer  # type: ignore[method-assign]
    client = app.test_client()
    statements: list[str] = []
    _warm_in_process(app)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for u in [*pages["listing"][-4:], *pages["product"][-4:], *pages["search"][-2:]]:
        assert client.get(u).status_code == 200, u  # connections and templates
    if cart:
        _cart_in_process(client, pages["product"][-8:][::-1])
    rows: dict[str, dict[str, float]] = {}
    for kind, urls in pages.items():
        timer.samples.clear()
        timer.cpu.clear()
        statements.clear()
        for u in urls[:distinct]:
            assert client.get(u).status_code == 200, u
        rows[kind] = _spread(timer, len(statements))
    with app.app_context():
        db.engine.dispose()
    html = client.get(pages["listing"][0]).data
    bare = Flask("bare")
    bare.add_url_rule("/", "page", lambda: (html, 200, {"Content-Type": "text/html"}))
    bare_timer = Timer(bare.wsgi_app)
    bare.wsgi_app = bare_timer  # type: ignore[method-assign]
    bare_client = bare.test_client()
    for _ in range(distinct):
        bare_client.get("/")
    rows["bare Flask page"] = _spread(bare_timer, 0)
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"### Long tail in-process, {dialect}: {distinct} distinct URLs a kind, each once, "
        + ("a shopper with a cart" if cart else "anonymous, page cache off"),
        "",
        "| page | SQL/req | CPU p50 ms | CPU p95 ms | CPU p99 ms | wall p50 ms | wall p95 ms "
        "| wall p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, r in rows.items():
        lines.append(
            f"| {kind} | {r['queries']:.1f} | {r['cpu50']:.1f} | {r['cpu95']:.1f} "
            f"| {r['cpu99']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} |"
        )
    lines += ["", f"Load average (1 min) when the run started: {load_at_start:.1f}."]
    return _report(lines, f"catalog-longtail-cpu-{dialect.lower()}.md")


def _spread(timer: Timer, statements: int) -> dict[str, float]:
    return {
        "p50": statistics.median(timer.samples),
        "p95": _percentile(timer.samples, 95),
        "p99": _percentile(timer.samples, 99),
        "cpu50": statistics.median(timer.cpu),
        "cpu95": _percentile(timer.cpu, 95),
        "cpu99": _percentile(timer.cpu, 99),
        "queries": statements / len(timer.samples),
    }


def profile(url: str, kind: str, top: int, cart: bool = True) -> str:
    """cProfile of ``kind`` pages (long-tail URLs), in-process, page cache off, as a
    shopper with a cart (``cart``) or anonymous."""
    import cProfile
    import io
    import pstats

    pages = _long_tail(url, random.Random(11), 400)
    app = _app(url, CATALOG_PAGE_CACHE_SECONDS=0, CATALOG_FACET_WARM=False)
    _warm_in_process(app)
    client = app.test_client()
    urls = pages[kind]
    for u in urls[:40]:
        assert client.get(u).status_code == 200, u
    if cart:
        _cart_in_process(client, pages["product"][-8:][::-1])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for u in urls[40:]:
        client.get(u)
    profiler.disable()
    per_page = (time.perf_counter() - started) * 1000 / len(urls[40:])
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return f"{kind}: {per_page:.1f} ms a page (under the profiler)\n{out.getvalue()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        choices=["generate", "measure", "search", "longtail", "longtail-cpu", "profile", "warm-up"],
    )
    parser.add_argument("--database-url", default=SQLITE_URL)
    parser.add_argument("--cooperatives", type=int, default=60_000)
    parser.add_argument("--products", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per page kind")
    parser.add_argument("--distinct", type=int, default=2000, help="long tail: URLs per kind")
    parser.add_argument("--kind", default="listing", help="profile: the kind of page")
    parser.add_argument(
        "--anonymous", action="store_true", help="longtail-cpu, profile: no cart (no session)"
    )
    parser.add_argument("--top", type=int, default=30, help="profile: functions shown")
    parser.add_argument("--redis-url", help="warm-up: the Redis the two workers share")
    parser.add_argument(
        "--sales",
        type=float,
        default=0,
        help="longtail: stock moves a second by another process, each moving the stamp",
    )
    args = parser.parse_args()
    if args.command == "generate":
        generate(args.database_url, args.cooperatives, args.products)
    elif args.command == "search":
        print(measure_search(args.database_url, args.runs))
    elif args.command == "longtail":
        print(long_tail(args.database_url, args.runs, args.duration, args.distinct, args.sales))
    elif args.command == "longtail-cpu":
        print(long_tail_cpu(args.database_url, args.distinct, cart=not args.anonymous))
    elif args.command == "warm-up":
        print(warm_up(args.database_url, args.redis_url))
    elif args.command == "profile":
        print(profile(args.database_url, args.kind, args.top, cart=not args.anonymous))
    else:
        print(measure(args.database_url, args.runs, args.duration))


if __name__ == "__main__":
    main()
