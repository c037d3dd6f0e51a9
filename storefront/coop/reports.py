"""The cooperative's reports: sales by month and by product, and its money from the
ledger (owed, paid), on screen and as CSV — for its annual accounts and general
assembly. And the bank account it is paid to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import audit
from catalog.db import utcnow
from catalog.spreadsheet import Cell, Identifier, amount
from orders import ledger, reports
from orders.models import Fulfilment, PayoutAccount
from storefront import details, downloads
from storefront.auth import cooperative_required
from storefront.coop.forms import BankForm
from storefront.coop.views import actor, bp
from storefront.extensions import db
from storefront.filters import CASABLANCA, month
from storefront.labels import LEDGER_KINDS, label
from storefront.outcomes import saving


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CASABLANCA).astimezone(UTC)


def period() -> tuple[date, date, list[str]]:
    """The first and last day asked for (Casablanca dates); this year by default.
    Unreadable or reversed dates fall back to the default, with a note."""
    today = utcnow().astimezone(CASABLANCA).date()
    first, last = date(today.year, 1, 1), today
    notes: list[str] = []
    try:
        if request.args.get("from"):
            first = date.fromisoformat(request.args["from"])
        if request.args.get("to"):
            last = date.fromisoformat(request.args["to"])
    except ValueError:
        notes.append(_("A date could not be read: showing this year."))
        first, last = date(today.year, 1, 1), today
    if last < first or (last - first).days > 3 * 366:
        notes.append(_("Choose a period of at most three years, start before end."))
        first, last = date(today.year, 1, 1), today
    return first, last, notes


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return _local_midnight(first), _local_midnight(last + timedelta(days=1))


@bp.get("/reports")
@cooperative_required
def reports_page() -> str:
    first, last, notes = period()
    start, end = _bounds(first, last)
    for note in notes:
        flash(note, "info")
    parts = reports.delivered_parts(db.session, g.cooperative.id, start=start, end=end)
    this_year = utcnow().astimezone(CASABLANCA).year
    return render_template(
        "coop/reports.html",
        first=first,
        last=last,
        months=reports.sales_by_month(parts, tz=CASABLANCA),
        products=reports.sales_by_product(parts),
        money=reports.money_summary(db.session, g.cooperative.id, start=start, end=end),
        presets=[
            (str(this_year), date(this_year, 1, 1), utcnow().astimezone(CASABLANCA).date()),
            (str(this_year - 1), date(this_year - 1, 1, 1), date(this_year - 1, 12, 31)),
        ],
    )


Table = tuple[tuple[str, ...], list[list[Cell]]]


def _ledger_table(coop_id: int, start: datetime, end: datetime) -> Table:
    keys = ("date", "entry", "reference", "amount_mad")
    rows: list[list[Cell]] = [
        [
            e.created_at.astimezone(CASABLANCA).date(),
            label(LEDGER_KINDS, e.kind),
            Identifier(details.reference_text(e.reference)),
            amount(e.amount_minor),
        ]
        for e in reports.ledger_entries(db.session, coop_id, start=start, end=end)
    ]
    return keys, rows


def _sales_table(parts: list[Fulfilment]) -> Table:
    keys = ("month", "parcels", "units", "goods_mad", "shipping_mad", "commission_mad", "net_mad")
    rows: list[list[Cell]] = [
        [
            month(r.period),
            r.parts,
            r.units,
            amount(r.goods_minor),
            amount(r.shipping_minor),
            amount(r.commission_minor),
            amount(r.net_minor),
        ]
        for r in reports.sales_by_month(parts, tz=CASABLANCA)
    ]
    return keys, rows


def _products_table(parts: list[Fulfilment]) -> Table:
    keys = ("sku", "title_fr", "title_ar", "units", "goods_mad", "commission_mad")
    rows: list[list[Cell]] = [
        [
            Identifier(r.sku),
            r.title_fr,
            r.title_ar,
            r.units,
            amount(r.goods_minor),
            amount(r.commission_minor),
        ]
        for r in reports.sales_by_product(parts)
    ]
    return keys, rows


@bp.get("/reports/<any(sales, products, ledger):kind>.csv")
@cooperative_required
def report_csv(kind: str) -> Response:
    """The table of the reports page as CSV, in the reader's language (column names,
    months, entry kinds; ``;`` and decimal commas in French and Arabic)."""
    first, last, _notes = period()
    start, end = _bounds(first, last)
    coop_id = g.cooperative.id
    if kind == "ledger":
        keys, rows = _ledger_table(coop_id, start, end)
    else:
        parts = reports.delivered_parts(db.session, coop_id, start=start, end=end)
        keys, rows = (_sales_table if kind == "sales" else _products_table)(parts)
    name = f"{kind}-{g.cooperative.slug}-{first.isoformat()}-{last.isoformat()}"
    return downloads.table(name, "csv", keys, rows, title=name)


@bp.route("/bank", methods=["GET", "POST"])
@cooperative_required
def bank() -> Response | str:
    coop = g.cooperative
    account = db.session.get(PayoutAccount, coop.id)
    form = BankForm(obj=account)
    if form.validate_on_submit():
        with saving(form, under="rib") as attempt:
            ledger.set_payout_account(
                db.session,
                coop.id,
                holder_name=form.holder_name.data or "",
                rib=form.rib.data or "",
                stripe_account_id=account.stripe_account_id if account else None,
            )
            audit.record_cooperative(
                db.session,
                actor(),
                "bank_account",
                coop.id,
                now=utcnow(),
                details={"rib_end": (form.rib.data or "").replace(" ", "")[-4:]},
            )
        if attempt.saved:
            flash(_("Bank account saved."), "success")
            return redirect(url_for("coop.bank"))
    return render_template(
        "coop/bank.html",
        form=form,
        balance=ledger.balance_of(db.session, coop.id),
        entries=ledger.statement(db.session, coop.id, limit=20),
    )
