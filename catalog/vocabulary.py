"""The catalog's own vocabulary: typo corrections, closest categories, autocomplete.

Built from what shoppers see — the titles of sellable products (in every language),
category names and verified cooperatives' names — in three grouped queries, then kept
in memory by the caller (it changes slowly; see storefront.shop.search). A word is
corrected to the vocabulary word at the smallest Damerau (optimal string alignment)
distance — at most 1 for words of up to 5 letters, 2 for longer ones — preferring the
word found in more products. Arabic words are compared without their article and
proclitics (catalog.text.strip_arabic_clitics).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Category, Cooperative, CooperativeStatus, Product
from catalog.synonyms import Synonyms
from catalog.text import STOPWORDS, is_arabic, normalise, strip_arabic_clitics, token_stems, tokens

#: words up to this length are corrected by one edit at most, longer ones by two
SHORT_WORD = 5
#: titles kept for autocomplete (the most common first)
MAX_TITLES = 50_000
#: a word in the titles of more products than this is common: searched without its
#: synonyms (catalog.search)
COMMON_WORD = 2_000
#: a category is "close" to a query from this rapidfuzz WRatio score (0-100)
CATEGORY_SCORE = 70


def _script_key(word: str) -> str:
    return strip_arabic_clitics(word) if is_arabic(word) else word


def max_distance(word: str) -> int:
    return 1 if len(word) <= SHORT_WORD else 2


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One autocomplete line: ``kind`` is "product", "category" or "cooperative";
    ``text`` is shown; ``slug`` addresses the category or cooperative (a product line
    searches its ``text``)."""

    kind: str
    text: str
    slug: str = ""


@dataclass(frozen=True, slots=True)
class _Named:
    slug: str
    names: tuple[str, ...]  # as written, per language
    keys: tuple[str, ...]  # normalised, same order


