"""The analysers shared by the index and the queries (catalog.text), the synonym file
(catalog.synonyms) and the corrections from the catalog's vocabulary (catalog.vocabulary)."""

import pytest

from catalog import synonyms
from catalog.search import compile_text
from catalog.text import strip_arabic_clitics, token_stems, tokens
from catalog.vocabulary import COMMON_WORD, Vocabulary, _Named


def stems(text: str) -> list[str]:
    """The stems of every word of ``text``, as the index keeps them."""
    return [stem for token in tokens(text) for stem in token_stems(token)]


@pytest.mark.parametrize(
    ("typed", "indexed"),
    [
        ("العسل", "عسل"),
        ("بالعسل", "عسل"),
        ("كالعسل", "عسل"),
        ("بعسل", "عسل"),
        ("الكسكس", "كسكس"),
        ("والكسكس", "كسكس"),
        ("فالكسكس", "كسكس"),
        ("للتمر", "تمر"),
        ("الزربية", "زربية"),
        ("وزعفران", "زعفران"),
        ("الكمامات", "كمامة"),
        ("الأركان", "أركان"),
        ("الاركان", "أرْكان"),
    ],
)
def test_arabic_article_and_clitics_meet_the_bare_word(typed: str, indexed: str) -> None:
    assert stems(typed) == stems(indexed)


def test_arabic_stripping_keeps_short_words_whole() -> None:
    assert strip_arabic_clitics("الزيتون") == "زيتون"
    assert strip_arabic_clitics("ورد") == "ورد"  # too short to be و + a word
    assert strip_arabic_clitics("ال") == "ال"
    # olive and oil stay apart (a root stemmer would merge them)
    assert token_stems("زيتون") != token_stems("زيت")


def test_french_elisions_accents_and_plurals() -> None:
    assert tokens("L’huile d'Argan qu'il") == ["huile", "argan", "il"]
    assert stems("Huiles COSMÉTIQUES") == stems("huile cosmétique")
    assert stems("dattes") == stems("datte")
    assert tokens("Œuf") == ["oeuf"]


def test_english_plurals_and_both_stems_for_latin_words() -> None:
    assert stems("rugs") == stems("rug")
    assert set(stems("spices")) & set(stems("spice"))
    # a Latin word gets its French and its English stem when they differ
    assert token_stems("spices") == ("spic", "spice")
    assert token_stems("miel") == ("miel",)


def test_the_query_is_analysed_like_the_document() -> None:
    q = compile_text("L'huile d'argan des coopératives", synonyms.Synonyms.build("t", []))
    assert q.words == ("huile", "argan", "cooperatives")  # elisions and "des" dropped
    fts = q.fts("sqlite")
    for stem in stems("huile argan coopératives"):
        assert stem in fts
    assert q.exact_fts("postgresql") == "('huile':*A & 'argan':*A & 'cooperatives':*A)"


def test_a_query_of_only_stop_words_keeps_them() -> None:
    assert compile_text("de la", synonyms.Synonyms.build("t", [])).words == ("de", "la")


def test_the_curated_file_is_versioned_and_links_darija_to_every_language() -> None:
    curated = synonyms.curated()
    assert curated.version
    for typed, expected in [
        ("l3sel", "عسل"),
        ("zerbia", "tapis"),
        ("zerbia", "rug"),
        ("amlou", "املو"),
        ("ghassoul", "غاسول"),
        ("smen", "سمن"),
        ("zitoun", "olive"),
        ("زيتون", "zitoun"),
    ]:
        length, others = curated.match(tokens(typed), 0)
        assert length == 1, typed
        assert tuple(tokens(expected)) in others, (typed, expected)


def test_synonyms_match_phrases_and_words_by_their_stem() -> None:
    s = synonyms.Synonyms.build("t", [["zit l'argan", "huile d'argan"], ["rug", "zerbia"]])
    assert s.match(tokens("zit l'argan bio"), 0) == (2, [("huile", "argan")])
    assert s.match(tokens("rugs"), 0) == (1, [("zerbia",)])
    assert s.match(tokens("miel"), 0) == (0, [])


