"""Words for the orders library's codes (states, events, problems), in the user's
language."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from catalog.errors import InsufficientStock, Problem
from catalog.models import Product
from storefront.filters import numbered_gettext as _
from storefront.filters import numbered_ngettext as ngettext

ORDER_STATUS = {
    "pending_payment": _l("Waiting for payment"),
    "confirmed": _l("Confirmed"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired (not paid in time)"),
    "refunded": _l("Refunded"),
}

PART_STATUS = {
    "new": _l("Waiting for payment"),
    "to_prepare": _l("Being prepared"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "refused": _l("Refused at the door"),
    "returned": _l("Returned to the cooperative"),
}

PAYMENT_METHODS = {
    "cod": _l("Cash on delivery"),
    "card": _l("Bank card"),
    "bank_transfer": _l("Bank transfer"),
}

PAYMENT_HINTS = {
    "cod": _l("Pay the delivery person in cash when each parcel arrives."),
    "card": _l("Pay now on the secure page of our payment provider."),
    "bank_transfer": _l("For institutions: the order is kept for you until the transfer arrives."),
}

DELIVERY_OPTIONS = {
    "home": _l("Delivery to the door"),
    "relay": _l("Pick-up at the carrier's agency"),
}

ZONES = {
    "same_region": _l("same region"),
    "other_region": _l("another region"),
    "remote": _l("remote region"),
}

EVENTS = {
    "placed": _l("Order placed"),
    "confirmed": _l("Order confirmed"),
    "payment_started": _l("Card payment started"),
    "paid": _l("Payment received"),
    "payment_failed": _l("Payment failed"),
    "bank_transfer_recorded": _l("Bank transfer received"),
    "preparing": _l("The cooperative is preparing the parcel"),
    "shipped": _l("Parcel shipped"),
    "delivered": _l("Parcel delivered"),
    "cash_collected": _l("Cash collected"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "refund_recorded": _l("Refund recorded"),
    "reservation_expired": _l("Reservation expired"),
    "reinstated": _l("Order reinstated after a late payment"),
    "needs_attention": _l("Checked by our team"),
    "completed": _l("Order completed"),
    "refused_at_door": _l("Parcel refused at the door"),
    "returned": _l("Parcel back with the cooperative"),
    "tracking_corrected": _l("Tracking number corrected"),
    "attention_cleared": _l("Checked by our team"),
    "refund_paid": _l("Money given back"),
    "line_refunded": _l("Some units refunded"),
}

PROBLEMS = {
    "empty_cart": _l("Your cart is empty."),
    "cart_problems": _l("Some products in your cart cannot be ordered as they are."),
    "invalid_choice": _l("Please choose a delivery option and a way of paying from the list."),
    "no_tariff": _l("Delivery is not available for this address yet."),
    "invalid_name": _l("Enter the name of the person who receives the parcels."),
    "invalid_email": _l("Enter a valid e-mail address."),
    "invalid_phone": _l("Enter a Moroccan phone number, for example 06 12 34 56 78."),
    "unknown_region": _l("Choose your region and province from the list."),
    "province_mismatch": _l("This province is not in the chosen region."),
    "invalid_address": _l("Enter the delivery address (street, district, landmark)."),
    "unknown_product": _l("A product in your cart no longer exists; it was removed."),
    "not_sellable": _l("A product in your cart is no longer sold."),
    "invalid_quantity": _l("Enter a whole number of at least 1."),
    "quantity_too_large": _l("That quantity is too large for one order."),
    "too_many_lines": _l("Your cart is full: order what is in it first."),
    "total_changed": _l("Prices or delivery costs changed since you looked: check the new total."),
    "unavailable": _l("No longer available."),
    "capacity_exceeded": _l("The cooperative cannot make that many within a year."),
    "not_in_cart": _l("This product is not in your cart."),
}


def problem_text(problem: Problem | str, **extra: Any) -> str:
    code = problem if isinstance(problem, str) else problem.code
    data = {} if isinstance(problem, str) else dict(problem.data)
    data.update(extra)
    if code == "insufficient_stock":
        if int(data.get("available", 0)) <= 0:
            return _("Sold out.")
        return ngettext(
            "Only %(num)d left in stock.", "Only %(num)d left in stock.", data.get("available", 0)
        )
    if code == "quantity_too_large" and "max" in data:
        return _("At most %(max)d units of a product per order.", max=data["max"])
    return str(PROBLEMS.get(code, _("This request could not be completed.")))


def shortage_texts(error: InsufficientStock, products: dict[int, Product], lang: str) -> list[str]:
    texts = []
    for shortage in error.shortages:
        product = products.get(shortage.product_id)
        title = product.title(lang) if product else "?"
        texts.append(
            ngettext(
                "%(title)s: only %(num)d left.",
                "%(title)s: only %(num)d left.",
                shortage.available,
                title=title,
            )
        )
    return texts


def label(table: dict[str, Any], code: object) -> str:
    return str(table.get(str(code), code))
