"""Configuration defaults. Anything here can be overridden by ``create_app(config)``
or by environment variables prefixed ``TAAWUN_`` (``TAAWUN_SQLALCHEMY_DATABASE_URI``,
``TAAWUN_SECRET_KEY`` ...), read with ``Config.from_prefixed_env``."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("fr", "ar", "en")
#: Babel locale used to format numbers and dates for each interface language.
FORMAT_LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en"}

DEFAULTS: dict[str, Any] = {
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Africa/Casablanca",
    "LANGUAGES": LANGUAGES,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "PER_PAGE": 24,
    "WTF_CSRF_TIME_LIMIT": None,
    # Flask-Compress compresses pages and JSON; files sent as streams (static files,
    # sitemaps) are left to the reverse proxy, which serves them without Python
    "COMPRESS_STREAMS": False,
}
