"""Anonymous page cache: a visitor without an account, a cart or a message gets a
catalog page rendered moments ago for another such visitor (the same URL and language)
instead of a fresh rendering. Pages are kept ``CATALOG_PAGE_CACHE_SECONDS`` (60 by
default, off under ``TESTING``; 0 turns it off) and dropped with the facet counts when
this process commits a catalog change. A page whose rendering touched the session (a
CSRF token, a flash) is never kept, so nothing personal is ever shared."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import wraps
from typing import Any

from cachetools import TTLCache
from flask import Flask, current_app, request, session
from flask_login import current_user

from storefront.i18n import current_language

KEY = "catalog_page_cache"


class PageCache:
    def __init__(self, ttl_seconds: float, maxsize: int = 2048) -> None:
        self._pages: TTLCache[tuple[str, str], str] | None = (
            TTLCache(maxsize=maxsize, ttl=ttl_seconds) if ttl_seconds > 0 else None
        )
        self._lock = threading.Lock()

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


def _anonymous() -> bool:
    return not session and not current_user.is_authenticated


def cached_page(view: Callable[..., str]) -> Callable[..., str]:
    """Serve ``view``'s HTML from the cache to anonymous visitors."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        cache: PageCache = current_app.extensions[KEY]
        if not _anonymous():
            return view(*args, **kwargs)
        key = (request.full_path, current_language())
        page = cache.get(key)
        if page is None:
            page = view(*args, **kwargs)
            if _anonymous():  # the rendering left the session empty: safe to share
                cache.put(key, page)
        return page

    return wrapper
