"""Interface language: French by default, Arabic (right to left) and English.

Public catalog pages carry their language in the URL (``/fr/…``, ``/ar/…``,
``/en/…``): one URL, one language, so crawlers and shared caches tell them apart. A
bare public URL (``/``, ``/p/<slug>``…) redirects to the visitor's language: the
``lang`` cookie set by the language switcher, else the browser's Accept-Language, else
French. Personal pages (account, cart, checkout, back office, NGO desk, console) keep
one URL and take the language the same way; they are never shared by a cache."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from babel import Locale
from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response

from storefront.config import FORMAT_LOCALES, LANGUAGES

COOKIE = "lang"
#: the URL part naming the language of a public page
URL_ARG = "lang_code"
URL_PREFIX = f"/<any({', '.join(LANGUAGES)}):{URL_ARG}>"
#: query arguments that are part of what a public page is (kept in its canonical URL)
CANONICAL_ARGS = {"shop.search": ("q", "page")}
DEFAULT_CANONICAL_ARGS = ("page",)
#: Open Graph's names of the languages
OG_LOCALES = {"fr": "fr_MA", "ar": "ar_MA", "en": "en_US"}


def preferred_language() -> str:
    """The visitor's language when the URL does not say: cookie, Accept-Language, French."""
    choice = request.cookies.get(COOKIE) if request else None
    if choice not in LANGUAGES:
        choice = (request.accept_languages.best_match(LANGUAGES) if request else None) or (
            current_app.config["BABEL_DEFAULT_LOCALE"]
        )
    return str(choice)


T = TypeVar("T")
_NOT_YET = object()


def kept_per_language(name: str, key: Hashable, make: Callable[[], T]) -> T:
    """What ``make`` returns for ``key``, made once per page language and script root
    and kept by the app (in ``app.extensions[name]``): for what depends on nothing
    else, such as translated words and links to fixed pages, which each page would
    otherwise work out again through Flask's and Flask-Babel's request state."""
    kept: dict[tuple[Hashable, str, str], object] = current_app.extensions.setdefault(name, {})
    full = (key, current_language(), request.script_root)
    found = kept.get(full, _NOT_YET)
    if found is _NOT_YET:
        found = kept[full] = make()
    return cast(T, found)


def current_language() -> str:
    lang = g.get("lang")  # one look-up: a listing asks a few hundred times
    if lang is None:
        lang = g.lang = preferred_language()
    return str(lang)


def select_locale() -> str:
    """Flask-Babel's locale selector: the Moroccan locale of the chosen language, so
    Arabic dates get Moroccan month names (ar_MA) and prices Moroccan separators."""
    return FORMAT_LOCALES[current_language()]


def text_direction() -> str:
    return direction(current_language())


@lru_cache(maxsize=8)
def direction(lang: str) -> str:
    """``ltr`` or ``rtl``: Babel parses the locale's data on each ask (some 30 µs), and
    every page asks."""
    return str(Locale.parse(FORMAT_LOCALES[lang]).text_direction)


def per_language(bp: Blueprint) -> Blueprint:
    """Make ``bp``'s pages public per-language pages: each URL starts with the
    language, which ``url_for`` fills in with the current one unless told otherwise."""
    bp.url_prefix = URL_PREFIX

    @bp.url_value_preprocessor
    def take_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None and URL_ARG in values:
            g.lang = values.pop(URL_ARG)

    @bp.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault(URL_ARG, current_language())

    return bp


def is_per_language(endpoint: str | None) -> bool:
    if not endpoint or "." not in endpoint:
        return False
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    return blueprint is not None and blueprint.url_prefix == URL_PREFIX


def query_args(*, multi: bool = False) -> dict[str, Any]:
    """This request's query arguments that ``url_for`` writes back as such (the first
    value of each, or all with ``multi``): not the path's own parts (``slug``, the
    language), nor what ``url_for`` reads as its options (``_anchor``, ``_external``,
    ``_scheme``, ``_method``), which given back to it would change the link or fail."""
    path = request.view_args or {}
    args: dict[str, Any] = (
        request.args.to_dict(flat=False) if multi else request.args.to_dict(flat=True)
    )
    return {k: v for k, v in args.items() if k not in path and k != URL_ARG and k[:1] != "_"}


def _built_page_url(code: str, canonical: bool, external: bool) -> str:
    args: dict[str, Any] = dict(request.view_args or {})
    query = query_args(multi=True)
    if canonical:
        kept = CANONICAL_ARGS.get(str(request.endpoint), DEFAULT_CANONICAL_ARGS)
        query = {k: v for k, v in query.items() if k in kept and v != ["1"]}
    args.update(query)
    args[URL_ARG] = code
    return url_for(str(request.endpoint), _external=external, **args)