@pytest.mark.parametrize("terms", ["", "tapis", "tapis, tapis", ", ,", "x" * 1001])
def test_an_operator_group_needs_two_different_members(terms: str) -> None:
    with pytest.raises(synonyms.InvalidInput):
        synonyms.validate(terms)


def _vocabulary() -> Vocabulary:
    return Vocabulary(
        weights={
            "huile": 40, "miel": 30, "couscous": 25, "safran": 5, "argan": 12, "mille": 1,
            "زعفران": 5, "طاجين": 4, "زربيه": 6, "honey": 30, "lentilles": 3,
        },
        categories=[
            _Named("miel", ("Miel", "عسل", "Honey"), ("miel", "عسل", "honey")),
            _Named("tapis", ("Tapis", "زرابي", "Rugs"), ("tapis", "زرابي", "rugs")),
        ],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("hulie", "huile"),  # two letters swapped: one edit
        ("mile", "miel"),  # short word: one edit, the more common word wins over "mille"
        ("couscouss", "couscous"),
        ("honney", "honey"),
        ("lentile", "lentilles"),  # longer word: two edits
        ("زغفران", "زعفران"),
        ("طجين", "طاجين"),
        ("الزربيا", "زربيه"),  # compared without the article
    ],
)
def test_typos_are_corrected_from_the_vocabulary(typed: str, corrected: str) -> None:
    assert _vocabulary().correct(tokens(typed)[0]) == corrected


# "زعفرن" shares its stem with "زعفران": the search finds it without a correction
@pytest.mark.parametrize("typed", ["miel", "huiles", "xyzzyq", "de", "2026", "mi", "زعفرن"])
def test_known_words_and_far_words_are_not_corrected(typed: str) -> None:
    assert _vocabulary().correct(typed) is None


def test_short_words_get_one_edit_only() -> None:
    assert _vocabulary().correct("mial") == "miel"
    assert _vocabulary().correct("mxxl") is None  # two edits from "miel", too short


def test_corrected_text_and_closest_categories() -> None:
    vocab = _vocabulary()
    assert vocab.correct_text("hulie argan") == "huile argan"
    assert vocab.correct_text("huile argan") is None
    assert vocab.closest_categories("tapie") == ["tapis"]
    assert vocab.closest_categories("zzzz") == []


def test_stemming_from_many_threads_at_once() -> None:
    """Snowball stemmers keep the word being stemmed in themselves: each thread has its
    own (the facet warmer builds the vocabulary while requests stem their words)."""
    from concurrent.futures import ThreadPoolExecutor

    token_stems.cache_clear()
    words = [f"{w}{i}" for i in range(300) for w in ("huiles", "cosmetiques", "rugs", "الزيوت")]
    expected = {w: token_stems.__wrapped__(w) for w in words}
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = dict(zip(words, pool.map(token_stems.__wrapped__, words), strict=True))
    assert got == expected


def test_a_common_word_is_searched_as_typed_and_by_its_stems_without_synonyms() -> None:
    s = synonyms.Synonyms.build("t", [["huile", "oil", "زيت"], ["miel", "honey"]])
    vocabulary = Vocabulary(weights={"huile": COMMON_WORD + 1, "عسل": COMMON_WORD + 1, "miel": 9})
    assert vocabulary.is_common("huile") and vocabulary.is_common("العسل")  # without "ال"
    assert not vocabulary.is_common("miel") and not vocabulary.is_common("oil")
    common = compile_text("huile miel", s, vocabulary.is_common).fts("sqlite")
    assert '"huile"*' in common and '"huil"*' in common, "as typed and by its stem"
    assert '"oil"' not in common and "زيت" not in common, "no synonyms of a common word"
    assert '"honey"' in common, "a rarer word keeps its synonyms"
    assert '"oil"' in compile_text("huile miel", s).fts("sqlite"), "unchanged without counts"
