"""Checkout in two steps that work without JavaScript: delivery details, then a
review showing each cooperative's parcel with its shipping price before the shopper
confirms. The confirmed total travels with the form: if prices moved meanwhile,
nothing is placed and the new total is shown."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from catalog import one_time_codes, regions
from catalog.db import utcnow, whole_number
from catalog.errors import InsufficientStock
from catalog.money import Money
from catalog.one_time_codes import Check, Purpose
from orders import cart as cart_lib
from orders import cash_codes, placing
from orders.errors import CheckoutError
from orders.models import Order
from orders.status import PaymentMethod
from storefront import payments
from storefront.cart import delivery, store
from storefront.checkout.forms import CODE_PROBLEMS, CodeForm, ConfirmForm, DetailsForm
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.notifications import can_text, send_code
from storefront.orders import access, notify
from storefront.orders.forms import ActionForm
from storefront.orders.messages import problem_text, shortage_texts
from storefront.orders.paying import start_card_payment
from storefront.outcomes import committing, describe

bp = Blueprint("checkout", __name__, url_prefix="/checkout")

SESSION_KEY = "checkout"
DETAIL_PROBLEMS = {
    "invalid_name",
    "invalid_email",
    "invalid_phone",
    "unknown_region",
    "province_mismatch",
    "invalid_address",
    "invalid_choice",
}


def _offered(view: cart_lib.CartView | None = None) -> list[str]:
    """Ways of paying for the cart's goods (the card threshold ignores shipping)."""
    if view is None:
        view = cart_lib.view(db.session, store.items(), today=utcnow().date())
    return [str(m) for m in payments.offered(view.total if view.groups else Money(0))]


@bp.route("/", methods=["GET", "POST"])
def details() -> Response | str:
    items = store.items()
    if not items:
        flash(problem_text("empty_cart"), "info")
        return redirect(url_for("cart.show"))
    view = cart_lib.view(db.session, items, today=utcnow().date())
    if not view.ok:  # the checkout opens only for a cart that can be served as it is
        flash(_("Change or remove the lines marked below to check out."), "error")
        return redirect(url_for("cart.show"))
    methods = _offered(view)
    saved: dict[str, Any] = session.get(SESSION_KEY) or {}
    form = DetailsForm(lang=current_language(), methods=methods, data=None)
    if not form.is_submitted():
        defaults = dict(saved)
        if current_user.is_authenticated and not defaults:
            defaults = {
                "name": current_user.name,
                "email": current_user.email,
                "phone": current_user.phone,
            }
        for name, value in defaults.items():
            if name in form and value:
                form[name].data = value
        chosen = delivery.remembered()
        if not form.province.data and chosen is not None:
            form.province.data = chosen.code
    if form.validate_on_submit():
        province = regions.province(form.province.data or "")
        assert province is not None  # the choice was validated
        delivery.remember(province)
        session[SESSION_KEY] = {
            "name": form.name.data,
            "email": form.email.data,
            "phone": form.phone.data,
            "region": province.region_code,
            "province": province.code,
            "city": form.city.data or "",
            "address": form.address.data,
            "delivery_option": form.delivery_option.data,
            "payment_method": form.payment_method.data,
            "notify_channel": form.notify_channel.data,
        }
        return redirect(url_for("checkout.review"))
    return render_template("checkout/details.html", form=form)


def _saved_details() -> dict[str, Any] | None:
    saved = session.get(SESSION_KEY)
    required = (
        "name",
        "email",
        "phone",
        "region",
        "province",
        "address",
        "delivery_option",
        "payment_method",
    )
    if not isinstance(saved, dict) or any(not isinstance(saved.get(k), str) for k in required):
        return None
    return saved


@bp.get("/review")
def review() -> Response | str:
    saved = _saved_details()
    if saved is None:
        return redirect(url_for("checkout.details"))
    prepared = placing.prepare(
        db.session,
        store.items(),
        destination_region=saved["region"],
        delivery_option=saved["delivery_option"],
        payment_method=saved["payment_method"],
        today=utcnow().date(),
    )
    if prepared.problems or prepared.quote is None:
        for problem in prepared.problems:
            flash(problem_text(problem), "error")
        return redirect(url_for("cart.show"))
    if saved["payment_method"] not in _offered(prepared.view):
        flash(_("This way of paying is not available for this order. Choose another."), "error")
        return redirect(url_for("checkout.details"))
    token = saved.get("token") or secrets.token_urlsafe(24)
    session[SESSION_KEY] = dict(saved, token=token)
    form = ConfirmForm(data={"token": token, "expected_total": prepared.quote.total.amount_minor})
    return render_template(
        "checkout/review.html",
        quote=prepared.quote,
        details=saved,
        region=regions.region(saved["region"]),
        province=regions.province(saved["province"]),
        form=form,
    )


