"""The search relevance benchmark types its queries into the storefront's search pages
as a shopper would: it must keep reaching them (it broke silently once, when the
pages moved under a language prefix), and a few judged queries per language must
keep their relevant products first."""

from __future__ import annotations

from pathlib import Path

from bench import search_relevance

#: (language, words) of judged queries (bench/search_queries.tsv says what each must find):
#: saffron in every language (the cumin of the same "Safran et épices" category must
#: not come first), and both argan oils for the Arabic words with their article
QUERIES = (
    ("fr", "safran"),
    ("ar", "الزعفران"),
    ("en", "saffron"),
    ("darija", "za3fran"),
    ("ar", "زيت الأركان"),
)


def test_judged_queries_find_their_products_first_on_the_demo_shop(tmp_path: Path) -> None:
    judged = search_relevance.read_queries(search_relevance.QUERIES)
    wanted = set(QUERIES)
    picked = [q for q in judged if (q.language, q.text) in wanted]
    assert len(picked) == len(QUERIES), "the judged queries file lost one of these"
    app = search_relevance._demo_app(f"sqlite:///{tmp_path / 'shop.db'}", tmp_path / "uploads")
    search_relevance.load_demo(app)
    scored = search_relevance.run(app, picked)
    assert [(s.query.text, s.recall, s.reciprocal_rank) for s in scored] == [
        (q.text, 1.0, 1.0) for q in picked
    ]
