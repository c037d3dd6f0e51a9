"""The cart: grouped by cooperative with a subtotal each, every line checked against
what can be sold now. A line whose product became unavailable stays, with a message,
until the shopper removes it."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalog import regions
from catalog.db import utcnow, whole_number
from catalog.models import Product
from orders import cart
from orders.errors import CartError
from orders.status import PaymentMethod
from storefront import payments
from storefront.cart import delivery, store
from storefront.cart.forms import AddForm, DeliverToForm, LineForm, RemoveForm
from storefront.config import LANGUAGES
from storefront.extensions import db
from storefront.filters import numbered_gettext as _
from storefront.filters import numbered_ngettext as ngettext
from storefront.i18n import current_language
from storefront.orders.messages import problem_text
from storefront.security import same_origin

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _form_errors(form: AddForm | LineForm | DeliverToForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


#: a product page, in any language (``/fr/p/<slug>``)
PRODUCT_PAGE = re.compile(rf"^/(?:{'|'.join(LANGUAGES)})/p/")


def _back(default: str) -> str:
    """Back to the product page the form came from, if it is one of ours."""
    target = request.form.get("next", "")
    if PRODUCT_PAGE.match(target) and "//" not in target and "\\" not in target:
        return target
    return default


def _refused(product_id: int, items: dict[int, int], *, already: int) -> str | None:
    """Why the cart cannot hold ``items[product_id]`` units (how many are left), or
    None when it can."""
    line = cart.view(db.session, {product_id: items[product_id]}, today=utcnow().date()).lines[0]
    if line.ok:
        return None
    texts = [problem_text(problem) for problem in line.problems]
    if already:
        texts.append(
            ngettext(
                "You already have %(num)d in your cart.",
                "You already have %(num)d in your cart.",
                already,
            )
        )
    return " ".join(texts)


@bp.get("/")
def show() -> str:
    items = store.items()
    view = cart.view(db.session, items, today=utcnow().date())
    return render_template(
        "cart/cart.html",
        view=view,
        estimate=delivery.estimate(items) if view.ok else None,
        deliver_form=delivery.chooser(),
        cash_on_delivery=PaymentMethod.COD in payments.offered(view.total)
        if view.groups
        else False,
        line_form=LineForm(),
        remove_form=RemoveForm(),
    )


@bp.post("/add")
@same_origin
def add() -> Response:
    form = AddForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(_back(url_for("cart.show")))
    raw_id = (form.product_id.data or "").strip()
    product_id, product = whole_number(raw_id), None
    if product_id is not None:
        product = db.session.scalar(select(Product).where(Product.id == product_id))
    if product is None or not product.sellable:
        flash(problem_text("unavailable"), "error")
        return redirect(_back(url_for("cart.show")))
    try:
        items = cart.add(store.items(), product.id, form.quantity.data)
    except CartError as exc:
        flash(problem_text(exc.code, **exc.data), "error")
        return redirect(_back(url_for("cart.show")))
    refused = _refused(product.id, items, already=store.items().get(product.id, 0))
    if refused:
        flash(refused, "error")
        return redirect(_back(url_for("cart.show")))
    store.save(items)
    db.session.commit()
    flash(_("Added to your cart."), "success")
    return redirect(url_for("cart.show"))


@bp.post("/<int:product_id>")
def update(product_id: int) -> Response:
    form = LineForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("cart.show"))
    try:
        items = cart.set_quantity(store.items(), product_id, form.quantity.data)
    except CartError as exc:
        flash(problem_text(exc.code, **exc.data), "error")
        return redirect(url_for("cart.show"))
    refused = _refused(product_id, items, already=0) if product_id in items else None
    if refused:
        flash(refused, "error")
        return redirect(url_for("cart.show"))
    store.save(items)
    db.session.commit()
    flash(_("Your cart is updated."), "success")
    return redirect(url_for("cart.show"))


@bp.post("/deliver-to")
@same_origin
def deliver_to() -> Response:
    """Remember the province the delivery estimates are for."""
    form = DeliverToForm(lang=current_language())
    if form.validate_on_submit():
        province = regions.province(form.province.data or "")
        assert province is not None  # the choice was validated
        delivery.remember(province)
        flash(
            _("Delivery estimates are now for %(place)s.", place=province.name(current_language())),
            "success",
        )
    else:
        _form_errors(form)
    return redirect(_back(url_for("cart.show")))


@bp.post("/<int:product_id>/remove")
def remove(product_id: int) -> Response:
    form = RemoveForm()
    if form.validate_on_submit():
        store.save(cart.remove(store.items(), product_id))
        db.session.commit()
        flash(_("Removed from your cart."), "success")
    return redirect(url_for("cart.show"))