def _split_page_url(canonical: bool, external: bool) -> tuple[str, str] | None:
    """This page's URL around its language, ``(root, rest)``: ``root/<code>rest`` is
    the page in language ``code``. Built once per request and form (a page's layout
    asks for seven of them: canonical, alternates, default and switcher); None on
    pages without a language in their URL."""
    if not is_per_language(request.endpoint) or request.view_args is None:
        return None
    split: dict[tuple[bool, bool], tuple[str, str]] = g.setdefault("page_urls", {})
    found = split.get((canonical, external))
    if found is None:
        lang = current_language()
        url = _built_page_url(lang, canonical, external)
        root = request.script_root
        if external:
            parts = urlsplit(url)
            root = f"{parts.scheme}://{parts.netloc}{root}"
        if not url.startswith(f"{root}/{lang}/"):
            raise RuntimeError(f"{url} does not start with its language")
        found = split[canonical, external] = (root, url[len(root) + 1 + len(lang) :])
    return found


def page_url(code: str, *, canonical: bool = False, external: bool = False) -> str | None:
    """This public page in language ``code`` (``None`` on other pages). The canonical
    form keeps only the query arguments that make a different page (its number)."""
    split = _split_page_url(canonical, external)
    return None if split is None else f"{split[0]}/{code}{split[1]}"


def default_page_url() -> str | None:
    """This public page without its language: the address that redirects each
    visitor to their own (hreflang's ``x-default``)."""
    split = _split_page_url(canonical=True, external=True)
    return None if split is None else split[0] + split[1]


def _redirect_bare_url() -> Response | None:
    """``/p/argan`` → ``/fr/p/argan`` (or the visitor's language), query kept."""
    if not isinstance(request.routing_exception, NotFound) or request.method not in (
        "GET",
        "HEAD",
    ):
        return None
    lang = preferred_language()
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        endpoint, _ = adapter.match(f"/{lang}{request.path}", method="GET")
    except HTTPException:
        return None
    if not is_per_language(str(endpoint)):
        return None
    target = f"{request.script_root}/{lang}{request.path}"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, 302)
    response.vary.update(("Cookie", "Accept-Language"))
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


def init_app(app: Flask) -> None:
    app.before_request(_redirect_bare_url)
    app.add_template_global(query_args)

    @app.after_request
    def content_language(response: Response) -> Response:
        if response.mimetype == "text/html" and "Content-Language" not in response.headers:
            response.headers["Content-Language"] = current_language()
        return response

    @app.context_processor
    def inject_language() -> dict[str, Any]:
        return {
            "lang": current_language(),
            "text_dir": text_direction(),
            "languages": LANGUAGES,
            "page_links": page_links,
            "og_locales": OG_LOCALES,
        }


#: the language switcher's paths (:func:`switch_url`)
SWITCH_PATHS = "taawun_switch_paths"
#: what ``url_for`` leaves unquoted in a query value (werkzeug's ``_urlencode``)
_QUERY_SAFE = "!$'()*,/:;?@"


def switch_url(code: str) -> str:
    """Where the language switcher sends a visitor choosing ``code``: it remembers the
    choice, then shows the same page in that language. ``url_for`` of it, with the path
    built once per language and script root (every page has two)."""
    target = page_url(code) or (request.full_path if request.full_path.startswith("/") else "/")
    path = kept_per_language(SWITCH_PATHS, code, lambda: url_for("site.set_language", code=code))
    return f"{path}?{urlencode({'next': target}, safe=_QUERY_SAFE)}"


@dataclass(frozen=True, slots=True)
class PageLinks:
    """This page's links to itself that the layout writes: its canonical URL and
    language alternates (None and empty on pages without a language in their URL), the
    ``x-default`` one, and the language switcher's."""

    canonical: str | None
    alternates: tuple[tuple[str, str], ...]
    default: str | None
    switch: dict[str, str]


def page_links(*, canonical: bool = True) -> PageLinks:
    """The layout's links of this page (without ``canonical``, an error page's: only the
    switcher's), worked out in one call: each asked from the template on its own (seven
    of them) cost a tenth of a millisecond on every page."""
    lang = current_language()
    url = page_url(lang, canonical=True, external=True) if canonical else None
    return PageLinks(
        canonical=url,
        alternates=(
            ()
            if url is None
            else tuple(
                (code, str(page_url(code, canonical=True, external=True))) for code in LANGUAGES
            )
        ),
        default=None if url is None else default_page_url(),
        switch={code: switch_url(code) for code in LANGUAGES if code != lang},
    )