@dataclass
class Vocabulary:
    #: word (clitics stripped for Arabic) -> products whose title, category or
    #: cooperative carries it
    weights: dict[str, int]
    #: titles as written, their normalised form and how many products carry them
    titles: list[tuple[str, str, int]] = field(default_factory=list)
    categories: list[_Named] = field(default_factory=list)
    cooperatives: list[_Named] = field(default_factory=list)
    _latin: list[str] = field(default_factory=list, repr=False)
    _arabic: list[str] = field(default_factory=list, repr=False)
    _stems: set[str] = field(default_factory=set, repr=False)
    _coop_words: list[tuple[str, int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._latin = sorted(w for w in self.weights if not is_arabic(w))
        self._arabic = sorted(w for w in self.weights if is_arabic(w))
        self._stems = {token_stems(w)[0] for w in self.weights}
        self._coop_words = sorted(
            (word, i) for i, coop in enumerate(self.cooperatives) for word in _words(coop.keys)
        )

    def is_common(self, word: str) -> bool:
        """``word`` (an Arabic one without its article and clitics) is in the titles of
        more than :data:`COMMON_WORD` products."""
        return self.weights.get(_script_key(word), 0) > COMMON_WORD

    def common_words(self) -> list[str]:
        """The words :meth:`is_common` says are common, the most common first."""
        common = (item for item in self.weights.items() if item[1] > COMMON_WORD)
        return [word for word, _ in sorted(common, key=lambda item: (-item[1], item[0]))]

    def knows(self, word: str) -> bool:
        key = _script_key(word)
        return key in self.weights or token_stems(word)[0] in self._stems

    def correct(self, word: str) -> str | None:
        """The closest vocabulary word to an unknown ``word``, or None (known word,
        digits, stop word, or nothing close enough)."""
        if word in STOPWORDS or word.isdigit() or len(word) < 3 or self.knows(word):
            return None
        key = _script_key(word)
        choices = self._arabic if is_arabic(word) else self._latin
        limit = max_distance(key)
        found = process.extract(key, choices, scorer=OSA.distance, score_cutoff=limit, limit=20)
        if not found:
            return None
        best = min(found, key=lambda hit: (hit[1], -self.weights[hit[0]], hit[0]))
        return best[0]

    def correct_text(self, text: str) -> str | None:
        """``text`` with each unknown word corrected, or None when nothing changed."""
        words = tokens(text)
        fixed = [self.correct(w) or w for w in words]
        return " ".join(fixed) if fixed != words else None

    def closest_categories(self, text: str, limit: int = 4) -> list[str]:
        """Slugs of the categories whose name (in any language) is closest to ``text``."""
        query = normalise(text)
        if not query:
            return []
        scored: dict[str, float] = {}
        for category in self.categories:
            for key in category.keys:
                score = fuzz.WRatio(query, key)
                if score >= CATEGORY_SCORE and score > scored.get(category.slug, 0):
                    scored[category.slug] = score
        return [slug for slug, _ in sorted(scored.items(), key=lambda kv: -kv[1])[:limit]]

    def complete(self, text: str, limit: int = 5) -> list[Suggestion]:
        """Suggestions for what the shopper is typing: titles, categories and
        cooperatives whose words start with the words typed so far."""
        words = tokens(text)
        if not words or len("".join(words)) < 2:
            return []
        found: list[Suggestion] = []
        for category in self.categories:
            index = _matches(words, category.keys)
            if index is not None:
                found.append(Suggestion("category", category.names[index], category.slug))
        found = found[:limit]
        titles = 0
        for title, key, _count in self.titles:
            if _matches(words, (key,)) is not None:
                found.append(Suggestion("product", title))
                titles += 1
                if titles >= limit:
                    break
        found += self._complete_cooperatives(words, limit)
        return found

    def _complete_cooperatives(self, words: list[str], limit: int) -> list[Suggestion]:
        """Cooperatives with a word starting with the last word typed (sorted word index:
        a bisection, not a scan of every cooperative) and containing the others."""
        last = words[-1]
        start = bisect_left(self._coop_words, (last, -1))
        found: list[Suggestion] = []
        seen: set[int] = set()
        for word, i in self._coop_words[start:]:
            if not word.startswith(last) or len(found) >= limit:
                break
            coop = self.cooperatives[i]
            if i in seen:
                continue
            index = _matches(words, coop.keys)
            if index is not None:
                seen.add(i)
                found.append(Suggestion("cooperative", coop.names[index], coop.slug))
        return found


def _words(keys: Iterable[str]) -> set[str]:
    return {w for key in keys for w in key.split()}


def _matches(words: list[str], keys: tuple[str, ...]) -> int | None:
    """Index of the first key holding every word typed (the last one as a prefix)."""
    for index, key in enumerate(keys):
        have = key.split()
        if all(w in have for w in words[:-1]) and any(h.startswith(words[-1]) for h in have):
            return index
    return None


def build(session: Session, synonyms: Synonyms | None = None) -> Vocabulary:
    """Read the vocabulary from the catalog (three grouped queries)."""
    weights: dict[str, int] = {}

    def add(text: str, n: int) -> None:
        for word in set(tokens(text)):
            if len(word) >= 2 and not word.isdigit():
                key = _script_key(word)
                weights[key] = weights.get(key, 0) + n

    titles: dict[str, tuple[str, int]] = {}
    rows = session.execute(
        select(Product.title_fr, Product.title_ar, Product.title_en, func.count())
        .where(Product.sellable.is_(True))
        .group_by(Product.title_fr, Product.title_ar, Product.title_en)
    )
    for *written, n in rows:
        for title in written:
            if title:
                add(title, n)
                key = normalise(title)
                seen = titles.get(key)
                titles[key] = (title, n + (seen[1] if seen else 0))
    categories: list[_Named] = []
    for c in session.scalars(select(Category).order_by(Category.position, Category.id)):
        names = tuple(n for n in (c.name_fr, c.name_ar, c.name_en) if n)
        for name in names:
            add(name, 1)
        categories.append(_Named(c.slug, names, tuple(normalise(n) for n in names)))
    cooperatives: list[_Named] = []
    for slug, name_fr, name_ar in session.execute(
        select(Cooperative.slug, Cooperative.name_fr, Cooperative.name_ar)
        .where(Cooperative.status == CooperativeStatus.VERIFIED)
        .order_by(Cooperative.id)
    ):
        coop_names = tuple(n for n in (name_fr, name_ar) if n)
        for name in coop_names:
            add(name, 1)
        cooperatives.append(_Named(slug, coop_names, tuple(normalise(n) for n in coop_names)))
    if synonyms is not None:
        for group in synonyms.groups:
            for phrase in group:
                for word in phrase:
                    weights.setdefault(_script_key(word), 0)
    ordered = sorted(titles.items(), key=lambda kv: (-kv[1][1], kv[0]))[:MAX_TITLES]
    return Vocabulary(
        weights=weights,
        titles=[(title, key, n) for key, (title, n) in ordered],
        categories=categories,
        cooperatives=cooperatives,
    )
