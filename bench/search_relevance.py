"""Search relevance on the demo shop: recall@24 and MRR of judged queries.

usage:
  .venv/bin/python bench/search_relevance.py [--database-url URL] [--queries FILE] [--json]
      [--show-misses] [--unwarmed]

The demo catalog (``flask seed-demo``'s cooperatives and products) is loaded into a
temporary SQLite file, or into the PostgreSQL database named by ``--database-url``
(**emptied** first). Every query of ``bench/search_queries.tsv`` is then typed into the
storefront's search page, as a shopper would (``GET /fr/search?q=...``, in the
query's language, in process), and the products of its first page (24) are read from
the HTML in their order. The facet warmer's first build is made before (as in a serving
worker: the matches come from memory, the database ranks them); ``--unwarmed`` searches
without it (the database finds the matches too).

Each line of the query file: language, kind, query, targets. A target is ``kind:KEY``
(the demo products of one product kind, ``storefront.demo.catalog_data.KINDS``),
``cat:SLUG`` (the products of a category and its subcategories) or ``p:SLUG`` (one
product); several targets are separated by ``|``. With *n* targets, each counts for
``min(its products, 24 // n)`` places on the page, so a query that must show two kinds
is not satisfied by a page full of one. Per query:

* recall@24 = mean over targets of min(1, target products on the page / their quota);
* reciprocal rank = 1 / position of the first product of any target (0 if none).

It prints the mean of both per language, per kind of query and overall, and writes the
table to ``bench/out/search-relevance-<database>.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import secrets
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:1] = [str(ROOT)]

QUERIES = ROOT / "bench" / "search_queries.tsv"
OUT = ROOT / "bench" / "out"
PAGE = 24
_PRODUCT_LINK = re.compile(r'href="/(?:fr|ar|en)/p/([^"?#]+)"')
_RESULTS = re.compile(r'<section class="results".*?</section>', re.S)


@dataclass(frozen=True, slots=True)
class Judged:
    language: str
    kind: str
    text: str
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scored:
    query: Judged
    recall: float
    reciprocal_rank: float
    shown: tuple[str, ...]


def read_queries(path: Path) -> list[Judged]:
    found = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "language":
                continue
            language, kind, text, targets = (cell.strip() for cell in row)
            found.append(Judged(language, kind, text, tuple(targets.split("|"))))
    return found


def _demo_app(url: str, uploads: Path) -> Any:
    from storefront import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "UPLOAD_FOLDER": str(uploads),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "CATALOG_FACET_WARM": False,
            "CATALOG_PAGE_CACHE_SECONDS": 0,
        }
    )


def load_demo(app: Any) -> None:
    """An empty schema, then the demo catalog as ``flask seed-demo`` loads it."""
    from sqlalchemy import text

    from catalog.db import import_models
    from catalog.models import create_all
    from storefront.demo.seed import seed_catalog
    from storefront.extensions import db

    import_models()
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        create_all(engine)
        today = datetime.now(UTC).date()
        seed_catalog(db.session, Path(app.config["UPLOAD_FOLDER"]), today=today)
        db.session.commit()


def warm(app: Any) -> None:
    """What a serving worker's facet warmer builds first (the facet cells, the
    vocabulary, the common words' matches): searches then take their matches from
    memory and only rank them in the database, as they do once a worker has started."""
    from storefront.shop import facets

    facets.Warmer(app, every_seconds=0).warm()


def target_products(app: Any) -> dict[str, set[str]]:
    """Product slugs (sellable ones) of every ``kind:``, ``cat:`` and ``p:`` target."""
    from sqlalchemy import select

    from catalog.models import Category, Product
    from catalog.search import descendant_ids
    from storefront.extensions import db

    targets: dict[str, set[str]] = defaultdict(set)
    with app.app_context():
        categories = list(db.session.scalars(select(Category)))
        by_id = {c.id: c for c in categories}
        rows = db.session.execute(
            select(Product.slug, Product.sku, Product.category_id).where(Product.sellable.is_(True))
        )
        per_category: dict[int, set[str]] = defaultdict(set)
        for slug, sku, category_id in rows:
            kind = sku.rsplit("-", 1)[0].lower().replace("-", "_")
            targets[f"kind:{kind}"].add(slug)
            targets[f"p:{slug}"].add(slug)
            per_category[category_id].add(slug)
        for c in categories:
            for cid in descendant_ids(categories, c.id):
                targets[f"cat:{by_id[c.id].slug}"] |= per_category.get(cid, set())
    return targets


def score(query: Judged, shown: list[str], targets: dict[str, set[str]]) -> Scored:
    quota = max(1, PAGE // len(query.targets))
    recalls, first = [], None
    for target in query.targets:
        relevant = targets.get(target)
        if not relevant:
            raise SystemExit(f"{query.text!r}: target {target} has no sellable product")
        hits = [i for i, slug in enumerate(shown) if slug in relevant]
        recalls.append(min(1.0, len(hits) / min(len(relevant), quota)))
        if hits and (first is None or hits[0] < first):
            first = hits[0]
    rr = 0.0 if first is None else 1 / (first + 1)
    return Scored(query, statistics.fmean(recalls), rr, tuple(shown))


def run(app: Any, queries: list[Judged]) -> list[Scored]:
    targets = target_products(app)
    client = app.test_client()
    scored = []
    for query in queries:
        # the storefront's pages are per language; Darija is typed on the French pages
        language = query.language if query.language in ("ar", "en") else "fr"
        response = client.get(
            f"/{language}/search?" + urlencode({"q": query.text, "per_page": PAGE})
        )
        if response.status_code != 200:
            raise SystemExit(f"{query.text!r}: HTTP {response.status_code}")
        html = response.get_data(as_text=True)
        section = _RESULTS.search(html)
        shown = [unquote(s) for s in _PRODUCT_LINK.findall(section.group(0))] if section else []
        shown = list(dict.fromkeys(shown))[:PAGE]  # a card may link its product twice
        scored.append(score(query, shown, targets))
    return scored


def table(scored: list[Scored], title: str) -> str:
    def row(name: str, items: list[Scored]) -> str:
        recall = statistics.fmean(s.recall for s in items)
        mrr = statistics.fmean(s.reciprocal_rank for s in items)
        full = sum(1 for s in items if s.recall >= 1.0)
        return f"| {name} | {len(items)} | {recall:.3f} | {mrr:.3f} | {full} |"

    groups: dict[str, list[Scored]] = defaultdict(list)
    kinds: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        groups[s.query.language].append(s)
        kinds[s.query.kind].append(s)
    lines = [
        f"#### {title}",
        "",
        "| group | queries | recall@24 | MRR | queries with full recall |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [row(f"language: {name}", groups[name]) for name in sorted(groups)]
    lines += [row(f"kind: {name}", kinds[name]) for name in sorted(kinds)]
    lines.append(row("**all**", scored))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL database to EMPTY and use")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument(
        "--unwarmed",
        action="store_true",
        help="search before the facet warmer's first build (the database finds every match)",
    )
    parser.add_argument("--json", action="store_true", help="print each query's scores too")
    parser.add_argument("--show-misses", action="store_true", help="list imperfect queries")
    args = parser.parse_args(argv)
    queries = read_queries(args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'relevance.db'}"
        app = _demo_app(url, Path(tmp) / "uploads")
        load_demo(app)
        if not args.unwarmed:
            warm(app)
        scored = run(app, queries)
        with app.app_context():
            from storefront.extensions import db

            db.engine.dispose()
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    report = table(scored, f"{database}: {len(scored)} judged queries on the demo shop")
    print(report)
    if args.show_misses:
        for s in scored:
            if s.recall < 1.0 or s.reciprocal_rank < 1.0:
                q = s.query
                first = ", ".join(s.shown[:3])
                print(
                    f"{s.recall:.2f} {s.reciprocal_rank:.2f} [{q.language}/{q.kind}] {q.text}"
                    f" (first: {first})"
                )
    if args.json:
        print(
            json.dumps(
                [
                    {"query": s.query.text, "recall": s.recall, "rr": s.reciprocal_rank}
                    for s in scored
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"search-relevance-{database}.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
