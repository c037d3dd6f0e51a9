"""Responsive photos: ``<picture>`` elements listing a photo's smaller and WebP copies
(:func:`catalog.images.derived_name`) in ``srcset``, for product cards
(:mod:`storefront.shop.fragments`) and templates (the ``picture`` global). Copies are
never wider than the photo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from catalog.images import derived_name
from catalog.models import ProductImage
from storefront.i18n import current_language

#: cards are at least 10rem wide: two to a phone's row, about 16rem on wide screens
CARD_SIZES = "(max-width: 30rem) 50vw, 16rem"
CARD_WIDTHS = (240, 400)


#: characters Werkzeug's URL converters leave as they are
_PATH_SAFE = "!$&'()*+,/:;=@"
_MARK = "urlmark0"
PREFIXES = "taawun_url_prefixes"


def url_builder(endpoint: str, arg: str) -> Callable[[str], str]:
    """``value -> url_for(endpoint, **{arg: value})`` for an endpoint whose URL ends
    with that argument: the rest is built once per language and script root, then only
    the value is quoted. A listing builds some 150 such URLs (cards, pictures); building
    each through the URL map was a tenth of its time."""
    key = (endpoint, arg, current_language(), request.script_root)
    prefixes: dict[tuple[str, ...], str | None] = current_app.extensions.setdefault(PREFIXES, {})
    if key not in prefixes:
        marked: dict[str, Any] = {arg: _MARK}
        url = url_for(endpoint, **marked)
        prefixes[key] = url[: -len(_MARK)] if url.endswith(_MARK) else None
    prefix = prefixes[key]
    if prefix is None:
        return lambda value: url_for(endpoint, **dict[str, Any]({arg: value}))
    return lambda value: prefix + quote(value, safe=_PATH_SAFE)


def _url(name: str) -> str:
    return url_builder("site.media", "filename")(name)


def srcsets(
    name: str,
    width: int,
    widths: tuple[int, ...],
    *,
    full: bool,
    url: Callable[[str], str] | None = None,
) -> dict[str, str]:
    """``{"webp": "...", "jpg": "..."}``: the copies of photo ``name`` (``width``
    pixels wide) at ``widths`` narrower than it, and the photo itself when ``full``
    or when it is not wider than the widths asked (``url``: a media URL builder)."""
    url = url or url_builder("site.media", "filename")
    sizes = [w for w in widths if w < width]
    # a photo no wider than the largest width asked is itself the largest choice
    full = full or width <= max(widths)
    if not name or not width:
        return {}
    sets: dict[str, str] = {}
    for fmt in ("webp", "jpg"):
        entries = [f"{url(derived_name(name, w, fmt))} {w}w" for w in sizes]
        if full:
            whole = name if fmt == "jpg" else derived_name(name, None, fmt)
            entries.append(f"{url(whole)} {width}w")
        sets[fmt] = ", ".join(entries)
    return sets


def picture_html(
    name: str,
    width: int,
    height: int,
    sizes: str,
    widths: tuple[int, ...],
    *,
    alt: str = "",
    first: bool = False,
    full: bool = False,
    src: str | None = None,
    url: Callable[[str], str] | None = None,
) -> Markup:
    """The photo ``name`` with its WebP and smaller copies: the browser picks what the
    layout (``sizes``) needs. ``first``: in the first row of the page, so loaded at once
    and early (what the shopper sees first); the others load when scrolled to."""
    url = url or url_builder("site.media", "filename")
    sets = srcsets(name, width, widths, full=full, url=url)
    source = choices = ""
    if sets:
        source = (
            f'<source type="image/webp" srcset="{escape(sets["webp"])}" sizes="{escape(sizes)}">'
        )
        choices = f' srcset="{escape(sets["jpg"])}" sizes="{escape(sizes)}"'
    loading = 'fetchpriority="high"' if first else 'loading="lazy"'
    return Markup(  # noqa: S704 (every value escaped)
        f'<picture>{source}<img src="{escape(src or url(name))}"{choices} alt="{escape(alt)}"'
        f' width="{escape(width)}" height="{escape(height)}" {loading}></picture>'
    )


def copy_url(image: ProductImage, width: int, fmt: str = "jpg") -> str | None:
    """One copy ``width`` pixels wide (for a cell of fixed size). When the photo is not
    wider: its thumbnail as JPEG, no WebP (``None``)."""
    if image.width > width:
        return _url(derived_name(image.filename, width, fmt))
    return _url(image.thumbnail or image.filename) if fmt == "jpg" else None


def init_app(app: Flask) -> None:
    globals_: dict[str, Any] = {"picture": picture_html, "copy_url": copy_url}
    app.jinja_env.globals.update(globals_)
