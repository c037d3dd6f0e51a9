"""The app's catalog facet cache: counts are kept ``CATALOG_FACET_CACHE_SECONDS``
(300 by default, off under ``TESTING``; 0 turns the cache off) and dropped as soon as
this process commits a change that can alter them. Such a change also moves the
catalog stamp (:func:`catalog.stock.touch`) and its ``facets`` counter, in the same
transaction: other processes drop their counts when they next read it, once per
catalog page (:func:`catalog_stamp`).

With ``REDIS_URL`` set the counts are shared by every worker and host through Redis,
each under the ``facets`` counter it was counted at (so a moved counter makes the older
ones unreachable): a search word counted by one worker is not counted again by the
others. Each process keeps the counts it used in front of Redis, under the same counter.
What each search term matches (:class:`catalog.search.TermMatches`) is shared there too,
under the texts counter (:class:`RedisTerms`).

Any other change of what a catalog page shows (a sale that leaves "only 4 left" or
none, a text, a photo, a cooperative's story, the delivery settings) moves the stamp
but not its ``facets`` counter: no process drops its counts for it (the pages are
dropped, :mod:`.pagecache`). The stamp's time is the catalog pages' ``Last-Modified``.

The category tree the catalog pages show is read once per stamp as plain data
(:func:`categories`) while the cache is on; a change of a category or its rule moves
the stamp.

The whole-catalog cube, which every category and region listing reads, takes seconds
to count at national scale. A background thread of each process builds it at start-up
and again before it expires or right after a change dropped it, so no visitor waits
for it (``CATALOG_FACET_WARM``, on whenever the cache is). At start-up, and after a
change of the products' searchable texts (the stamp's ``texts`` counter), the same
thread reads the products each common search word matches
(:class:`catalog.search.TermMatches`, kept while that counter stays the same): a search
page then needs the text index only for the words it has not met yet."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, cast

from flask import Flask, current_app, g, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session

from catalog import stock
from catalog.models import (
    Category,
    Certificate,
    Cooperative,
    Product,
    ProductImage,
    ProductLabel,
)
from catalog.search import (
    CategoryNode,
    FacetCache,
    FacetCube,
    Postings,
    Term,
    category_nodes,
    changes_facets,
    warm_terms,
    warm_whole_catalog,
)
from catalog.settings import MarketplaceSettings
from storefront.extensions import db
from storefront.sharing import redis_of
from storefront.shop.fragments import KEY as FRAGMENTS
from storefront.shop.search import VOCABULARY, refresh_vocabulary, synonyms

KEY = "catalog_facet_cache"
WARMER = "catalog_facet_warmer"
TREE = "catalog_category_tree"
#: the page cache, which watches the stamp (see :mod:`.pagecache`)
PAGES = "catalog_page_cache"
_FLAG = "catalog_facets_changed"
#: the stamp moved in this transaction, for a change no facet counts
_MOVED = "catalog_stamp_moved"
#: what catalog pages show
_SHOWN = (
    Product,
    ProductImage,
    ProductLabel,
    Cooperative,
    Category,
    Certificate,
    MarketplaceSettings,
)
#: moved by :mod:`catalog.stock`, which moves the stamp itself when the pages show it
_STOCK_COLUMNS = frozenset({"on_hand", "allocated"})
#: what a search matches a product by (:func:`catalog.rules.refresh_products` writes them)
_TEXT_COLUMNS = frozenset({"search_document", "search_stems"})
#: this transaction changes the products' searchable texts
_TEXTS = "catalog_texts_changed"


class Warmer:
    """Keeps the whole-catalog cube in the app's cache from a daemon thread, with the
    search vocabulary; reads the full-text matches of its common words at start-up and
    after the searchable texts changed, and every product's cell at start-up and after
    a change of what the facets count (in between, the cube is counted again from the
    kept cells)."""

    def __init__(self, app: Flask, every_seconds: float) -> None:
        self.app = app
        self.every_seconds = every_seconds
        self._wake = threading.Event()
        self._stopping = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: the texts stamp the common words' matches were read at
        self._terms_at: int | None = None
        #: the facets counter the kept cells were read at
        self._cells_at: int | None = None

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
            counted = catalog_facets()  # before counting: the cube is kept under it
            cache = facet_cache()
            if cache.cells is not None and counted == self._cells_at:
                # nothing they count changed since the cells were read: the cube is
                # counted again from them, in memory (reading them is seconds of the
                # database's time at national scale, in every worker of every host)
                warm_whole_catalog(db.session, cache, cache.cells)
            else:
                warm_whole_catalog(db.session, cache)
                db.session.rollback()  # a new read sees what was committed meanwhile
                _forget_stamp()
                if catalog_facets() != counted:
                    # another process changed what they count while they were read
                    # (seconds at national scale): counted again, now (this wakes the
                    # thread)
                    drop_counts()
                    return
                self._cells_at = counted
            vocabulary = refresh_vocabulary()
            texts = catalog_texts()
            if texts != self._terms_at:
                # at start-up and after the searchable texts changed (on PostgreSQL
                # the common words' lists take the server tens of seconds to read)
                warm_terms(
                    db.session,
                    facet_cache(),
                    vocabulary.common_words(),
                    synonyms(),
                    vocabulary.is_common,
                )
                self._terms_at = texts

    def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()  # a wake-up while building means: build again
            try:
                self.warm()
            except Exception:  # a database hiccup must not kill the thread for good
                self.app.logger.exception("facet cube warm-up failed")
            self._wake.wait(self.every_seconds)


def _redis_name(prefix: str, stamp: Hashable, key: Hashable) -> str:
    """The Redis key of ``key`` kept under ``stamp``: short, whatever the key."""
    return f"{prefix}{stamp}:{hashlib.sha256(repr(key).encode()).hexdigest()[:32]}"


class SharedFacetCache(FacetCache):
    """Facet cubes in Redis, each under the catalog stamp's ``facets`` counter it was
    counted at (read with ``stamp``); the cubes this process used stay in memory in
    front. Redis being unreachable only costs the counting."""

    def __init__(
        self,
        client: Redis,
        prefix: str,
        ttl_seconds: float,
        stamp: Callable[[], int],
        texts: Callable[[], int],
    ) -> None:
        super().__init__(
            ttl_seconds=ttl_seconds, texts=texts, shared_terms=RedisTerms(client, prefix)
        )
        self._redis = client
        self._prefix = f"{prefix}counts:"
        self._ttl = max(1, math.ceil(ttl_seconds))
        self._stamp = stamp

    def _name(self, key: Hashable, stamp: int) -> str:
        return _redis_name(self._prefix, stamp, key)

    def get(self, key: Hashable) -> FacetCube | None:
        stamp = self._stamp()
        cube = super().get((stamp, key))
        if cube is not None:
            return cube
        try:
            kept = self._redis.get(self._name(key, stamp))
        except RedisError:
            current_app.logger.warning("facet counts: Redis unreachable", exc_info=True)
            return None
        if kept is None:
            return None
        cube = FacetCube.from_json(bytes(kept))  # type: ignore[arg-type]
        super().put((stamp, key), cube)
        return cube

    def put(self, key: Hashable, cube: FacetCube) -> None:
        stamp = self._stamp()
        super().put((stamp, key), cube)
        try:
            self._redis.set(self._name(key, stamp), cube.to_json(), ex=self._ttl)
        except RedisError:
            current_app.logger.warning("facet counts: Redis unreachable", exc_info=True)


class RedisTerms:
    """What each search term matches, in Redis under the texts counter it was read at:
    a common word's list (on PostgreSQL about 50 ms of the server's time to read, 25 s
    for the warmer's few hundred words) is read by the first process that needs it, on
    whichever host, not by each. Kept an hour (a moved counter makes them unreachable
    before); Redis being unreachable only costs the reading."""

    SECONDS = 3600

    def __init__(self, client: Redis, prefix: str) -> None:
        self._redis = client
        self._prefix = f"{prefix}terms:"

    def _name(self, stamp: Hashable, term: Term) -> str:
        return _redis_name(self._prefix, stamp, term)

    def get_many(self, stamp: Hashable, terms: Sequence[Term]) -> dict[Term, Postings]:
        try:
            kept = self._redis.mget([self._name(stamp, term) for term in terms])
        except RedisError:
            current_app.logger.warning("search terms: Redis unreachable", exc_info=True)
            return {}
        return {
            term: Postings.from_bytes(bytes(raw))
            for term, raw in zip(terms, cast(list[bytes | None], kept), strict=True)
            if raw is not None
        }

    def put_many(self, stamp: Hashable, found: dict[Term, Postings]) -> None:
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for term, postings in found.items():
                    pipe.set(self._name(stamp, term), postings.to_bytes(), ex=self.SECONDS)
                pipe.execute()
        except RedisError:
            current_app.logger.warning("search terms: Redis unreachable", exc_info=True)


class TreeCache:
    """The category tree read at one catalog stamp."""

    def __init__(self) -> None:
        self._kept: tuple[int, list[CategoryNode]] | None = None

    def get(self, stamp: int, read: Callable[[], list[CategoryNode]]) -> list[CategoryNode]:
        kept = self._kept
        if kept is not None and kept[0] == stamp:
            return kept[1]
        nodes = read()
        self._kept = (stamp, nodes)
        return nodes

    def clear(self) -> None:
        self._kept = None


def facet_cache() -> FacetCache:
    return current_app.extensions[KEY]


def caching() -> bool:
    """Whether facet counts and the category tree are kept between requests."""
    return facet_cache().ttl_seconds > 0


def catalog_stamp() -> int:
    """The catalog stamp, read once per request (and at most every
    ``CATALOG_STAMP_CHECK_SECONDS``, see :mod:`.pagecache`). When it moved since this
    process last read it, what the process keeps of the catalog is dropped. Its time,
    read with it, is kept in ``g.catalog_changed_at`` (a catalog page's
    ``Last-Modified``, :mod:`storefront.httpcache`)."""
    if "catalog_stamp" not in g:
        pages = current_app.extensions.get(PAGES)

        def read() -> stock.Stamp:
            return stock.stamped(db.session)

        g.catalog_stamp, g.catalog_changed_at, g.catalog_texts, g.catalog_facets = (
            read() if pages is None else pages.current_stamp(read, _stamp_moved)
        )
    return int(g.catalog_stamp)


def _stamp_moved(before: stock.Stamp, now: stock.Stamp) -> None:
    """Another process (or this one) changed the catalog: the facet counts and cells
    are dropped when what they count changed, not for a sale, a text or a photo (the
    kept fragments are keyed by what they show: those stay)."""
    if now.facets != before.facets:
        drop_counts()


def catalog_texts() -> int:
    """The catalog stamp's count of changes of the products' searchable texts (read
    with the stamp): the kept matches of search words stay valid while it stays."""
    catalog_stamp()
    return int(g.catalog_texts)


def catalog_facets() -> int:
    """The catalog stamp's count of changes of what the facet counts count (read with
    the stamp): the counts stay valid while it stays."""
    catalog_stamp()
    return int(g.catalog_facets)


def categories() -> list[CategoryNode]:
    """The category tree (roots first, in display order) as plain data: kept per
    catalog stamp while the cache is on, read (one statement) on every call otherwise.
    Callers never change the list."""
    if not caching():
        return category_nodes(db.session)
    tree: TreeCache = current_app.extensions[TREE]
    return tree.get(catalog_stamp(), lambda: category_nodes(db.session))


def category(category_id: int) -> CategoryNode:
    """The category ``category_id`` of :func:`categories`. A product read after the
    stamp may already be in a category the kept tree has not seen (made by another
    process since the stamp was read, or within ``CATALOG_STAMP_CHECK_SECONDS``): the
    tree is then read again, and kept."""
    found = next((c for c in categories() if c.id == category_id), None)
    if found is None:
        current_app.extensions[TREE].clear()
        found = next(c for c in categories() if c.id == category_id)
    return found


def _forget_stamp() -> None:
    """A request reads the stamp afresh (tests may serve several requests in one
    application context, which shares ``g``)."""
    g.pop("catalog_stamp", None)
    g.pop("catalog_changed_at", None)
    g.pop("catalog_texts", None)
    g.pop("catalog_facets", None)


def init_app(app: Flask) -> None:
    default = 0 if app.testing else 300  # tests change rows behind the app's back
    ttl = float(app.config.get("CATALOG_FACET_CACHE_SECONDS", default))
    redis = redis_of(app)
    app.extensions[KEY] = (
        FacetCache(ttl_seconds=ttl, texts=catalog_texts)
        if redis is None or ttl <= 0
        else SharedFacetCache(
            redis, str(app.config["REDIS_PREFIX"]), ttl, catalog_facets, catalog_texts
        )
    )
    app.extensions[TREE] = TreeCache()
    app.before_request(_forget_stamp)
    if ttl > 0 and app.config.get("CATALOG_FACET_WARM", not app.testing):
        warmer = app.extensions[WARMER] = Warmer(app, every_seconds=ttl * 0.75)
        app.before_request(warmer.start)
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)


def _changes_pages(session: Session) -> bool:
    """Whether this flush changes what a catalog page shows."""
    return _changes(session, _SHOWN, lambda set_: set_ - _STOCK_COLUMNS)


def _changes_texts(session: Session) -> bool:
    """Whether this flush changes what a search matches: a product's searchable texts,
    or products coming or going."""
    return _changes(session, Product, lambda set_: set_ & _TEXT_COLUMNS)


def _changes(
    session: Session,
    kinds: type | tuple[type, ...],
    asked: Callable[[frozenset[str]], Iterable[str]],
) -> bool:
    """Whether this flush adds or deletes an object of ``kinds``, or changes one of its
    attributes ``asked`` picks among those set since loading (only those can have
    changed: asking every attribute's history cost ~0.5 ms a product, on every flush of
    a sale)."""
    if any(isinstance(obj, kinds) for obj in (*session.new, *session.deleted)):
        return True
    for obj in session.dirty:
        if isinstance(obj, kinds):
            state: InstanceState[Any] = inspect(obj)
            touched = asked(frozenset(state.committed_state))
            if any(state.attrs[name].history.has_changes() for name in touched):
                return True
    return False


def _after_flush(session: Session, _context: Any) -> None:
    texts = _changes_texts(session)
    if texts:
        session.info[_TEXTS] = True
    # the other workers and hosts see it too; once per transaction: touch() remembers
    # which counters it moved
    if changes_facets(session.dirty, [*session.new, *session.deleted]):
        stock.touch(session, texts=texts, facets=True)
        session.info[_FLAG] = True
    elif texts or _changes_pages(session):
        stock.touch(session, texts=texts)
        session.info[_MOVED] = True


def drop_counts() -> None:
    """Drop this process's facet counts and kept fragments, and rebuild the
    whole-catalog cube."""
    current_app.extensions[KEY].clear()
    for name in (FRAGMENTS, TREE):
        kept = current_app.extensions.get(name)
        if kept is not None:
            kept.clear()
    warmer = current_app.extensions.get(WARMER)
    if warmer is not None:
        warmer.wake()


def _after_commit(session: Session) -> None:
    if session.info.pop(_TEXTS, False) and has_app_context():
        warmer = current_app.extensions.get(WARMER)
        if warmer is not None:
            warmer.wake()  # reads the common words' matches again
    if session.info.pop(_MOVED, False) and has_app_context():
        _forget_stamp()  # this transaction moved it
    if session.info.pop(_FLAG, False) and has_app_context():
        _forget_stamp()  # this transaction moved it
        for key in (PAGES, VOCABULARY):
            cache = current_app.extensions.get(key)
            if cache is not None:
                cache.clear()
        drop_counts()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_FLAG, None)
    session.info.pop(_MOVED, None)
    session.info.pop(_TEXTS, None)
