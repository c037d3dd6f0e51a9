"""The French, Arabic and English catalogs are complete and follow the sources.

When a test here fails after adding or changing a message: run ``make messages``,
translate the new entries of ``storefront/translations/{fr,ar,en}`` (French and
Arabic in full; English may repeat the msgid) and remove any "fuzzy" flag.
"""

from __future__ import annotations

import os
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "storefront" / "translations"
LANGUAGES = ("fr", "ar", "en")
#: the keywords `make messages` passes to pybabel (lazy_gettext as _l)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _catalog(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


#: the folders `make messages` skips (--ignore-dirs): folders starting with "_" are read
IGNORED_DIRS = (".*", "__pycache__", "node_modules")


def _read_dir(path: str) -> bool:
    return not any(fnmatch(os.path.basename(path), p) for p in IGNORED_DIRS)


def _extracted() -> set[object]:
    with (ROOT / "storefront" / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: set[object] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=_read_dir
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


@pytest.fixture(scope="module")
def template() -> Catalog:
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        return read_po(f)


def test_the_template_lists_every_message_of_the_sources(template) -> None:
    in_sources = _extracted()
    in_template = _ids(template)
    assert sorted(map(str, in_sources - in_template)) == [], "new messages: run make messages"
    assert sorted(map(str, in_template - in_sources)) == [], "gone messages: run make messages"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalog_has_exactly_the_template_messages(template, lang) -> None:
    assert _ids(_catalog(lang)) == _ids(template), f"run make messages, then translate {lang}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(lang) -> None:
    catalog = _catalog(lang)
    assert not catalog.fuzzy, f"{lang}: the catalog header is marked fuzzy"
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated"
    assert fuzzy == [], f"{lang}: {len(fuzzy)} fuzzy"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang) -> None:
    problems = [(m.id, [str(e) for e in errors]) for m, errors in _catalog(lang).check()]
    assert problems == []


def test_french_and_arabic_are_really_translated() -> None:
    fr, ar = _catalog("fr"), _catalog("ar")
    assert fr.get("Women-led").string == "Dirigée par des femmes"
    same_as_english = [
        m.id for m in ar if m.id and isinstance(m.id, str) and m.string == m.id and m.id.isalpha()
    ]
    assert set(same_as_english) <= {"ICE"}, "Arabic left in English"


def _numbered_by_flask_babel(path: Path) -> list[str]:
    """Calls in ``path`` of Flask-Babel's own ``gettext``/``ngettext`` that fill a
    message's ``%(name)d``: those write 1204, not "1 204"."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    raw = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask_babel"
        for alias in node.names
        if alias.name in ("gettext", "ngettext")
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        texts = [a.value for a in node.args if isinstance(a, ast.Constant)]
        counted = any(isinstance(t, str) and "%(" in t and ")d" in t for t in texts)
        fills = bool(node.keywords) or node.func.id.endswith("ngettext")
        if node.func.id in raw and counted and fills:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_numbers_in_messages_said_in_python_are_written_as_the_language_writes_them() -> None:
    """A message's ``%(name)d`` said from Python goes through
    ``storefront.filters.numbered_gettext``/``numbered_ngettext`` (imported as ``_`` and
    ``ngettext``), as templates' messages go through theirs."""
    found = [
        hit
        for path in (ROOT / "storefront").rglob("*.py")
        for hit in _numbered_by_flask_babel(path)
    ]
    assert found == [], found
