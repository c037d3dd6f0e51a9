"""The operator's money pages: the commission rate, shipping tariffs, what each
cooperative is owed, payout batches for the bank and payments received from
cooperatives. The views call :mod:`orders.ledger`, :mod:`orders.operator` and
:mod:`catalog.settings`; every change goes to the audit log."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog import audit, settings
from catalog.db import utcnow
from catalog.errors import InvalidAmount
from catalog.models import Cooperative
from catalog.money import Money
from orders import ledger
from orders.models import LedgerEntry, PayoutBatch, ShippingTariff
from orders.operator import (
    TariffChange,
    set_cod_code_above,
    set_commission,
    set_delivery_charging,
    update_tariff,
)
from orders.shipping import seed_amana_preset
from storefront.admin.forms import (
    BatchForm,
    CashCodeForm,
    CommissionForm,
    DeliveryChargingForm,
    PaidForm,
    SettlementForm,
    tariff_form,
)
from storefront.admin.views import actor, bp
from storefront.auth import operator_required
from storefront.coop.forms import ActionForm
from storefront.extensions import db
from storefront.filters import amount_field, money_text, number
from storefront.filters import percent as percent_text
from storefront.messages import message
from storefront.outcomes import committing, saved, saving


def _minor(text: str) -> int:
    """DH as a person writes them, in centimes. :raises InvalidAmount:"""
    return Money.parse(text).amount_minor


def _amounts(form: FlaskForm, *names: str) -> dict[str, int] | None:
    """The fields ``names`` of ``form`` read as DH, in centimes; None when one cannot
    be read (its field then says why)."""
    amounts: dict[str, int] = {}
    for name in names:
        field = getattr(form, name)
        try:
            amounts[name] = _minor(field.data or "")
        except InvalidAmount as exc:
            field.errors = (*field.errors, message(exc.code, exc.data))
    return amounts if len(amounts) == len(names) else None


def _log(
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    cooperative_id: int | None = None,
    **details: object,
) -> None:
    audit.record(
        db.session,
        actor(),
        action,
        object_type=object_type,
        object_id=object_id,
        now=utcnow(),
        cooperative_id=cooperative_id,
        details=details,
    )


# -- delivery charges ---------------------------------------------------------------------
@bp.route("/delivery-charges", methods=["GET", "POST"])
@operator_required
def delivery_charges() -> Response | str:
    current = settings.current(db.session)
    form = DeliveryChargingForm()
    if not form.is_submitted():
        form.free_from.data = amount_field(current.free_delivery_from_minor)
        form.charging.data = current.delivery_charging
        form.cap.data = amount_field(current.delivery_cap_minor)
    if form.validate_on_submit() and (amounts := _amounts(form, "free_from", "cap")):
        with saving(form) as attempt:
            changed = set_delivery_charging(
                db.session,
                free_from_minor=amounts["free_from"],
                charging=form.charging.data or "",
                cap_minor=amounts["cap"],
                actor=actor(),
                now=utcnow(),
            )
        if attempt.saved:
            saved(changed, _("Delivery charges saved."))
            return redirect(url_for("admin.delivery_charges"))
    return render_template("admin/delivery_charges.html", form=form, current=current)


# -- commission -------------------------------------------------------------------------
@bp.route("/commission", methods=["GET", "POST"])
@operator_required
def commission() -> Response | str:
    current = settings.current(db.session).commission_bps
    form = CommissionForm()
    if not form.is_submitted():
        form.commission.data = _percent_field(current)
    if form.validate_on_submit():
        try:
            percent = Decimal((form.commission.data or "").replace(",", ".").rstrip("% "))
            bps = percent * 100
            if not bps.is_finite() or bps != bps.to_integral_value():
                raise InvalidOperation
        except ArithmeticError:  # not a number, or one Decimal cannot hold (1e999998)
            form.commission.errors = (
                *form.commission.errors,
                _("Enter a percentage such as 10 or 7,5."),
            )
        else:
            with saving(form) as attempt:
                changed = set_commission(db.session, int(bps), actor=actor(), now=utcnow())
            if attempt.saved:
                saved(changed, _("Commission saved."))
                return redirect(url_for("admin.commission"))
    return _commission_page(form, CashCodeForm())


def _commission_page(form: CommissionForm, codes: CashCodeForm) -> str:
    saved = settings.current(db.session)
    if not codes.is_submitted():
        codes.cod_code_above.data = amount_field(saved.cod_code_above_minor)
    return render_template(
        "admin/commission.html",
        form=form,
        codes=codes,
        current=percent_text(saved.commission_bps / 10_000, 2),
    )


@bp.post("/commission/cash-codes")
@operator_required
def cash_codes() -> Response | str:
    codes = CashCodeForm()
    if codes.validate_on_submit():
        try:
            minor = _minor(codes.cod_code_above.data or "")
        except InvalidAmount:
            codes.cod_code_above.errors = (_("Enter an amount in DH, for example 1000 or 750,50."),)
        else:
            with saving(codes) as attempt:
                changed = set_cod_code_above(db.session, minor, actor=actor(), now=utcnow())
            if attempt.saved:
                saved(changed, _("Saved."))
                return redirect(url_for("admin.commission"))
    form = CommissionForm()
    form.commission.data = _percent_field(settings.current(db.session).commission_bps)
    return _commission_page(form, codes)


# -- shipping tariffs -------------------------------------------------------------------
def _tariffs() -> list[ShippingTariff]:
    return list(
        db.session.scalars(
            select(ShippingTariff)
            .options(selectinload(ShippingTariff.rates))
            .order_by(ShippingTariff.carrier, ShippingTariff.delivery_option)
        )
    )


def _tariff_form(tariff: ShippingTariff, *, formdata: bool = True):  # noqa: ANN202
    form_class = tariff_form([r.id for r in tariff.rates])
    form = (
        form_class(prefix=f"t{tariff.id}")
        if formdata
        else form_class(prefix=f"t{tariff.id}", formdata=None)
    )
    if not form.is_submitted() or not formdata:
        form.active.data = tariff.active
        form.cod_fee.data = amount_field(tariff.cod_fee_minor)
        form.extra_kg.data = amount_field(tariff.extra_kg_minor)
        for rate in tariff.rates:
            getattr(form, f"rate_{rate.id}").data = amount_field(rate.price_minor)
    return form


def _percent_field(bps: int) -> str:
    """A rate in basis points as the commission field shows it: ``7,5`` (fr), ``7.5`` (en)."""
    return number(bps / 100, 2).rstrip("0").rstrip(",.")


@bp.get("/shipping")
@operator_required
def shipping() -> str:
    tariffs = _tariffs()
    forms = {t.id: _tariff_form(t, formdata=False) for t in tariffs}
    return render_template("admin/shipping.html", tariffs=tariffs, forms=forms, action=ActionForm())


@bp.post("/shipping/amana")
@operator_required
def shipping_amana() -> Response:
    """Fill the Amana tariffs (home and agency pick-up) with Amana's public prices: the
    starting point of a new shop, or a way back after wrong edits."""
    if not ActionForm().validate_on_submit():
        abort(400)
    tariffs = seed_amana_preset(db.session)
    _log("shipping.amana_prices", "shipping_tariff", tariffs[0].id, tariffs=[t.id for t in tariffs])
    db.session.commit()
    flash(_("Amana's prices are in place. Check them and save any change."), "success")
    return redirect(url_for("admin.shipping"))


@bp.post("/shipping/<int:tariff_id>")
@operator_required
def shipping_update(tariff_id: int) -> Response | str:
    tariff = db.session.get(ShippingTariff, tariff_id)
    if tariff is None:
        abort(404)
    form = _tariff_form(tariff)
    rates = {f"rate_{rate.id}": rate.id for rate in tariff.rates}
    if form.validate_on_submit() and (amounts := _amounts(form, "cod_fee", "extra_kg", *rates)):
        change = TariffChange(
            active=bool(form.active.data),
            cod_fee_minor=amounts["cod_fee"],
            extra_kg_minor=amounts["extra_kg"],
            rates={rate_id: amounts[name] for name, rate_id in rates.items()},
        )
        # the library names a price band's field rate-<id>, the form rate_<id>
        with saving(form, lambda name: name.replace("-", "_")) as attempt:
            diff = update_tariff(db.session, tariff, change, actor=actor(), now=utcnow())
        if attempt.saved:
            saved(diff, _("Tariff saved."))
            return redirect(url_for("admin.shipping"))
    tariffs = _tariffs()
    forms = {
        t.id: (form if t.id == tariff.id else _tariff_form(t, formdata=False)) for t in tariffs
    }
    return render_template("admin/shipping.html", tariffs=tariffs, forms=forms, action=ActionForm())


# -- payouts -----------------------------------------------------------------------------
def _settlement_form() -> SettlementForm:
    form = SettlementForm()
    form.cooperative_id.choices = [
        (b.cooperative_id, f"{b.cooperative_name} ({money_text(b.balance)})")
        for b in ledger.balances(db.session)
        if b.balance.amount_minor < 0
    ]
    return form


@bp.get("/payouts")
@operator_required
def payouts() -> str:
    balances = ledger.balances(db.session)
    batches = db.session.scalars(
        select(PayoutBatch).order_by(PayoutBatch.id.desc()).limit(30)
    ).all()
    return render_template(
        "admin/payouts.html",
        balances=balances,
        owed=sum(b.balance.amount_minor for b in balances if b.balance.amount_minor > 0),
        owing=-sum(b.balance.amount_minor for b in balances if b.balance.amount_minor < 0),
        batches=batches,
        mismatches=ledger.reconcile(db.session),
        batch_form=BatchForm(),
        settlement_form=_settlement_form(),
    )


@bp.post("/payouts/new")
@operator_required
def payout_new() -> Response:
    form = BatchForm()
    if not form.validate_on_submit():
        flash(_("Enter the minimum amount."), "error")
        return redirect(url_for("admin.payouts"))
    with committing(url_for("admin.payouts")):
        minimum = _minor(form.minimum.data or "")
        batch = ledger.create_payout_batch(
            db.session, now=utcnow(), created_by_id=actor().id, minimum_minor=max(1, minimum)
        )
        _log(
            "payout.create",
            "payout_batch",
            batch.id,
            reference=batch.reference,
            total_minor=batch.total_minor,
        )
    flash(_("Batch %(ref)s made: download it for the bank.", ref=batch.reference), "success")
    return redirect(url_for("admin.payout", batch_id=batch.id))


def _batch(batch_id: int) -> PayoutBatch:
    batch = db.session.get(PayoutBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/payouts/<int:batch_id>")
@operator_required
def payout(batch_id: int) -> str:
    batch = _batch(batch_id)
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.batch_id == batch.id)
        .options(selectinload(LedgerEntry.cooperative))
        .order_by(LedgerEntry.id)
    ).all()
    return render_template(
        "admin/payout.html", batch=batch, entries=entries, paid_form=PaidForm(), action=ActionForm()
    )


@bp.get("/payouts/<int:batch_id>.csv")
@operator_required
def payout_csv(batch_id: int) -> Response:
    batch = _batch(batch_id)
    response = Response(ledger.batch_csv(db.session, batch).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{batch.reference}.csv"'
    return response


@bp.post("/payouts/<int:batch_id>/paid")
@operator_required
def payout_paid(batch_id: int) -> Response:
    batch = _batch(batch_id)
    form = PaidForm()
    if not form.validate_on_submit():
        flash(_("Enter the bank's reference of the transfer."), "error")
        return redirect(url_for("admin.payout", batch_id=batch.id))
    back = url_for("admin.payout", batch_id=batch.id)
    with committing(back):
        ledger.mark_batch_paid(
            db.session, batch, now=utcnow(), bank_reference=form.bank_reference.data or ""
        )
        _log(
            "payout.paid",
            "payout_batch",
            batch.id,
            reference=batch.reference,
            bank=batch.bank_reference,
        )
    flash(_("Batch %(ref)s marked as paid.", ref=batch.reference), "success")
    return redirect(back)


@bp.post("/payouts/<int:batch_id>/cancel")
@operator_required
def payout_cancel(batch_id: int) -> Response:
    batch = _batch(batch_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("admin.payouts")
    with committing(back):
        ledger.cancel_payout_batch(db.session, batch)
        _log("payout.cancel", "payout_batch", batch.id, reference=batch.reference)
    flash(
        _("Batch %(ref)s cancelled: its amounts are owed again.", ref=batch.reference),
        "success",
    )
    return redirect(back)


@bp.post("/settlements")
@operator_required
def settlement() -> Response:
    form = _settlement_form()
    if not form.validate_on_submit():
        flash(_("Choose the cooperative and give the amount and the bank reference."), "error")
        return redirect(url_for("admin.payouts"))
    coop = db.session.get(Cooperative, form.cooperative_id.data)
    if coop is None:
        abort(404)
    with committing(url_for("admin.payouts")):
        amount = Money.parse(form.amount.data or "")
        ledger.record_settlement(
            db.session, coop.id, amount, now=utcnow(), reference=form.reference.data or ""
        )
        _log(
            "payout.settlement",
            "cooperative",
            coop.id,
            cooperative_id=coop.id,
            amount_minor=amount.amount_minor,
            reference=form.reference.data,
        )
    flash(_("Payment from %(name)s recorded.", name=coop.name_fr), "success")
    return redirect(url_for("admin.payouts"))
