"""What several workers and hosts share when ``REDIS_URL`` (``TAAWUN_REDIS_URL``) is
set: the rate-limit counters (Flask-Limiter's Redis storage) and the anonymous page
cache (:mod:`storefront.shop.pagecache`). Without it each worker keeps its own, in
memory, and nothing else needs to run.

Keys start with ``REDIS_PREFIX`` (``taawun:`` by default), so one Redis may serve
several sites."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis

KEY = "taawun_redis"


def init_app(app: Flask) -> None:
    """Connect to Redis when ``REDIS_URL`` is set; rate limits count there unless
    ``RATELIMIT_STORAGE_URI`` names another store. Run before the limiter is made."""
    url = app.config.get("REDIS_URL")
    app.config.setdefault("REDIS_PREFIX", "taawun:")
    if not url:
        app.extensions[KEY] = None
        return
    app.config.setdefault("RATELIMIT_STORAGE_URI", str(url))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", f"{app.config['REDIS_PREFIX']}limits")
    app.extensions[KEY] = Redis.from_url(str(url), socket_timeout=2, socket_connect_timeout=2)


def redis_of(app: Flask | None = None) -> Redis | None:
    """The app's Redis client, or None when the embedded defaults are in use."""
    target = app or current_app
    client: Redis | None = target.extensions.get(KEY)
    return client
