"""The layout's link to the cart, with the number of items in it: the one part of a
catalog page that differs between an anonymous visitor and a guest with a cart, so the
anonymous page cache can serve both (:mod:`storefront.shop.pagecache` swaps it)."""

from __future__ import annotations

from flask import Flask, session, url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from markupsafe import Markup, escape

from storefront.cart.store import COUNT_KEY
from storefront.filters import numbered
from storefront.i18n import kept_per_language

ICON = (
    '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="22" height="22">'
    '<path d="M3 4h2l2.4 10.2a1 1 0 0 0 1 .8h8.9a1 1 0 0 0 1-.8L20 8H6.2" fill="none" '
    'stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>'
    '<circle cx="9" cy="19" r="1.6" fill="currentColor"/>'
    '<circle cx="17" cy="19" r="1.6" fill="currentColor"/></svg>'
)


def count() -> int | None:
    """The number of items in the visitor's cart as the session keeps it (0 without
    one; None when the session holds something else there)."""
    n = session.get(COUNT_KEY, 0)
    return n if type(n) is int and n >= 0 else None


#: the links made so far, per number of items (up to ``KEPT_UP_TO``): every page of
#: the shop shows one
KEPT = "taawun_cart_links"
KEPT_UP_TO = 100


def cart_link(n: int | None = None) -> Markup:
    """The link, for a cart holding ``n`` items (by default the visitor's)."""
    if n is None:
        n = count() or 0
    return _made(n) if n >= KEPT_UP_TO else kept_per_language(KEPT, n, lambda: _made(n))


def _made(n: int) -> Markup:
    label = escape(_("Cart"))
    badge = ""
    if n:
        # the count written as the page's language writes numbers: 1 200 (fr), 1,200 (en)
        text = get_translations().ungettext("(%(num)d item)", "(%(num)d items)", n)
        items = escape(numbered(text, num=n))
        badge = (
            f' <span class="count"><span class="visually-hidden">{items}</span>'
            f'<span aria-hidden="true">{n}</span></span>'
        )
    return Markup(  # noqa: S704 (every value escaped)
        f'<a class="cart-link" href="{escape(url_for("cart.show"))}">{ICON}'
        f'<span class="cart-label">{label}</span>{badge}</a>'
    )


def init_app(app: Flask) -> None:
    app.add_template_global(cart_link, "cart_link")
