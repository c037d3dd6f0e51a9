"""The app's catalog facet cache: counts are kept ``CATALOG_FACET_CACHE_SECONDS``
(300 by default, off under ``TESTING``; 0 turns the cache off) and dropped as soon as
this process commits a change that can alter them. Such a change also moves the
catalog stamp (:func:`catalog.stock.touch`), in the same transaction: other processes
drop their counts when their page cache next reads it (see :mod:`.pagecache`).

The whole-catalog cube, which every category and region listing reads, takes seconds
to count at national scale. A background thread of each process builds it at start-up
and again before it expires or right after a change dropped it, so no visitor waits
for it (``CATALOG_FACET_WARM``, on whenever the cache is)."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog import stock
from catalog.search import FacetCache, changes_facets, warm_whole_catalog
from storefront.extensions import db
from storefront.shop.fragments import KEY as FRAGMENTS
from storefront.shop.search import VOCABULARY, refresh_vocabulary

KEY = "catalog_facet_cache"
WARMER = "catalog_facet_warmer"
_FLAG = "catalog_facets_changed"


class Warmer:
    """Keeps the whole-catalog cube in the app's cache from a daemon thread."""

    def __init__(self, app: Flask, every_seconds: float) -> None:
        self.app = app
        self.every_seconds = every_seconds
        self._wake = threading.Event()
        self._stopping = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread once, on the first request (so that CLI commands, such as
        the one that creates the tables, never start it)."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="facet-warmer", daemon=True
                    )
                    self._thread.start()

    def wake(self) -> None:
        """Rebuild now (the cache was just cleared)."""
        self._wake.set()

    def stop(self, timeout: float = 30) -> None:
        """End the thread (after the build under way, if any)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def warm(self) -> None:
        with self.app.app_context():
            warm_whole_catalog(db.session, facet_cache())
            refresh_vocabulary()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # a wake-up while building means: build again
            try:
                self.warm()
            except Exception:  # a database hiccup must not kill the thread for good
                self.app.logger.exception("facet cube warm-up failed")
            self._wake.wait(self.every_seconds)


def facet_cache() -> FacetCache:
    return current_app.extensions[KEY]


def init_app(app: Flask) -> None:
    default = 0 if app.testing else 300  # tests change rows behind the app's back
    ttl = float(app.config.get("CATALOG_FACET_CACHE_SECONDS", default))
    app.extensions[KEY] = FacetCache(ttl_seconds=ttl)
    if ttl > 0 and app.config.get("CATALOG_FACET_WARM", not app.testing):
        warmer = app.extensions[WARMER] = Warmer(app, every_seconds=ttl * 0.75)
        app.before_request(warmer.start)
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)


def _after_flush(session: Session, _context: Any) -> None:
    if changes_facets(session.dirty, [*session.new, *session.deleted]):
        if not session.info.get(_FLAG):
            stock.touch(session)  # the other workers and hosts see it too
        session.info[_FLAG] = True


def drop_counts() -> None:
    """Drop this process's facet counts and kept fragments, and rebuild the
    whole-catalog cube."""
    current_app.extensions[KEY].clear()
    kept = current_app.extensions.get(FRAGMENTS)
    if kept is not None:
        kept.clear()
    warmer = current_app.extensions.get(WARMER)
    if warmer is not None:
        warmer.wake()


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False) and has_app_context():
        for key in ("catalog_page_cache", VOCABULARY):
            cache = current_app.extensions.get(key)
            if cache is not None:
                cache.clear()
        drop_counts()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_FLAG, None)
