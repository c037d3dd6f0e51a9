"""The app's catalog facet cache: counts are kept ``CATALOG_FACET_CACHE_SECONDS``
(300 by default, off under ``TESTING``; 0 turns the cache off) and dropped as soon as
this process commits a change that can alter them. Other processes see such a change
when their copy expires."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from catalog.search import FacetCache, changes_facets
from storefront.extensions import db

KEY = "catalog_facet_cache"
_FLAG = "catalog_facets_changed"


def facet_cache() -> FacetCache:
    return current_app.extensions[KEY]


def init_app(app: Flask) -> None:
    default = 0 if app.testing else 300  # tests change rows behind the app's back
    ttl = float(app.config.get("CATALOG_FACET_CACHE_SECONDS", default))
    app.extensions[KEY] = FacetCache(ttl_seconds=ttl)
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)


def _after_flush(session: Session, _context: Any) -> None:
    if changes_facets(session.dirty, [*session.new, *session.deleted]):
        session.info[_FLAG] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False) and has_app_context():
        for key in (KEY, "catalog_page_cache"):
            cache = current_app.extensions.get(key)
            if cache is not None:
                cache.clear()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_FLAG, None)
