"""Anonymous page cache: a guest (no account; nothing in the session but a form token
and a cart) gets a catalog page rendered moments ago for another guest (the same URL
and language), with their own cart link, instead of a fresh rendering. Pages are kept
``CATALOG_PAGE_CACHE_SECONDS`` (60 by default, off under ``TESTING``; 0 turns it off)
and dropped with the facet counts when this process commits a catalog change. A page
is kept under its whole URL (scheme, host, path and query) and language.

Every kept page carries the catalog stamp (:func:`catalog.stock.stamped`) read before it
was rendered. The stamp moves in the same transaction as any change of what a page
shows about availability or sellability (a sale of the last units, "only N left",
a product put on or taken off sale), in whichever worker or host made it. Before
serving a kept page the stamp is read again (one primary-key read, at most every
``CATALOG_STAMP_CHECK_SECONDS``, 0 by default: on every request); a page made at
another stamp is dropped, with this process's facet counts. So a page served after
such a change is committed never shows the state before it: the staleness bound is
``CATALOG_STAMP_CHECK_SECONDS`` (0 by default).

With ``REDIS_URL`` set the kept pages live in Redis, shared by every worker and
host, each under its stamp; without it each process keeps its own.

Nothing personal is ever shared. A page is kept only when its rendering left the
session holding nothing but a CSRF token and a guest's cart (no flash, no login, no
delivery province) and put no form token in the page: the product page's forms (add to
cart, the delivery province) carry none, they are checked by where they come from
(:func:`storefront.security.same_origin`). A guest's cart shows on a catalog page only
as the layout's cart link (:mod:`storefront.cart.link`): pages are kept with the link of
an empty cart, and a guest with a cart gets the kept page with their own link instead.
So a shopper who put something in their cart keeps getting kept pages; a signed-in
shopper does not (their menu, their alerts)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from cachetools import TTLCache
from flask import Flask, current_app, g, request, session
from flask_login import current_user
from redis import Redis
from sqlalchemy.orm import Session, scoped_session

from storefront.cart import link, store
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.sharing import redis_of
from storefront.shop import facets

KEY = "catalog_page_cache"
S = TypeVar("S")


class _MemoryPages:
    """This process's pages (the embedded default)."""

    def __init__(self, ttl_seconds: float, maxsize: int) -> None:
        self._pages: TTLCache[tuple[str, str], tuple[int, str]] = TTLCache(
            maxsize=maxsize, ttl=ttl_seconds
        )
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], stamp: int) -> str | None:
        with self._lock:
            kept = self._pages.get(key)
        return None if kept is None or kept[0] != stamp else kept[1]

    def put(self, key: tuple[str, str], stamp: int, page: str) -> None:
        with self._lock:
            self._pages[key] = (stamp, page)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    stamp_moved = clear


class _RedisPages:
    """Pages shared by every worker and host through Redis, each under a key naming
    the catalog stamp it was made at (so a moved stamp makes the older ones
    unreachable; Redis drops them when their time is up)."""

    def __init__(self, client: Redis, prefix: str, ttl_seconds: float) -> None:
        self._redis = client
        self._prefix = f"{prefix}page:"
        self._ttl = max(1, math.ceil(ttl_seconds))

    def _name(self, key: tuple[str, str], stamp: int) -> str:
        url, language = key
        return f"{self._prefix}{stamp}:{language}:{url}"

    def get(self, key: tuple[str, str], stamp: int) -> str | None:
        kept = self._redis.get(self._name(key, stamp))
        return None if kept is None else bytes(kept).decode()  # type: ignore[arg-type]

    def put(self, key: tuple[str, str], stamp: int, page: str) -> None:
        self._redis.set(self._name(key, stamp), page.encode(), ex=self._ttl)

    def clear(self) -> None:
        names = list(self._redis.scan_iter(match=f"{self._prefix}*", count=1000))
        for start in range(0, len(names), 1000):
            self._redis.unlink(*names[start : start + 1000])

    def stamp_moved(self) -> None:
        """Nothing to do: pages at the former stamp are never asked for again."""


