"""A person's rights of access and erasure (law 09-08) through the screens.

* With an account: ``/privacy/my-data`` lists what is kept, downloads it as JSON and
  erases it (password asked again), then logs out.
* A guest: ``/privacy/order`` asks for an order number and the phone given with it;
  a six-digit code goes to that phone by text message (the same answer whether or not
  the order exists, so nobody learns whose numbers are whose); with the code, the
  guest downloads or erases that order's personal data.

What is kept, erased or deleted comes from the registry (:mod:`catalog.personal_data`)
through :mod:`orders.privacy`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length

from catalog import one_time_codes
from catalog.accounts.users import Role
from catalog.db import utcnow
from catalog.errors import InvalidIdentifier
from catalog.identifiers import clean_phone
from catalog.one_time_codes import Check, Purpose
from catalog.personal_data import PERSONAL, Action
from orders import placing, privacy
from orders.privacy import Person
from storefront.account.views import end_browser_session
from storefront.checkout.forms import CodeForm
from storefront.extensions import db
from storefront.forms import Form
from storefront.notifications import can_text, send_code
from storefront.orders.forms import TrackForm
from storefront.outcomes import committing
from storefront.pages.views import PRIVACY_DEFAULTS

bp = Blueprint("data_requests", __name__, url_prefix="/privacy")

#: the guest's proof (order number + phone + code) lasts this long in the session
PROOF_SECONDS = 15 * 60
#: wrong codes and requests allowed per browser session
MAX_TRIES = 5
REQUEST_KEY = "privacy_request"
PROOF_KEY = "privacy_proof"

#: what each kind of record is, as the person reads it
KINDS = {
    "account": _l("Your account: name, e-mail, phone, language, consent"),
    "orders": _l("Orders: name, e-mail, phone and delivery address"),
    "order_lines": _l("What you ordered"),
    "parcels": _l("Parcels and their tracking"),
    "payments": _l("Payments"),
    "order_history": _l("Each order's history"),
    "messages": _l("E-mails and text messages about you and your orders"),
    "operator_tasks": _l("Our team's notes about your orders"),
    "cart": _l("Your cart"),
    "api_tokens": _l("API keys"),
    "back_in_stock_alerts": _l("“Tell me when it is back” alerts"),
    "invitations": _l("Invitations to join a cooperative"),
    "text_message_codes": _l("Codes sent by text message"),
    "audit_entries": _l("Changes you made in the back office"),
}
ACTIONS = {
    Action.ERASE: _l("erased: your details are replaced"),
    Action.DELETE: _l("deleted"),
    Action.KEEP: _l("kept"),
}
#: why each kind is kept, or what erasure leaves of it
REASONS = {
    "account": _l("The account stays closed, without your details, so its orders still add up."),
    "orders": _l(
        "The order number, date, region, lines and amounts are kept ten years for the "
        "accounts (law 9-88, article 22), no longer linked to you."
    ),
    "order_lines": _l(
        "Kept ten years for the accounts (law 9-88, article 22), no longer linked to you."
    ),
    "parcels": _l(
        "Kept ten years for the accounts (law 9-88, article 22), no longer linked to you."
    ),
    "payments": _l(
        "Kept ten years for the accounts (law 9-88, article 22), no longer linked to you."
    ),
    "order_history": _l("Statuses and amounts, kept with the order."),
    "operator_tasks": _l("The note stays, without your name."),
    "audit_entries": _l("The change stays in the audit trail, without your e-mail."),
}


class EraseAccountForm(Form):
    password = PasswordField(_l("Your password"), validators=[InputRequired(), Length(max=200)])
    confirm = BooleanField(
        _l("I understand: my details are erased and my account is closed for good."),
        validators=[DataRequired()],
    )


class EraseOrderForm(Form):
    confirm = BooleanField(
        _l("I understand: the name, e-mail, phone and address of this order are erased."),
        validators=[DataRequired()],
    )


def summary(person: Person) -> list[dict[str, Any]]:
    """What is kept about ``person``: per kind of record, how many and what erasure
    does with it (from the registry)."""
    found = privacy.export(db.session, person) or {"data": {}}
    return [
        {
            "label": KINDS[entry.key],
            "rows": len(found["data"][entry.key]),
            "action": ACTIONS[entry.action],
            "reason": REASONS.get(entry.key, ""),
        }
        for entry in PERSONAL
        if entry.key in found["data"]
    ]


def _download(person: Person, name: str) -> Response:
    data = privacy.export(db.session, person) or {}
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.json"',
            "Cache-Control": "no-store",
        },
    )


def _erasure_flash(result: privacy.Erasure) -> None:
    kept = [str(KINDS[d.key]) for d in result.done if d.rows and d.action == Action.KEEP]
    flash(_("Your personal data is erased."), "success")
    if kept:
        flash(
            _(
                "Kept for the accounts, no longer linked to you: %(kinds)s.",
                kinds=", ".join(kept),
            ),
            "info",
        )


# -- with an account ---------------------------------------------------------------------
@bp.get("/my-data")
@login_required
def my_data() -> str:
    person = privacy.by_email(db.session, current_user.email)
    return render_template(
        "pages/my_data.html",
        rows=summary(person),
        shopper=current_user.role == Role.SHOPPER,
        form=EraseAccountForm(),
    )


@bp.get("/my-data/download")
@login_required
def my_data_download() -> Response:
    return _download(privacy.by_email(db.session, current_user.email), "taawun-my-data")


@bp.post("/my-data/erase")
@login_required
def my_data_erase() -> Response | str:
    form = EraseAccountForm()
    person = privacy.by_email(db.session, current_user.email)
    if not form.validate_on_submit() or not current_user.check_password(form.password.data or ""):
        if form.is_submitted() and not form.errors:
            form.password.errors = (_("Wrong password."),)
        return render_template(
            "pages/my_data.html",
            rows=summary(person),
            shopper=current_user.role == Role.SHOPPER,
            form=form,
        )
    result = _erase(person, url_for("data_requests.my_data"))
    end_browser_session()
    _erasure_flash(result)
    return redirect(url_for("shop.home"))


def _erase(person: Person, back: str) -> privacy.Erasure:
    """Erase the person's data, committed; a refusal says why and goes back to ``back``."""
    with committing(back, _refusal):
        return privacy.erase(db.session, person)


