"""What the search pages keep in memory: the synonyms (the curated file plus the
operators' groups, ``CATALOG_SYNONYMS_SECONDS``, 60 by default) and the catalog's
vocabulary for corrections and autocomplete (``CATALOG_VOCABULARY_SECONDS``, 600).

Both are read again when their time is up; this process drops them at once when it
commits a change to them (an operator's synonym, or a catalog change that alters the
facets, see storefront.shop.facets). Other processes see the change when their copy
expires."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from cachetools import TTLCache
from flask import Flask, current_app

from catalog import synonyms as synonyms_module
from catalog import vocabulary as vocabulary_module
from catalog.synonyms import Synonyms
from catalog.vocabulary import Vocabulary
from storefront.extensions import db

SYNONYMS = "catalog_search_synonyms"
VOCABULARY = "catalog_search_vocabulary"

T = TypeVar("T")


class Kept(Generic[T]):
    """One value, built on demand and kept ``ttl_seconds`` (0: built every time)."""

    def __init__(self, ttl_seconds: float) -> None:
        self._values: TTLCache[None, T] | None = (
            TTLCache(maxsize=1, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )
        self._lock = threading.Lock()

    def get(self, build: Callable[[], T]) -> T:
        if self._values is None:
            return build()
        with self._lock:
            value = self._values.get(None)
        if value is None:
            value = build()
            with self._lock:
                self._values[None] = value
        return value

    def renew(self, build: Callable[[], T]) -> T:
        """Build the value again and keep it; the old one serves until then."""
        value = build()
        if self._values is not None:
            with self._lock:
                self._values[None] = value
        return value

    def peek(self) -> T | None:
        """The value if one is kept, without building it."""
        if self._values is None:
            return None
        with self._lock:
            return self._values.get(None)

    def clear(self) -> None:
        if self._values is not None:
            with self._lock:
                self._values.clear()


def synonyms() -> Synonyms:
    kept: Kept[Synonyms] = current_app.extensions[SYNONYMS]
    return kept.get(lambda: synonyms_module.load(db.session))


def vocabulary() -> Vocabulary:
    kept: Kept[Vocabulary] = current_app.extensions[VOCABULARY]
    return kept.get(lambda: vocabulary_module.build(db.session, synonyms()))


def kept_vocabulary() -> Vocabulary | None:
    """The vocabulary if this process has it (built in the background), else None."""
    kept: Kept[Vocabulary] = current_app.extensions[VOCABULARY]
    return kept.peek()


def refresh_vocabulary() -> Vocabulary:
    """Build the vocabulary now (the facet warmer's thread calls it). Searches keep the
    previous one meanwhile: corrections, and which words are common, never go missing."""
    kept: Kept[Vocabulary] = current_app.extensions[VOCABULARY]
    return kept.renew(lambda: vocabulary_module.build(db.session, synonyms()))


def init_app(app: Flask) -> None:
    app.extensions[SYNONYMS] = Kept(float(app.config.get("CATALOG_SYNONYMS_SECONDS", 60)))
    app.extensions[VOCABULARY] = Kept(float(app.config.get("CATALOG_VOCABULARY_SECONDS", 600)))
