"""Interface language: French by default, Arabic (right to left) and English.

The choice comes from the ``lang`` cookie set by the language switcher, else from the
browser's Accept-Language, else French."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask, current_app, g, request

from storefront.config import FORMAT_LOCALES, LANGUAGES

COOKIE = "lang"


def current_language() -> str:
    if "lang" not in g:
        choice = request.cookies.get(COOKIE) if request else None
        if choice not in LANGUAGES:
            choice = (request.accept_languages.best_match(LANGUAGES) if request else None) or (
                current_app.config["BABEL_DEFAULT_LOCALE"]
            )
        g.lang = choice
    return str(g.lang)


def select_locale() -> str:
    """Flask-Babel's locale selector: the Moroccan locale of the chosen language, so
    Arabic dates get Moroccan month names (ar_MA) and prices Moroccan separators."""
    return FORMAT_LOCALES[current_language()]


def text_direction() -> str:
    return Locale.parse(FORMAT_LOCALES[current_language()]).text_direction


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_language() -> dict[str, Any]:
        return {
            "lang": current_language(),
            "text_dir": text_direction(),
            "languages": LANGUAGES,
        }
