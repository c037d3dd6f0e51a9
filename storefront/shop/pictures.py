"""Responsive photos: ``<picture>`` elements listing a photo's smaller and WebP copies
(:func:`catalog.images.derived_name`) in ``srcset``, for product cards
(:mod:`storefront.shop.fragments`) and templates (the ``picture`` global). Copies are
never wider than the photo."""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from markupsafe import Markup

from catalog.images import derived_name
from catalog.models import ProductImage

#: cards are at least 10rem wide: two to a phone's row, about 16rem on wide screens
CARD_SIZES = "(max-width: 30rem) 50vw, 16rem"
CARD_WIDTHS = (240, 400)


def _url(name: str) -> str:
    return url_for("site.media", filename=name)


def srcsets(name: str, width: int, widths: tuple[int, ...], *, full: bool) -> dict[str, str]:
    """``{"webp": "...", "jpg": "..."}``: the copies of photo ``name`` (``width``
    pixels wide) at ``widths`` narrower than it, and the photo itself when ``full``
    or when it is not wider than the widths asked."""
    sizes = [w for w in widths if w < width]
    # a photo no wider than the largest width asked is itself the largest choice
    full = full or width <= max(widths)
    if not name or not width:
        return {}
    sets: dict[str, str] = {}
    for fmt in ("webp", "jpg"):
        entries = [f"{_url(derived_name(name, w, fmt))} {w}w" for w in sizes]
        if full:
            whole = name if fmt == "jpg" else derived_name(name, None, fmt)
            entries.append(f"{_url(whole)} {width}w")
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
) -> Markup:
    """The photo ``name`` with its WebP and smaller copies: the browser picks what the
    layout (``sizes``) needs. ``first``: in the first row of the page, so loaded at once
    and early (what the shopper sees first); the others load when scrolled to."""
    sets = srcsets(name, width, widths, full=full)
    source = (
        Markup('<source type="image/webp" srcset="{}" sizes="{}">').format(sets["webp"], sizes)
        if sets
        else ""
    )
    choices = Markup(' srcset="{}" sizes="{}"').format(sets["jpg"], sizes) if sets else ""
    loading = Markup('fetchpriority="high"') if first else Markup('loading="lazy"')
    return Markup(
        '<picture>{}<img src="{}"{} alt="{}" width="{}" height="{}" {}></picture>'
    ).format(source, src or _url(name), choices, alt, width, height, loading)


def copy_url(image: ProductImage, width: int, fmt: str = "jpg") -> str | None:
    """One copy ``width`` pixels wide (for a cell of fixed size). When the photo is not
    wider: its thumbnail as JPEG, no WebP (``None``)."""
    if image.width > width:
        return _url(derived_name(image.filename, width, fmt))
    return _url(image.thumbnail or image.filename) if fmt == "jpg" else None


def init_app(app: Flask) -> None:
    globals_: dict[str, Any] = {"picture": picture_html, "copy_url": copy_url}
    app.jinja_env.globals.update(globals_)