@bp.post("/confirm")
def confirm() -> Response:
    saved = _saved_details()
    form = ConfirmForm()
    if saved is None or not form.validate_on_submit() or form.token.data != saved.get("token"):
        flash(_("Your checkout expired. Please check your order again."), "error")
        return redirect(url_for("checkout.review" if saved else "checkout.details"))
    expected_minor = whole_number(form.expected_total.data or "")
    if expected_minor is None:
        flash(problem_text("total_changed"), "error")
        return redirect(url_for("checkout.review"))
    items = store.items()
    user = current_user if current_user.is_authenticated else None
    already_placed = placing.find_placed(db.session, saved["token"])
    if already_placed is None and _code_missing(saved, expected_minor):
        return _ask_for_code(saved)
    try:
        with committing(_back_from, lambda exc: _refusal_texts(exc, items)):
            order = already_placed or placing.place_order(
                db.session,
                items,
                customer=placing.Customer(
                    name=saved["name"],
                    email=saved["email"],
                    phone=saved["phone"],
                    language=current_language(),
                    user_id=user.id if user else None,
                    organisation_id=user.organisation_id if user else None,
                ),
                address=placing.Address(
                    saved["region"], saved["province"], saved["address"], saved.get("city", "")
                ),
                delivery_option=saved["delivery_option"],
                payment_method=saved["payment_method"],
                now=utcnow(),
                idempotency_key=saved["token"],
                expected_total_minor=expected_minor,
                offered=payments.offered,
            )
            if already_placed is None:
                order.notify_channel = "sms" if saved.get("notify_channel") == "sms" else "email"
                if order.payment_method != PaymentMethod.CARD:
                    notify.order_placed(order)
            number, method = order.number, order.payment_method
    except IntegrityError:  # the same form submitted twice at the same instant
        db.session.rollback()
        return redirect(url_for("checkout.review"))
    access.remember(number)
    store.clear()
    db.session.commit()
    session.pop(SESSION_KEY, None)
    if method == PaymentMethod.CARD:
        return start_card_payment(order)
    flash(_("Thank you! Your order %(number)s is placed.", number=number), "success")
    return redirect(url_for("orders.detail", number=number))


def _refusal_texts(exc: Exception, items: cart_lib.Items) -> list[str]:
    """What the shopper reads when the order is refused: each problem with the cart or
    the details, the lines short of stock, or why this way of paying is not offered."""
    if isinstance(exc, InsufficientStock):
        products = {
            line.product_id: line.product
            for line in cart_lib.view(db.session, items, today=utcnow().date()).lines
            if line.product
        }
        return shortage_texts(exc, products, current_language())
    if isinstance(exc, CheckoutError):
        if exc.codes == ["method_not_offered"]:
            return [_("This way of paying is not available for this order. Choose another.")]
        return [problem_text(problem) for problem in exc.problems]
    return describe(exc)


def _back_from(exc: Exception) -> str:
    """Where the shopper mends what was refused: the details, the review (the total
    moved) or the cart."""
    if isinstance(exc, CheckoutError):
        if exc.codes == ["method_not_offered"] or set(exc.codes) & DETAIL_PROBLEMS:
            return url_for("checkout.details")
        if exc.codes == ["total_changed"]:
            return url_for("checkout.review")
    return url_for("cart.show")


# -- a code by text message before some cash-on-delivery orders ---------------------------
def _code_missing(saved: dict[str, Any], total_minor: int) -> bool:
    """A cash-on-delivery order that must wait for the phone's code, not yet given.
    Asked only where text messages can leave (an SMS provider is configured)."""
    return (
        saved["payment_method"] == PaymentMethod.COD
        and saved.get("verified_phone") != saved["phone"]
        and can_text(current_app)
        and cash_codes.needs_code(db.session, phone=saved["phone"], total_minor=total_minor)
    )


def _ask_for_code(saved: dict[str, Any]) -> Response:
    if not send_code(Purpose.CASH_ON_DELIVERY, phone=saved["phone"], subject=saved["token"]):
        db.session.rollback()
        flash(
            _(
                "We sent many codes to this phone: try again in an hour, or choose another "
                "way of paying."
            ),
            "error",
        )
        return redirect(url_for("checkout.review"))
    db.session.commit()
    return redirect(url_for("checkout.code"))


@bp.route("/code", methods=["GET", "POST"])
def code() -> Response | str:
    """The code sent to the phone of a cash-on-delivery order: right, the shopper
    confirms the order again (nothing is placed and no stock taken before)."""
    saved = _saved_details()
    if saved is None or not saved.get("token"):
        return redirect(url_for("checkout.details"))
    form = CodeForm()
    if form.validate_on_submit():
        outcome = one_time_codes.check(
            db.session,
            purpose=Purpose.CASH_ON_DELIVERY,
            phone=saved["phone"],
            subject=saved["token"],
            code=form.code.data or "",
            now=utcnow(),
        )
        db.session.commit()
        if outcome == Check.OK:
            session[SESSION_KEY] = dict(saved, verified_phone=saved["phone"])
            flash(_("Your phone is confirmed. Confirm your order below."), "success")
            return redirect(url_for("checkout.review"))
        form.code.errors = (CODE_PROBLEMS[outcome],)
    return render_template("checkout/code.html", form=form, phone=saved["phone"])


@bp.post("/code/new")
def new_code() -> Response:
    saved = _saved_details()
    if saved is None or not saved.get("token") or not ActionForm().validate_on_submit():
        return redirect(url_for("checkout.details"))
    response = _ask_for_code(saved)
    if response.location == url_for("checkout.code"):
        flash(_("A new code is on its way."), "info")
    return response


@bp.get("/return/<number>")
def returned(number: str) -> Response:
    """Where Stripe sends the shopper back. It only says what happens next: the order
    changes state from the signed webhook alone, never from this visit."""
    order = db.session.scalar(select(Order).where(Order.number == number, access.visible()))
    if order is None:
        return redirect(url_for("shop.home"))
    if request.args.get("result") == "paid":
        flash(
            _(
                "Thank you! We are confirming your payment with the bank; this page updates "
                "once it is confirmed."
            ),
            "info",
        )
    else:
        flash(
            _("The card payment was not completed. You can try again or pay cash on delivery."),
            "info",
        )
    return redirect(url_for("orders.detail", number=order.number))