def _refusal(exc: Exception) -> list[str]:
    data = getattr(exc, "data", {})
    if data.get("numbers"):
        return [
            _(
                "These orders are still on their way: %(numbers)s. We need the address to "
                "deliver them. Cancel them, or come back once they are delivered.",
                numbers=", ".join(data["numbers"]),
            )
        ]
    return [
        _(
            "A cooperative's or an organisation's account is closed by its organisation: "
            "write to us at the address of the privacy notice."
        )
    ]


# -- a guest, by order number + phone + a code sent to that phone --------------------------
def _tries() -> list[float]:
    now = time.time()
    found = session.get("privacy_tries", [])
    return [t for t in found if isinstance(t, int | float) and now - t < 3600]


def _count_try() -> None:
    session["privacy_tries"] = [*_tries(), time.time()]


@bp.route("/order", methods=["GET", "POST"])
def order_request() -> Response | str | tuple[str, int]:
    form = TrackForm()
    if not can_text(current_app):  # a code could not reach the phone
        return render_template(
            "pages/order_data_request.html",
            form=None,
            contact=current_app.config.get(
                "PRIVACY_CONTACT_EMAIL", PRIVACY_DEFAULTS["PRIVACY_CONTACT_EMAIL"]
            ),
        )
    if form.validate_on_submit():
        if len(_tries()) >= MAX_TRIES:
            flash(_("Too many attempts. Please wait a moment and try again."), "error")
            return render_template("pages/order_data_request.html", form=form), 429
        _count_try()
        number = (form.number.data or "").strip().upper()
        try:
            phone = clean_phone(form.phone.data or "")
        except InvalidIdentifier:
            phone = ""
        session[REQUEST_KEY] = {"number": number, "phone": phone}
        session.pop(PROOF_KEY, None)
        order = placing.find_for_tracking(db.session, number, phone) if phone else None
        if order is not None:
            send_code(Purpose.PRIVACY, phone=phone, subject=number)
            db.session.commit()
        flash(
            _(
                "If this order number and this phone go together, a code is on its way "
                "to the phone by text message."
            ),
            "info",
        )
        return redirect(url_for("data_requests.order_code"))
    return render_template("pages/order_data_request.html", form=form)


@bp.route("/order/code", methods=["GET", "POST"])
def order_code() -> Response | str:
    asked = session.get(REQUEST_KEY)
    if not isinstance(asked, dict):
        return redirect(url_for("data_requests.order_request"))
    form = CodeForm()
    if form.validate_on_submit():
        if len(_tries()) >= MAX_TRIES:
            flash(_("Too many attempts. Please wait a moment and try again."), "error")
            return redirect(url_for("data_requests.order_request"))
        outcome = Check.EXPIRED
        if asked.get("phone"):
            outcome = one_time_codes.check(
                db.session,
                purpose=Purpose.PRIVACY,
                phone=str(asked["phone"]),
                subject=str(asked.get("number", "")),
                code=form.code.data or "",
                now=utcnow(),
            )
            db.session.commit()
        if outcome == Check.OK:
            session[PROOF_KEY] = {"number": asked["number"], "until": time.time() + PROOF_SECONDS}
            session.pop(REQUEST_KEY, None)
            return redirect(url_for("data_requests.order_data"))
        _count_try()
        # the same words for a wrong code and for a number that has no code at all
        form.code.errors = (
            _("This code is not right, or it has expired. Check the text message, or ask again."),
        )
    return render_template("pages/order_data_code.html", form=form)


def _proven_order() -> Person | None:
    proof = session.get(PROOF_KEY)
    if not isinstance(proof, dict) or not isinstance(proof.get("until"), int | float):
        return None
    if proof["until"] < time.time():
        session.pop(PROOF_KEY, None)
        return None
    order = placing.find_by_number(db.session, str(proof.get("number", "")))
    return privacy.by_order(order) if order is not None else None


@bp.get("/order/data")
def order_data() -> Response | str:
    person = _proven_order()
    if person is None:
        flash(_("Ask for a new code to see this order's data."), "info")
        return redirect(url_for("data_requests.order_request"))
    return render_template(
        "pages/order_data.html",
        number=person.orders[0].number,
        rows=summary(person),
        form=EraseOrderForm(),
    )


@bp.get("/order/data/download")
def order_data_download() -> Response:
    person = _proven_order()
    if person is None:
        return redirect(url_for("data_requests.order_request"))
    return _download(person, f"taawun-{person.orders[0].number}")


@bp.post("/order/erase")
def order_erase() -> Response | str:
    person = _proven_order()
    if person is None:
        return redirect(url_for("data_requests.order_request"))
    form = EraseOrderForm()
    if not form.validate_on_submit():
        return render_template(
            "pages/order_data.html",
            number=person.orders[0].number,
            rows=summary(person),
            form=form,
        )
    result = _erase(person, url_for("data_requests.order_data"))
    session.pop(PROOF_KEY, None)
    session.pop("orders_seen", None)
    _erasure_flash(result)
    return redirect(url_for("shop.home"))
