"""The operator's order desk (``/admin/orders``): every order, shop and institutional,
searchable and filtered by what waits for the operator; an order's page with its
timeline, parts and payments; and the operator's actions on it (record a bank
transfer, refund or cancel a part, give back money owed, clear a flag). Each action
goes to the audit log with who did it and why, and tells the people concerned."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from catalog import audit
from catalog.db import utcnow
from catalog.errors import InvalidAmount
from catalog.money import Money
from orders import desk, fulfilment, payment_attempts, refunds
from orders.desk import Queue
from orders.models import Fulfilment, Order
from orders.placing import find_by_number
from orders.status import OrderStatus, PaymentMethod
from storefront import labels, payments
from storefront.admin.forms import (
    LineRefundForm,
    NoteForm,
    PartReasonForm,
    RefundPaidForm,
    TransferForm,
)
from storefront.admin.views import PER_PAGE, actor, bp
from storefront.auth import operator_required
from storefront.extensions import db
from storefront.filters import money_text
from storefront.filters import numbered_gettext as _
from storefront.orders import notify
from storefront.outcomes import Refused, committing, describe
from storefront.tenancy import part_or_404

PROBLEMS = {
    "not_awaiting_payment": _l("This order is not waiting for a transfer."),
    "reference_required": _l("Enter the bank reference."),
    "amount_not_positive": _l("Enter an amount above zero."),
    "currency_mismatch": _l("The amount must be in the order's currency."),
    "more_than_owed": _l("That is more than what is owed to the buyer."),
    "note_required": _l("Write a note saying what you did."),
    "not_flagged": _l("This order is not flagged any more."),
    "part_is_paid": _l("This part was paid: refund it instead of cancelling it."),
    "part_not_paid": _l("This part was not paid: cancel it instead of refunding it."),
    "not_cash_on_delivery": _l("Only cash-on-delivery parcels can be refused at the door."),
    "gateway_error": _l("The payment provider refused the refund; nothing was changed."),
    "invalid_transition": _l("This action is not possible in the order's present state."),
    "part_closed": _l("This parcel is closed: its units can no longer be refunded."),
    "whole_part": _l(
        "That is every unit still to send: cancel or refund the whole parcel instead."
    ),
    "quantity_out_of_range": _l("Enter a number of units from 1 to %(max)s."),
}


def _refusal(exc: Exception) -> list[str]:
    data = getattr(exc, "data", None)
    code = getattr(exc, "code", "")
    if data and code in PROBLEMS:  # a sentence that needs the refusal's figures
        return [str(PROBLEMS[code]) % data]
    return describe(exc, PROBLEMS)


def _desk(order: Order) -> AbstractContextManager[None]:
    """One action on an order as one transaction; a refusal goes back to its page."""
    return committing(_back_to(order), _refusal)


def _order(number: str) -> Order:
    order = find_by_number(db.session, number)
    if order is None:
        abort(404)
    return order


def _log(action: str, order: Order, **details: Any) -> None:
    audit.record(
        db.session,
        actor(),
        action,
        object_type="order",
        object_id=order.id,
        now=utcnow(),
        details={"number": order.number, **details},
    )


def _back_to(order: Order) -> str:
    return url_for("admin.order", number=order.number)


def _back(order: Order) -> Response:
    return redirect(_back_to(order))


@bp.get("/orders")
@operator_required
def orders() -> str:
    now = utcnow()
    query = request.args.get("q", "")[:100]
    try:
        queue: Queue | None = Queue(request.args.get("queue", ""))
    except ValueError:
        queue = None
    try:
        page = max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        page = 1
    rows, total = desk.find_orders(
        db.session,
        query=query,
        queue=queue,
        now=now,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    return render_template(
        "admin/orders.html",
        orders=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        query=query,
        queue=queue,
        queues=labels.ORDER_QUEUES,
        counts=desk.queue_counts(db.session, now=now),
    )


@bp.get("/orders/<number>")
@operator_required
def order(number: str) -> str:
    found = _order(number)
    transfer = TransferForm()
    if not transfer.is_submitted():
        transfer.amount.data = ""
        transfer.received_on.data = utcnow().date()
    return render_template(
        "admin/order.html",
        order=found,
        transfer_form=transfer,
        part_form=PartReasonForm(),
        note_form=NoteForm(),
        refund_paid_form=RefundPaidForm(),
        awaiting_transfer=found.payment_method == PaymentMethod.BANK_TRANSFER
        and found.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED),
        part_was_paid=fulfilment.part_was_paid,
        lines_refundable=refunds.lines_refundable,
        takes_units_off=refunds.takes_units_off,
    )


def _amount(text: str, order: Order) -> Money | None:
    try:
        return Money.parse(text, order.currency)
    except InvalidAmount:
        flash(_("Enter an amount in dirhams, for example 1 250,00."), "error")
        return None


@bp.post("/orders/<number>/transfer")
@operator_required
def order_transfer(number: str) -> Response:
    found = _order(number)
    form = TransferForm()
    if not form.validate_on_submit():
        flash(_("Enter the amount, the date and the bank reference of the transfer."), "error")
        return _back(found)
    amount = _amount(form.amount.data or "", found)
    if amount is None:
        return _back(found)
    was_confirmed = found.status == OrderStatus.CONFIRMED
    with _desk(found):
        payment_attempts.record_bank_transfer(
            db.session,
            found,
            amount,
            reference=form.reference.data or "",
            received_on=form.received_on.data,
            now=utcnow(),
            actor_id=actor().id,
        )
        _log(
            "order.transfer",
            found,
            amount_minor=amount.amount_minor,
            reference=form.reference.data,
            received_on=form.received_on.data,
        )
        paid = found.status == OrderStatus.CONFIRMED and not was_confirmed
        if paid:
            notify.order_paid(found)
    if paid:
        flash(_("Transfer recorded: the order is paid and the cooperatives are told."), "success")
    else:
        flash(
            _("Part payment recorded. Still due: %(due)s.", due=money_text(found.amount_due)),
            "info",
        )
    return _back(found)


def _part_reason(number: str, position: int) -> tuple[Fulfilment, str, fulfilment.Act]:
    """The part an operator acts on, the reason given (the buyer reads it) and the act."""
    found = _order(number)
    part = part_or_404(Fulfilment.order_id == found.id, Fulfilment.position == position)
    form = PartReasonForm()
    if not form.validate_on_submit():
        flash(_("Write the reason: the buyer reads it."), "error")
        raise Refused(_back_to(part.order))
    act = fulfilment.Act(now=utcnow(), actor_id=actor().id, source="operator")
    return part, form.reason.data or "", act


@bp.post("/orders/<number>/parts/<int:position>/cancel")
@operator_required
def order_part_cancel(number: str, position: int) -> Response:
    part, reason, act = _part_reason(number, position)
    with _desk(part.order):
        fulfilment.cancel_part(db.session, part, reason=reason, **act)
        _log("order.part_cancel", part.order, part=position, reason=reason)
        notify.part_cancelled(part, reason)
    flash(_("Part cancelled; its stock is back on sale and the buyer is told."), "success")
    return _back(part.order)


@bp.post("/orders/<number>/parts/<int:position>/refund")
@operator_required
def order_part_refund(number: str, position: int) -> Response:
    part, reason, act = _part_reason(number, position)
    found = part.order
    restock = bool(PartReasonForm().restock.data)
    with _desk(found):
        gateway = payments.gateway(found.payment_method)
        amount = refunds.refund_part(
            db.session, part, gateway=gateway, reason=reason, restock=restock, **act
        )
        _log(
            "order.part_refund",
            found,
            part=position,
            amount_minor=amount.amount_minor,
            reason=reason,
        )
        notify.part_refunded(part, amount)
    _say_refunded(found, amount)
    return _back(found)


def _say_refunded(found: Order, amount: Money) -> None:
    """Tell the operator where the money went: back to the card, or owed by hand."""
    if found.payment_method == PaymentMethod.CARD:
        flash(_("Refunded to the card: %(amount)s.", amount=money_text(amount)), "success")
    else:
        flash(
            _("Refund recorded: %(amount)s is owed back to the buyer.", amount=money_text(amount)),
            "success",
        )


@bp.post("/orders/<number>/lines/<int:line_id>/refund")
@operator_required
def order_line_refund(number: str, line_id: int) -> Response:
    """Refund some units of one line: of a parcel that left (damaged, missing), or
    taken off a parcel not sent yet (their stock goes back on sale)."""
    found = _order(number)
    line = next((ln for ln in found.lines if ln.id == line_id), None)
    if line is None:
        abort(404)
    form = LineRefundForm()
    if not form.validate_on_submit():
        flash(_("Enter the number of units and the reason: the buyer reads it."), "error")
        return _back(found)
    act = fulfilment.Act(now=utcnow(), actor_id=actor().id, source="operator")
    before_leaving = refunds.takes_units_off(line.fulfilment)
    with _desk(found):
        amount = refunds.refund_line(
            db.session,
            line,
            form.quantity.data or 0,
            gateway=payments.gateway(found.payment_method),
            reason=form.reason.data or "",
            **act,
        )
        _log(
            "order.line_refund",
            found,
            part=line.fulfilment.position,
            line=line.sku,
            quantity=form.quantity.data,
            amount_minor=amount.amount_minor,
            reason=form.reason.data,
        )
        if before_leaving:
            notify.units_taken_off(line, form.quantity.data or 0, amount, form.reason.data or "")
        else:
            notify.part_refunded(line.fulfilment, amount)
    if before_leaving and not fulfilment.part_was_paid(line.fulfilment):
        flash(
            _(
                "Units taken off: the buyer pays %(amount)s less at the door.",
                amount=money_text(amount),
            ),
            "success",
        )
    else:
        _say_refunded(found, amount)
    return _back(found)


@bp.post("/orders/<number>/attention")
@operator_required
def order_attention(number: str) -> Response:
    found = _order(number)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(str(PROBLEMS["note_required"]), "error")
        return _back(found)
    with _desk(found):
        desk.clear_attention(
            db.session, found, note=form.note.data or "", now=utcnow(), actor_id=actor().id
        )
        _log("order.attention_cleared", found, note=form.note.data)
    flash(_("Flag cleared."), "success")
    return _back(found)


@bp.post("/orders/<number>/refund-paid")
@operator_required
def order_refund_paid(number: str) -> Response:
    found = _order(number)
    form = RefundPaidForm()
    if not form.validate_on_submit():
        flash(_("Enter the amount given back and its reference."), "error")
        return _back(found)
    amount = _amount(form.amount.data or "", found)
    if amount is None:
        return _back(found)
    with _desk(found):
        desk.record_refund_paid(
            db.session,
            found,
            amount,
            reference=form.reference.data or "",
            now=utcnow(),
            actor_id=actor().id,
        )
        _log(
            "order.refund_paid",
            found,
            amount_minor=amount.amount_minor,
            reference=form.reference.data,
        )
    flash(_("Recorded: %(amount)s given back to the buyer.", amount=money_text(amount)), "success")
    return _back(found)
