"""Anonymous page cache: a visitor without an account, a cart or a message gets a
catalog page rendered moments ago for another such visitor (the same URL and language)
instead of a fresh rendering. Pages are kept ``CATALOG_PAGE_CACHE_SECONDS`` (60 by
default, off under ``TESTING``; 0 turns it off) and dropped with the facet counts when
this process commits a catalog change.

Nothing personal is ever shared. A page is kept only when its rendering left the
session holding nothing but a CSRF token (no cart, no flash, no login). That token,
which the product page's "add to cart" form carries, is the one per-visitor part of
such a page: it is cut out of the kept copy and each visitor gets their own, signed
for their session, when the copy is served."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from storefront.i18n import current_language

KEY = "catalog_page_cache"


class PageCache:
    def __init__(self, ttl_seconds: float, maxsize: int = 2048) -> None:
        self._pages: TTLCache[tuple[str, str], str] | None = (
            TTLCache(maxsize=maxsize, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )
        self._lock = threading.Lock()
        #: stands for the visitor's CSRF token in kept pages: random, so no page
        #: can contain it by chance
        self.token_mark = f"csrf-{secrets.token_hex(16)}"

    def get(self, key: tuple[str, str]) -> str | None:
        if self._pages is None:
            return None
        with self._lock:
            return self._pages.get(key)

    def put(self, key: tuple[str, str], page: str) -> None:
        if self._pages is not None:
            with self._lock:
                self._pages[key] = page

    def clear(self) -> None:
        if self._pages is not None:
            with self._lock:
                self._pages.clear()


def init_app(app: Flask) -> None:
    default = 0 if app.testing else 60
    app.extensions[KEY] = PageCache(float(app.config.get("CATALOG_PAGE_CACHE_SECONDS", default)))


def _token_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _anonymous() -> bool:
    """No account, and a session holding at most a CSRF token (and Flask-Login's
    ``_fresh`` flag, which it sets on any non-empty session and means nothing
    without an account)."""
    return not current_user.is_authenticated and set(session) <= {_token_field(), "_fresh"}


def cached_page(view: Callable[..., str]) -> Callable[..., str]:
    """Serve ``view``'s HTML from the cache to anonymous visitors."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        cache: PageCache = current_app.extensions[KEY]
        if not _anonymous():
            return view(*args, **kwargs)
        key = (request.full_path, current_language())
        kept = cache.get(key)
        if kept is not None:
            if cache.token_mark in kept:
                return kept.replace(cache.token_mark, generate_csrf())
            return kept
        page = view(*args, **kwargs)
        if _anonymous():  # nothing but a CSRF token went into the session
            token = g.get(_token_field())
            cache.put(key, page.replace(token, cache.token_mark) if token else page)
        return page

    return wrapper
