"""The operator's basket freight tariffs and sourcing rules (``/admin/basket-freight``):
what a solidarity-basket quote charges per kg and distance for each zone, the least a
shipment costs, and what makes a purchase order worth shipping. The views call
:mod:`solidarity_baskets.freight`; every change goes to the audit log."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from catalog import audit, regions
from catalog.db import utcnow
from catalog.errors import InvalidAmount
from catalog.money import Money
from orders.shipping import ShippingZone
from solidarity_baskets import freight
from solidarity_baskets.models import BasketTemplate
from solidarity_baskets.templates import READY_MADE, ensure_ready_made
from storefront.account.forms import strip
from storefront.admin.views import actor, bp
from storefront.auth import operator_required
from storefront.coop.forms import ActionForm
from storefront.extensions import db
from storefront.filters import amount_field, money_text
from storefront.filters import numbered_gettext as _
from storefront.forms import Form
from storefront.i18n import current_language
from storefront.messages import message
from storefront.outcomes import saved, saving

#: (field suffix, label, is money)
ZONE_FIELDS = (
    ("per_kg", _l("Per kg (DH)"), True),
    ("per_kg_100km", _l("Per kg and 100 km (DH)"), True),
    ("min_shipment", _l("Least per shipment (DH)"), True),
    ("transit_days", _l("Transit (days)"), False),
)
MONEY_RULES = (
    ("min_part", _l("Least goods value of a purchase order (DH)")),
    ("shipment_fee", _l("Fixed cost of each shipment (DH)")),
)


def _money_field() -> StringField:
    return StringField(filters=[strip], validators=[InputRequired(), Length(max=20)])


def _form_class() -> type[Form]:
    fields: dict[str, Any] = {}
    for zone in ShippingZone:
        for name, _label, is_money in ZONE_FIELDS:
            fields[f"{zone}_{name}"] = (
                _money_field()
                if is_money
                else IntegerField(
                    validators=[
                        InputRequired(),
                        NumberRange(min=0, max=freight.MAX_TRANSIT_DAYS),
                    ]
                )
            )
    for name, label in MONEY_RULES:
        fields[name] = StringField(
            label, filters=[strip], validators=[InputRequired(), Length(max=20)]
        )
    fields["max_parts"] = IntegerField(
        _l("Most purchase orders in one basket order"),
        validators=[InputRequired(), NumberRange(min=1, max=freight.MAX_PARTS_LIMIT)],
    )
    return type("FreightForm", (Form,), fields)


FreightForm = _form_class()


def _fill(form: Form) -> None:
    rates = freight.current(db.session)
    for zone, rate in rates.items():
        form[f"{zone}_per_kg"].data = amount_field(rate.per_kg_minor)
        form[f"{zone}_per_kg_100km"].data = amount_field(rate.per_kg_100km_minor)
        form[f"{zone}_min_shipment"].data = amount_field(rate.min_shipment_minor)
        form[f"{zone}_transit_days"].data = rate.transit_days
    rules = freight.sourcing(db.session)
    form["min_part"].data = amount_field(rules.min_part_minor)
    form["shipment_fee"].data = amount_field(rules.shipment_fee_minor)
    form["max_parts"].data = rules.max_parts


def _minor(form: Form, name: str, top: int = freight.MAX_MONEY_MINOR) -> int:
    """The field's amount in centimes; a message on the field when it is not one from
    zero to ``top``."""
    try:
        value = Money.parse(form[name].data or "").amount_minor
    except InvalidAmount as exc:
        form[name].errors.append(message(exc.code, exc.data))
        return -1
    if not 0 <= value <= top:
        form[name].errors.append(_("Enter an amount from 0 to %(max)s.", max=money_text(top)))
        return -1
    return value


def _read(form: Form) -> tuple[dict[ShippingZone, freight.Rate], freight.Sourcing]:
    rates = {
        zone: freight.Rate(
            per_kg_minor=_minor(form, f"{zone}_per_kg", freight.MAX_RATE_MINOR),
            per_kg_100km_minor=_minor(form, f"{zone}_per_kg_100km", freight.MAX_RATE_MINOR),
            min_shipment_minor=_minor(form, f"{zone}_min_shipment"),
            transit_days=int(form[f"{zone}_transit_days"].data),
        )
        for zone in ShippingZone
    }
    rules = freight.Sourcing(
        min_part_minor=_minor(form, "min_part"),
        shipment_fee_minor=_minor(form, "shipment_fee"),
        max_parts=int(form["max_parts"].data),
    )
    return rates, rules


def _examples() -> list[tuple[str, str, int, int]]:
    """A few lanes under the saved tariffs: (from, to, km, price per kg)."""
    table = freight.table(freight.current(db.session))
    lang = current_language()

    def name(code: str) -> str:
        region = regions.region(code)
        return region.name(lang) if region else code

    pairs = [("09", "06"), ("06", "06"), ("07", "01"), ("12", "06")]
    return [
        (name(a), name(b), round(freight.distance_km(a, b)), table.minor_per_kg[(a, b)])
        for a, b in pairs
    ]


@bp.route("/basket-freight", methods=["GET", "POST"])
@operator_required
def basket_freight() -> Response | str:
    form = FreightForm()
    if not form.is_submitted():
        _fill(form)
    elif form.validate_on_submit():
        rates, rules = _read(form)
        if not form.errors:
            # the library's remote-per_kg_minor is the form's remote_per_kg
            with saving(form, lambda name: name.replace("-", "_").replace("_minor", "")) as attempt:
                changed = freight.save(db.session, rates, rules)
                if changed:
                    audit.record(
                        db.session,
                        actor(),
                        "basket_freight.update",
                        object_type="basket_freight",
                        object_id=None,
                        now=utcnow(),
                        details={"changed": changed},
                    )
            if attempt.saved:
                saved(changed, _("Basket freight saved."))
                return redirect(url_for("admin.basket_freight"))
    return render_template(
        "admin/basket_freight.html",
        form=form,
        zones=list(ShippingZone),
        zone_fields=ZONE_FIELDS,
        examples=_examples(),
        ready_made=_ready_made(),
        action=ActionForm(),
    )


def _offered() -> set[str]:
    """The slugs of the baskets every organisation is offered."""
    return set(
        db.session.scalars(
            select(BasketTemplate.slug).where(BasketTemplate.organisation_id.is_(None))
        )
    )


def _ready_made() -> list[tuple[str, bool]]:
    """Each ready-made basket of the platform: its name, and whether organisations are
    offered it already."""
    offered = _offered()
    return [(spec.name, spec.slug in offered) for spec in READY_MADE]


@bp.post("/basket-freight/ready-made")
@operator_required
def basket_ready_made() -> Response:
    """Offer every organisation the platform's ready-made baskets that are not offered
    yet: a new installation's first step, or a way back after one was deleted."""
    if not ActionForm().validate_on_submit():
        abort(400)
    before = _offered()
    added = [t for t in ensure_ready_made(db.session) if t.slug not in before]
    if added:
        audit.record(
            db.session,
            actor(),
            "basket_templates.ready_made",
            object_type="basket_template",
            object_id=added[0].id,
            now=utcnow(),
            details={"templates": [t.id for t in added]},
        )
    db.session.commit()
    if added:
        flash(
            _("Organisations are now offered: %(names)s.", names=", ".join(t.name for t in added)),
            "success",
        )
    else:
        flash(_("Organisations are offered every ready-made basket already."), "info")
    return redirect(url_for("admin.basket_freight"))