class PageCache:
    def __init__(
        self,
        ttl_seconds: float,
        maxsize: int = 2048,
        *,
        check_seconds: float = 0,
        timer: Callable[[], float] = time.monotonic,
        redis: Redis | None = None,
        prefix: str = "taawun:",
    ) -> None:
        self._pages: _MemoryPages | _RedisPages | None = None
        if ttl_seconds > 0:
            self._pages = (
                _MemoryPages(ttl_seconds, maxsize)
                if redis is None
                else _RedisPages(redis, prefix, ttl_seconds)
            )
        self._lock = threading.Lock()
        self.check_seconds = check_seconds
        self._timer = timer
        self._stamp: Any = None
        self._checked_at = float("-inf")

    @property
    def enabled(self) -> bool:
        return self._pages is not None

    def current_stamp(self, read: Callable[[], S], on_change: Callable[[S, S], None]) -> S:
        """The catalog stamp, read with ``read`` unless it was read less than
        ``check_seconds`` ago. When it moved, every kept page is dropped and
        ``on_change`` is called with the stamp before and now (to drop the facet
        counts too when they changed)."""
        now = self._timer()
        with self._lock:
            if self._stamp is not None and now - self._checked_at < self.check_seconds:
                return self._stamp
        stamp = read()
        with self._lock:
            before = self._stamp
            self._stamp, self._checked_at = stamp, now
        if before is not None and stamp != before:
            if self._pages is not None:
                self._pages.stamp_moved()
            on_change(before, stamp)
        return stamp

    def get(self, key: tuple[str, str], stamp: int) -> str | None:
        return None if self._pages is None else self._pages.get(key, stamp)

    def put(self, key: tuple[str, str], page: str, stamp: int) -> None:
        if self._pages is not None:
            self._pages.put(key, stamp, page)

    def clear(self) -> None:
        if self._pages is not None:
            self._pages.clear()


def init_app(app: Flask) -> None:
    default = 0 if app.testing else 60
    app.extensions[KEY] = PageCache(
        float(app.config.get("CATALOG_PAGE_CACHE_SECONDS", default)),
        check_seconds=float(app.config.get("CATALOG_STAMP_CHECK_SECONDS", 0)),
        redis=redis_of(app),
        prefix=str(app.config.get("REDIS_PREFIX", "taawun:")),
    )


def token_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _holds_only(*keys: str) -> bool:
    """No account, and a session holding at most a CSRF token (and Flask-Login's
    ``_fresh`` flag, which it sets on any non-empty session and means nothing
    without an account) and ``keys``."""
    return not current_user.is_authenticated and set(session) <= {
        token_field(),
        "_fresh",
        *keys,
    }


def anonymous() -> bool:
    """No account, and nothing of the visitor's in the session (see :func:`_holds_only`)."""
    return _holds_only()


def _guest_with_cart() -> int | None:
    """The number of items in the cart of a visitor without an account whose session
    holds nothing else (0: anonymous); None for anybody else."""
    return link.count() if _holds_only(store.SESSION_KEY, store.COUNT_KEY) else None


def _swap_cart(page: str, shown: int, wanted: int) -> str | None:
    """``page`` with its cart link for ``shown`` items made the one for ``wanted``;
    None unless that link is in the page exactly once."""
    if shown == wanted:
        return page
    old = link.cart_link(shown)
    if page.count(old) != 1:
        return None
    return page.replace(old, link.cart_link(wanted), 1)


def _reads_without_transaction() -> None:
    """On PostgreSQL, a catalog page's statements run in autocommit: without the BEGIN
    before them and the ROLLBACK after, two of a product page's four round trips (12 to
    16 % of a catalog page's CPU in the worker, measured interleaved). What each
    statement sees is the same: under READ COMMITTED each takes its own snapshot
    anyway. These pages only read (a signed-in visitor's account too, read on first
    use of ``current_user``, after this); the connection goes back to the pool in its
    usual mode. Skipped when something earlier in the request opened a transaction, and
    on SQLite, whose BEGIN costs no round trip and whose transaction gives the page one
    snapshot."""
    current = cast("scoped_session[Session]", db.session)()  # the request's own
    if current.in_transaction() or db.engine.dialect.name != "postgresql":
        return
    current.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def cached_page(view: Callable[..., str]) -> Callable[..., str]:
    """Serve ``view``'s HTML from the cache to anonymous visitors and guests with a
    cart (with their own cart link)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        g.catalog_page = True  # validators, and shareable by HTTP caches (storefront.httpcache)
        _reads_without_transaction()
        cache: PageCache = current_app.extensions[KEY]
        if facets.caching() or anonymous():
            # what the page reads is kept under it; its time is an anonymous page's
            # Last-Modified (storefront.httpcache): read before rendering
            facets.catalog_stamp()
        items = _guest_with_cart()
        if not cache.enabled or items is None:
            return view(*args, **kwargs)
        # read before rendering: a change committed meanwhile moves it past this value
        stamp = facets.catalog_stamp()
        # the whole URL: a page holds absolute links (its canonical and language
        # alternates, its picture for sharing) made for the host and scheme it was asked on
        key = (request.url, current_language())
        kept = cache.get(key, stamp)
        if kept is not None:
            mine = _swap_cart(kept, 0, items)
            if mine is not None:
                return mine
        page = view(*args, **kwargs)
        if _guest_with_cart() == items and token_field() not in g:  # nothing personal
            shared = _swap_cart(page, items, 0)
            if shared is not None:
                cache.put(key, shared, stamp)
        return page

    return wrapper
