"""Responsive photos: ``<picture>`` elements listing a photo's smaller and WebP copies
(:func:`catalog.images.derived_name`) in ``srcset``, for product cards
(:mod:`storefront.shop.fragments`) and templates (the ``picture`` global). Copies are
never wider than the photo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Flask, url_for
from markupsafe import Markup, escape

from catalog.images import derived_ending, derived_name, photo_stem
from catalog.models import ProductImage
from storefront.i18n import kept_per_language

#: cards are at least 10rem wide: two to a phone's row, about 16rem on wide screens
CARD_SIZES = "(max-width: 30rem) 50vw, 16rem"
CARD_WIDTHS = (240, 400)


#: characters Werkzeug's URL converters leave as they are
_PATH_SAFE = "!$&'()*+,/:;=@"
_MARK = "urlmark0"
PREFIXES = "taawun_url_prefixes"


def url_prefix(endpoint: str, arg: str) -> str | None:
    """What ``url_for(endpoint, **{arg: value})`` writes before the quoted value, built
    once per language and script root (``None`` when the URL does not end with it)."""

    def made() -> str | None:
        marked: dict[str, Any] = {arg: _MARK}
        url = url_for(endpoint, **marked)
        return url[: -len(_MARK)] if url.endswith(_MARK) else None

    return kept_per_language(PREFIXES, (endpoint, arg), made)


def url_builder(endpoint: str, arg: str) -> Callable[[str], str]:
    """``value -> url_for(endpoint, **{arg: value})`` for an endpoint whose URL ends
    with that argument: the rest is built once per language and script root, then only
    the value is quoted. A listing builds some 150 such URLs (cards, pictures); building
    each through the URL map was a tenth of its time."""
    prefix = url_prefix(endpoint, arg)
    if prefix is None:
        return lambda value: url_for(endpoint, **dict[str, Any]({arg: value}))
    return lambda value: prefix + quote(value, safe=_PATH_SAFE)


def media_prefix() -> str:
    """The start of every media URL: a file's URL is it and the file's quoted name."""
    prefix = url_prefix("site.media", "filename")
    if prefix is None:
        raise RuntimeError("the media route must end with the file name")
    return prefix


def _url(name: str, prefix: str | None = None) -> str:
    return (media_prefix() if prefix is None else prefix) + quote(name, safe=_PATH_SAFE)


def srcsets(
    name: str,
    width: int,
    widths: tuple[int, ...],
    *,
    full: bool,
    prefix: str | None = None,
) -> dict[str, Markup]:
    """``{"webp": "...", "jpg": "..."}``, escaped for an attribute: the copies of photo
    ``name`` (``width`` pixels wide) at ``widths`` narrower than it, and the photo
    itself when ``full`` or when it is not wider than the widths asked (``prefix``: the
    media URLs')."""
    if not name or not width:
        return {}
    prefix = media_prefix() if prefix is None else prefix
    sizes = [w for w in widths if w < width]
    # a photo no wider than the largest width asked is itself the largest choice
    full = full or width <= max(widths)
    # a copy's URL is its photo's stem's and the copy's ending (the same quoted or
    # escaped): the stem is quoted and escaped once, not each copy's whole name (a
    # card's copies were a third of its cost)
    start = escape(_url(photo_stem(name), prefix))
    sets: dict[str, Markup] = {}
    for fmt in ("webp", "jpg"):
        entries = [f"{start}{derived_ending(w, fmt)} {w}w" for w in sizes]
        if full:
            whole = (
                escape(_url(name, prefix))
                if fmt == "jpg"
                else f"{start}{derived_ending(None, fmt)}"
            )
            entries.append(f"{whole} {width}w")
        sets[fmt] = Markup(", ".join(entries))  # noqa: S704 (escaped URLs, widths)
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
    shown: str | None = None,
    prefix: str | None = None,
) -> Markup:
    """The photo ``name`` with its WebP and smaller copies: the browser picks what the
    layout (``sizes``) needs. ``first``: in the first row of the page, so loaded at once
    and early (what the shopper sees first); the others load when scrolled to.
    ``shown``: the file the ``img`` itself shows (a thumbnail; the photo when not
    given). ``prefix``: the media URLs', when the caller has it already."""
    prefix = media_prefix() if prefix is None else prefix
    sets = srcsets(name, width, widths, full=full, prefix=prefix)
    source = choices = ""
    if sets:
        sizes = escape(sizes)
        source = f'<source type="image/webp" srcset="{sets["webp"]}" sizes="{sizes}">'
        choices = f' srcset="{sets["jpg"]}" sizes="{sizes}"'
    loading = 'fetchpriority="high"' if first else 'loading="lazy"'
    return Markup(  # noqa: S704 (every value escaped)
        f'<picture>{source}<img src="{escape(_url(shown or name, prefix))}"{choices}'
        f' alt="{escape(alt)}" width="{escape(width)}" height="{escape(height)}" {loading}>'
        "</picture>"
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
