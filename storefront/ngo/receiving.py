"""The organisation confirms receipt at each distribution point of its basket order
(``/ngo/orders/<id>/points/<point>/receipt``): baskets received, lines short or
damaged, a note. It moves the point's parts to delivered; the cooperatives are told
and the impact report counts the baskets received."""

from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from catalog import audit
from catalog.audit import Actor
from catalog.db import utcnow
from catalog.errors import InvalidInput
from orders import recipients
from solidarity_baskets import quotes, receipts
from storefront.auth import organisation_required
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.ngo.forms import ReceiptForm
from storefront.ngo.helpers import point_name
from storefront.ngo.messages import OUTCOMES, message
from storefront.ngo.views import _own_order, bp
from storefront.notifications import tell


def _count(name: str) -> int:
    text = request.form.get(name, "").strip() or "0"
    return int(text) if text.isdecimal() and len(text) <= 9 else -1


@bp.post("/orders/<int:basket_order_id>/points/<int:point_id>/receipt")
@organisation_required
def point_receipt(basket_order_id: int, point_id: int) -> Response:
    basket_order = _own_order(basket_order_id)
    destination = next((d for d in basket_order.quote.destinations if d.id == point_id), None)
    if destination is None:
        abort(404)
    back = url_for("ngo.order_detail", basket_order_id=basket_order.id) + f"#point-{destination.id}"
    form = ReceiptForm()
    if not form.validate_on_submit():
        flash(
            _(
                "Enter the number of complete baskets received, from 0 to %(max)s.",
                max=destination.baskets,
            ),
            "error",
        )
        return redirect(back)
    lines = quotes.lines_of(basket_order.quote.inputs)
    problems = {
        line.key: receipts.LineProblem(
            short=_count(f"short-{index}"), damaged=_count(f"damaged-{index}")
        )
        for index, line in enumerate(lines)
    }
    with OUTCOMES.committing(back, partial(_explain, lines=lines)):
        receipt = receipts.confirm_receipt(
            db.session,
            basket_order,
            destination,
            baskets_received=form.baskets.data or 0,
            problems=problems,
            note=form.note.data or "",
            now=utcnow(),
            user_id=current_user.id,
        )
        audit.record(
            db.session,
            Actor(current_user.id, current_user.email),
            "basket.receipt",
            object_type="basket_order",
            object_id=basket_order.id,
            now=utcnow(),
            details={
                "point": destination.key,
                "baskets": receipt.baskets_received,
                "problems": receipt.problems,
            },
        )
        parts = receipts.point_parts(db.session, basket_order, destination.id)
        parties = recipients.cooperatives(db.session, [p.cooperative for p in parts])
        for part in parts:
            tell(
                parties[part.cooperative_id],
                "coop_basket_received",
                topic=f"order:{basket_order.order.number}:part:{part.position}:received",
                order_number=basket_order.order.number,
                order=basket_order.order,
                part=part,
                point=point_name(destination),
                receipt=receipt,
            )
    flash(
        _(
            "Receipt confirmed at %(point)s: %(count)s baskets. The cooperatives are told.",
            point=point_name(destination),
            count=receipt.baskets_received,
        ),
        "success",
    )
    return redirect(back)


def _explain(exc: Exception, lines: list[quotes.LineInfo]) -> list[str]:
    """A refused receipt, each problem named by its basket line or the note."""
    if not isinstance(exc, InvalidInput):
        return OUTCOMES.describe(exc)
    lang = current_language()
    names = {line.key: line.name(lang) for line in lines}
    texts = []
    for problem in exc.problems:
        text = message(problem.code, problem.data)
        line_key = problem.field.removeprefix("line-")
        if line_key in names:
            text = f"{names[line_key]}: {text}"
        elif problem.field == "note":
            text = _("Note: %(problem)s", problem=text)
        texts.append(text)
    return texts
