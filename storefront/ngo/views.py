"""The organisation area (``/ngo``): sign-up, dashboard, basket templates with their
nutrition, the basket order form, quotes (with shortfalls, fixes and budget), the
confirmed order with its manifests, packing lists, printable tags and impact report.

Every view but sign-up runs as :func:`storefront.auth.organisation_required` and loads
what it shows *through* ``g.organisation``: another organisation's quote, order or
template is a 404. Quoting and confirming need a verified organisation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from catalog import regions
from catalog.accounts.users import (
    NewUser,
    Organisation,
    OrganisationStatus,
    Role,
    User,
    normalise_email,
    register_user,
)
from catalog.db import utcnow
from catalog.errors import AccountExists, InvalidInput, InvalidUpload
from catalog.models import Category
from catalog.money import Money
from orders.status import PaymentMethod
from solidarity_baskets import (
    fairness,
    impact,
    manifests,
    points,
    quotes,
    receipts,
    service,
    templates,
)
from solidarity_baskets.models import BasketOrder, BasketQuote, BasketTemplate
from solidarity_baskets.request import BasketRequest, DestinationRequest
from storefront import downloads, jobs, payments
from storefront.auth import answer_existing_account, organisation_required
from storefront.extensions import db
from storefront.filters import amount_field
from storefront.filters import numbered_gettext as _
from storefront.filters import numbered_ngettext as ngettext
from storefront.i18n import current_language
from storefront.ngo import invoice_pdf, points_file, tags_pdf
from storefront.ngo.forms import (
    QUANTITY_UNIT_LABELS,
    ActionForm,
    BasketOrderForm,
    ConfirmForm,
    EquivalentForm,
    FixForm,
    LineForm,
    LineQuantityForm,
    ReceiptForm,
    SignupForm,
    TemplateForm,
    net_quantity,
    quantity_fields,
)
from storefront.ngo.helpers import register_helpers
from storefront.ngo.impact_pdf import impact_pdf
from storefront.ngo.messages import OUTCOMES, message
from storefront.orders import notify
from storefront.orders.paying import start_card_payment
from storefront.paging import offset, page_count, page_number
from storefront.tenancy import of_organisation_or_404

bp = Blueprint("ngo", __name__, url_prefix="/ngo")
register_helpers(bp)

DEFAULT_FAMILY_SIZE = 5
DEFAULT_DAYS_AHEAD = 21
MAX_ROWS = 200
TAGS_PER_PAGE = 48
#: distribution points shown in full per page of an order (every point is summed up)
POINTS_PER_PAGE = 10
PLAN_ROWS_SHOWN = 200


def _family_size() -> int:
    value = request.args.get("family", type=int)
    return value if value is not None and 1 <= value <= 30 else DEFAULT_FAMILY_SIZE


def _verified_or_redirect() -> Response | None:
    if not g.organisation.is_verified:
        flash(message("organisation_not_verified"), "info")
        return redirect(url_for("ngo.dashboard"))
    return None


def _category_choices() -> list[SelectChoice]:
    lang = current_language()
    cats = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    return [SelectChoice(str(c.id), c.name(lang)) for c in cats]


# -- sign-up ---------------------------------------------------------------------------------
@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Response | str:
    if current_user.is_authenticated:
        flash(_("You are logged in. Log out first to register an organisation."), "info")
        return redirect(url_for("shop.home"))
    form = SignupForm()
    lang = current_language()
    form.region_code.choices = [SelectChoice("", "—")] + [
        SelectChoice(r.code, r.name(lang)) for r in regions.regions()
    ]
    if form.validate_on_submit():
        organisation = Organisation(
            name=form.name.data or "",
            kind=form.kind.data or "ngo",
            registration_number=form.registration_number.data or "",
            ice=form.ice.data or None,
            region_code=form.region_code.data or "",
            address=form.address.data or "",
            phone=form.phone.data or "",
            email=normalise_email(form.email.data or ""),
            status=OrganisationStatus.PENDING,
            created_at=utcnow(),
        )
        new = NewUser(
            email=form.person_email.data or "",
            password=form.password.data or "",
            name=form.person_name.data or "",
            language=lang,
        )
        try:
            user = register_user(
                db.session, new, role=Role.ORGANISATION, organisation=organisation, now=utcnow()
            )
        except AccountExists as exc:
            return answer_existing_account(exc.data["email"])
        db.session.commit()
        login_user(user)
        flash(
            _(
                "Your organisation is registered. Prepare your baskets now: you can quote and "
                "order once the operator has verified your organisation."
            ),
            "success",
        )
        return redirect(url_for("ngo.dashboard"))
    return render_template("ngo/signup.html", form=form)


# -- dashboard -------------------------------------------------------------------------------
@bp.get("/")
@organisation_required
def dashboard() -> str:
    org = g.organisation
    return render_template(
        "ngo/dashboard.html",
        quotes=service.quotes_of(db.session, org.id, limit=10),
        orders=service.orders_of(db.session, org.id, limit=10),
    )


# -- templates -------------------------------------------------------------------------------
@bp.get("/templates")
@organisation_required
def template_list() -> str:
    family = _family_size()
    rows = templates.templates_for(db.session, g.organisation.id)
    return render_template(
        "ngo/templates.html",
        rows=[(t, templates.template_coverage(t, family)) for t in rows],
        family=family,
    )


def _template_page(
    template: BasketTemplate,
    *,
    template_form: TemplateForm | None = None,
    line_form: LineForm | None = None,
    equivalent_form: EquivalentForm | None = None,
    quantity_form: LineQuantityForm | None = None,
) -> str:
    choices = _category_choices()
    line_form = line_form or LineForm(formdata=None, quantity_unit="kg")
    equivalent_form = equivalent_form or EquivalentForm(formdata=None, quantity_unit="kg")
    line_form.category_id.choices = choices
    equivalent_form.category_id.choices = choices
    equivalent_form.line_id.choices = _line_choices(template)
    family = _family_size()
    return render_template(
        "ngo/template.html",
        template=template,
        editable=template.organisation_id == g.organisation.id,
        coverage=templates.template_coverage(template, family),
        family=family,
        template_form=template_form or TemplateForm(formdata=None, obj=template),
        line_form=line_form,
        equivalent_form=equivalent_form,
        action=ActionForm(),
        unit_labels=QUANTITY_UNIT_LABELS,
        quantity_forms={
            line.id: (
                quantity_form
                if quantity_form is not None and quantity_form.line_id == line.id
                else LineQuantityForm(
                    formdata=None,
                    prefix=f"line-{line.id}",
                    data=quantity_fields(line.net_quantity, line.unit),
                )
            )
            for line in template.lines
        },
    )


#: a basket the organisation may use (its own or ready-made), and one it may change
_usable_template = partial(of_organisation_or_404, templates.template_for)
_own_template = partial(of_organisation_or_404, templates.own_template)


@bp.get("/templates/<int:template_id>")
@organisation_required
def template_detail(template_id: int) -> str:
    return _template_page(_usable_template(template_id))


@bp.post("/templates/<int:template_id>/copy")
@organisation_required
def template_copy(template_id: int) -> Response:
    source = _usable_template(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = templates.copy_template(
        db.session,
        source,
        organisation_id=g.organisation.id,
        now=utcnow(),
        name=_("Copy of %(name)s", name=source.name),
    )
    db.session.commit()
    flash(_("This basket is now yours: change it as you wish."), "success")
    return redirect(url_for("ngo.template_detail", template_id=copy.id))


@bp.post("/templates/<int:template_id>/delete")
@organisation_required
def template_delete(template_id: int) -> Response:
    """Delete one of the organisation's own baskets; quotes made from it keep it."""
    template = _own_template(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = template.name
    templates.delete_template(db.session, template)
    db.session.commit()
    flash(
        _("%(name)s is deleted. Your quotes and orders made from it keep it.", name=name), "success"
    )
    return redirect(url_for("ngo.template_list"))


@bp.post("/templates/<int:template_id>")
@organisation_required
def template_rename(template_id: int) -> Response | str:
    template = _own_template(template_id)
    form = TemplateForm()
    if not form.validate_on_submit():
        return _template_page(template, template_form=form)
    with OUTCOMES.saving(form) as attempt:
        templates.rename_template(
            template, form.name.data or "", form.description.data or "", now=utcnow()
        )
    if not attempt.saved:
        return _template_page(template, template_form=form)
    flash(_("Saved."), "success")
    return redirect(url_for("ngo.template_detail", template_id=template.id))


@bp.post("/templates/<int:template_id>/lines")
@organisation_required
def line_add(template_id: int) -> Response | str:
    template = _own_template(template_id)
    form = LineForm()
    form.category_id.choices = _category_choices()
    if not form.validate_on_submit():
        return _template_page(template, line_form=form)
    return _add_quantity(
        template,
        form,
        "line_form",
        lambda amount, unit: templates.add_line(
            db.session,
            template,
            category_id=form.category_id.data or 0,
            net_quantity=amount,
            unit=unit,
            is_container=bool(form.is_container.data),
            now=utcnow(),
        ),
    )


def _add_quantity(
    template: BasketTemplate,
    form: LineForm | EquivalentForm | LineQuantityForm,
    form_name: str,
    add: Callable[[int, str], object],
) -> Response | str:
    """Read the form's net quantity ("500 g", "1 L"), then ``add(amount, unit)``: a
    template line, an equivalent or a line's new quantity. Refused input is shown on the
    template's page and changes nothing."""
    # the form goes back to the page under its own keyword (line_form, equivalent_form
    # or quantity_form)
    page_form: dict[str, Any] = {form_name: form}
    amount = net_quantity(form.quantity.data, form.quantity_unit.data or "")
    if amount is None:
        form.quantity.errors = (message("not_a_quantity"),)
        return _template_page(template, **page_form)
    # the quantity field's name carries the form's prefix (line-3-quantity)
    quantity = form.quantity.name
    with OUTCOMES.saving(form, {"net_quantity": quantity, "unit": quantity}) as attempt:
        add(*amount)
    if not attempt.saved:
        return _template_page(_own_template(template.id), **page_form)
    return redirect(url_for("ngo.template_detail", template_id=template.id))


@bp.post("/templates/<int:template_id>/lines/<int:line_id>/delete")
@organisation_required
def line_delete(template_id: int, line_id: int) -> Response:
    template = _own_template(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not templates.remove_line(db.session, template, line_id, now=utcnow()):
        abort(404)
    db.session.commit()
    return redirect(url_for("ngo.template_detail", template_id=template.id))


@bp.post("/templates/<int:template_id>/lines/<int:line_id>/quantity")
@organisation_required
def line_quantity(template_id: int, line_id: int) -> Response | str:
    """A line's quantity changed in place, in the basket's table."""
    template = _own_template(template_id)
    if not any(line.id == line_id for line in template.lines):
        abort(404)
    form = LineQuantityForm(prefix=f"line-{line_id}")
    form.line_id = line_id
    if not form.validate_on_submit():
        return _template_page(template, quantity_form=form)

    def change(amount: int, unit: str) -> None:
        templates.change_quantity(
            db.session, template, line_id, net_quantity=amount, unit=unit, now=utcnow()
        )

    return _add_quantity(template, form, "quantity_form", change)


def _line_choices(template: BasketTemplate) -> list[SelectChoice]:
    lang = current_language()
    return [SelectChoice(str(ln.id), ln.category.name(lang)) for ln in template.lines]


@bp.post("/templates/<int:template_id>/equivalents")
@organisation_required
def equivalent_add(template_id: int) -> Response | str:
    template = _own_template(template_id)
    form = EquivalentForm()
    form.category_id.choices = _category_choices()
    form.line_id.choices = _line_choices(template)
    if not form.validate_on_submit():
        return _template_page(template, equivalent_form=form)
    line = next(ln for ln in template.lines if ln.id == form.line_id.data)
    return _add_quantity(
        template,
        form,
        "equivalent_form",
        lambda amount, unit: templates.add_equivalent(
            db.session,
            line,
            category_id=form.category_id.data or 0,
            net_quantity=amount,
            unit=unit,
            accepted=bool(form.accepted.data),
            other_kind=bool(form.other_kind.data),
            now=utcnow(),
        ),
    )


@bp.post("/templates/<int:template_id>/equivalents/<int:equivalent_id>/delete")
@organisation_required
def equivalent_delete(template_id: int, equivalent_id: int) -> Response:
    template = _own_template(template_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not templates.remove_equivalent(db.session, template, equivalent_id, now=utcnow()):
        abort(404)
    db.session.commit()
    return redirect(url_for("ngo.template_detail", template_id=template.id))


# -- the order form --------------------------------------------------------------------------
def _province_choices() -> list[SelectChoice]:
    """Provinces and prefectures grouped by region (``<optgroup>``): no script needed."""
    lang = current_language()
    names = {r.code: r.name(lang) for r in regions.regions()}
    return [SelectChoice("", "—")] + [
        SelectChoice(p.code, p.name(lang), optgroup=names[p.region_code])
        for p in sorted(regions.provinces(), key=lambda p: (p.region_code, p.code))
    ]


def _order_form(rows: int) -> BasketOrderForm:
    form = BasketOrderForm()
    while len(form.destinations.entries) < rows:
        form.destinations.append_entry()
    _set_choices(form)
    own = templates.templates_for(db.session, g.organisation.id)
    form.template_id.choices = [SelectChoice(str(t.id), t.name) for t in own]
    lang = current_language()
    form.spread_region.choices = [SelectChoice("", _("every region of Morocco"))] + [
        SelectChoice(r.code, r.name(lang)) for r in regions.regions()
    ]
    return form


def _set_choices(form: BasketOrderForm) -> None:
    choices = _province_choices()
    for entry in form.destinations.entries:
        entry.form.province_code.choices = choices


#: empty rows "More rows" adds, keeping what was typed
MORE_ROWS = 10


@bp.route("/orders/new", methods=["GET", "POST"])
@organisation_required
def order_new() -> Response | str:
    if (leave := _verified_or_redirect()) is not None:
        return leave
    rows = min(max(request.args.get("rows", 3, type=int) or 3, 3), MAX_ROWS)
    source = None
    if request.method == "GET" and (from_quote := request.args.get("from_quote", type=int)):
        source = _own_quote(from_quote)
        rows = min(max(rows, len(source.destinations) + 1), MAX_ROWS)
    form = _order_form(rows)
    today = utcnow().date()
    import_problems: list[tuple[int, str, str]] = []
    action = request.form.get("action", "quote")
    if request.method == "GET":
        wanted = request.args.get("template", type=int)
        if wanted is not None:
            form.template_id.data = wanted
        form.deliver_by.data = today + timedelta(days=DEFAULT_DAYS_AHEAD)
        if source is not None:
            _fill_from_quote(form, source, today)
    elif action in ("more", "import", "spread"):  # CSRFProtect checked the token
        if action == "more":
            for _unused in range(min(MORE_ROWS, MAX_ROWS - len(form.destinations.entries))):
                form.destinations.append_entry()
            _set_choices(form)
        elif action == "import":
            import_problems = _import_points(form)
        else:
            _spread(form)
    elif form.validate_on_submit():
        built = _request_from(form, today)
        if built is not None:
            request_, rows_of = built
            # the library counts the points it was given; the form's rows have gaps
            renames = {
                f"destinations-{i}-{name}": f"destinations-{row}-{name}"
                for i, row in enumerate(rows_of)
                for name in ("province_code", "hub_name", "baskets", *POINT_DETAILS)
            }
            with OUTCOMES.saving(form, renames) as attempt:
                if jobs.in_background(current_app, sum(d.baskets for d in request_.destinations)):
                    # the request's shape is checked now, its supply in the job
                    if problems := service.check_request(request_, today=today):
                        raise InvalidInput(problems)
                    from storefront.ngo.progress import quote_in_background

                    return quote_in_background(request_)
                quote = service.quote_baskets(db.session, request_, today=today, now=utcnow())
            if attempt.saved:
                return redirect(url_for("ngo.quote_detail", quote_id=quote.id))
    return render_template(
        "ngo/order_form.html",
        form=form,
        rows=len(form.destinations.entries),
        max_rows=MAX_ROWS,
        import_problems=import_problems,
        column_names=POINT_COLUMN_NAMES,
    )


POINT_DETAILS = ("address", "contact", "window")
#: the import's columns as the page names them
POINT_COLUMN_NAMES = {
    "province": _l("Province or prefecture"),
    "baskets": _l("Baskets"),
    "hub": _l("Hub (optional)"),
    "address": _l("Delivery address"),
    "contact": _l("Contact on site"),
    "window": _l("Delivery window"),
}


def _fill_points(form: BasketOrderForm, found: Sequence[DestinationRequest]) -> None:
    """Put ``found`` in the form's rows (as many as needed, the rest emptied)."""
    while len(form.destinations.entries) < len(found):
        form.destinations.append_entry()
    _set_choices(form)
    for index, entry in enumerate(form.destinations.entries):
        sub = entry.form
        point = found[index] if index < len(found) else None
        sub.province_code.data = point.province_code if point else ""
        sub.hub_name.data = point.hub_name if point else ""
        sub.baskets.data = point.baskets if point else None
        sub.address.data = point.address if point else ""
        sub.contact.data = point.contact if point else ""
        sub.window.data = point.window if point else ""
        for field in sub:
            field.raw_data = []  # show the data set here, not what was posted
    form.national_total.data = None


def _import_points(form: BasketOrderForm) -> list[tuple[int, str, str]]:
    """Read the uploaded list into the rows; its problems, row by row, if any
    (nothing is filled then)."""
    upload = request.files.get("points_file")
    if upload is None or not upload.filename:
        form.points_file.errors = (message("unsupported_type", {"allowed": points_file.ACCEPTED}),)
        return []
    try:
        rows = points_file.rows_of(upload.filename, upload.read())
    except InvalidUpload as exc:
        form.points_file.errors = (message(exc.code, exc.data),)
        return []
    found = points.read_points(rows)
    if found.problems:
        return [
            (p.line, str(POINT_COLUMN_NAMES.get(p.column or "", "")), message(p.code, p.data))
            for p in found.problems
        ]
    _fill_points(form, found.points)
    flash(
        ngettext(
            "%(num)d distribution point imported: check them, then get a quote.",
            "%(num)d distribution points imported: check them, then get a quote.",
            len(found.points),
        ),
        "success",
    )
    return []


def _spread(form: BasketOrderForm) -> None:
    total = form.national_total.data if form.national_total.validate(form) else None
    region = form.spread_region.data or None
    if not total:
        form.national_total.errors = (message("required"),)
        return
    try:
        found = service.split_by_households(total, region)
    except ValueError:
        form.spread_region.errors = (message("unknown_region"),)
        return
    _fill_points(form, found)


def _fill_from_quote(form: BasketOrderForm, quote: BasketQuote, today: date) -> None:
    """The order form as the quote's request was: change what you want, quote again."""
    asked = service.request_of(quote)
    if asked.template_id is not None:
        form.template_id.data = asked.template_id
    for entry, dest in zip(form.destinations.entries, asked.destinations, strict=False):
        entry.form.province_code.data = dest.province_code
        entry.form.hub_name.data = dest.hub_name
        entry.form.baskets.data = dest.baskets
        entry.form.address.data = dest.address
        entry.form.contact.data = dest.contact
        entry.form.window.data = dest.window
    form.deliver_by.data = max(asked.deliver_by, today + timedelta(days=service.MIN_DAYS_AHEAD))
    if asked.budget_per_basket_minor is not None:
        form.budget_per_basket.data = amount_field(asked.budget_per_basket_minor)
    form.family_size.data = asked.family_size
    form.max_share.data = max(1, asked.max_share_bps // 100)
    form.women_led_preference.data = asked.women_led_preference


def _request_from(form: BasketOrderForm, today: date) -> tuple[BasketRequest, list[int]] | None:
    """The library request from the form, and the form row of each destination."""
    destinations: list[DestinationRequest] = []
    rows_of: list[int] = []
    if form.national_total.data:
        try:
            destinations = list(
                service.split_by_households(
                    form.national_total.data, form.spread_region.data or None
                )
            )
        except ValueError:
            form.spread_region.errors = (message("unknown_region"),)
            return None
    else:
        for index, entry in enumerate(form.destinations.entries):
            sub = entry.form
            code = sub.province_code.data or ""
            if not code and not sub.baskets.data and not sub.hub_name.data:
                continue  # an empty row
            if not code:
                sub.province_code.errors = (message("unknown_province"),)
                return None
            if not sub.baskets.data:
                sub.baskets.errors = (message("required"),)
                return None
            destinations.append(
                DestinationRequest(
                    code,
                    int(sub.baskets.data),
                    sub.hub_name.data or "",
                    address=sub.address.data or "",
                    contact=sub.contact.data or "",
                    window=sub.window.data or "",
                )
            )
            rows_of.append(index)
    budget = None
    if form.budget_per_basket.data:
        budget = Money.parse(form.budget_per_basket.data).amount_minor
    request_ = BasketRequest(
        organisation_id=g.organisation.id,
        template_id=form.template_id.data or 0,
        destinations=tuple(destinations),
        deliver_by=form.deliver_by.data or today,
        family_size=form.family_size.data or 0,
        budget_per_basket_minor=budget,
        max_share_bps=(form.max_share.data or 0) * 100,
        women_led_preference=bool(form.women_led_preference.data),
        created_by_id=current_user.id,
    )
    return request_, rows_of


# -- quotes --------------------------------------------------------------------------------------
_own_quote = partial(of_organisation_or_404, service.quote_for)


def _payment_choices() -> list[SelectChoice]:
    choices = [SelectChoice(PaymentMethod.BANK_TRANSFER.value, _("Bank transfer"))]
    if payments.gateway(PaymentMethod.CARD) is not None:
        choices.append(SelectChoice(PaymentMethod.CARD.value, _("Card")))
    return choices


@bp.get("/quotes/<int:quote_id>")
@organisation_required
def quote_detail(quote_id: int) -> str:
    quote = _own_quote(quote_id)
    view = quotes.quote_view(quote)
    confirm = ConfirmForm(formdata=None, payment_method=PaymentMethod.BANK_TRANSFER.value)
    confirm.payment_method.choices = _payment_choices()
    previous = service.previous_quote(db.session, quote)
    return render_template(
        "ngo/quote.html",
        view=view,
        quote=quote,
        confirm=confirm,
        fix=FixForm(formdata=None),
        fixes=quotes.offered_fixes(view),
        changes=quotes.supply_changes(previous, quote) if previous is not None else None,
        show_plan=len(view.destinations) <= 12,
        plan_rows=PLAN_ROWS_SHOWN,
    )


@bp.get("/quotes/<int:quote_id>/plan.<any(csv, xlsx):fmt>")
@organisation_required
def quote_plan(quote_id: int, fmt: str) -> Response:
    quote = _own_quote(quote_id)
    return downloads.table(
        f"quote-{quote.id}-plan",
        fmt,
        quotes.PLAN_HEADER,
        quotes.plan_rows(quote),
        title=_("Plan"),
    )


def _parse_fix(form: FixForm, quote: BasketQuote) -> dict[str, Any] | None:
    kind = form.kind.data
    try:
        if kind == "offered":
            offered = quotes.offered_fixes(quotes.quote_view(quote))
            index = int(form.offered.data or "")
            return dict(offered[index].changes) if 0 <= index < len(offered) else None
        if kind == "fairness":
            level = int(form.level.data or "")
            return {"fairness_bps": level} if level in fairness.LEVELS_BPS else None
        if kind == "accept_equivalent":
            ids = [int(x) for x in (form.equivalent_ids.data or "").split(",") if x.strip()]
            return {"accept_equivalents": ids} if ids else None
        if kind == "move_date":
            return {"deliver_by": date.fromisoformat(form.deliver_by.data or "")}
        if kind == "fewer_baskets":
            key = form.destination_key.data or ""
            count = int(form.baskets.data or "")
            if count < 0 or not key:
                return None
            return {"baskets": {key: count}}
        if kind == "scale":
            total = int(form.baskets.data or "")
            return {"total_baskets": total} if total > 0 else None
    except ValueError:
        return None
    return None


@bp.post("/quotes/<int:quote_id>/requote")
@organisation_required
def quote_again(quote_id: int) -> Response:
    quote = _own_quote(quote_id)
    if (leave := _verified_or_redirect()) is not None:
        return leave
    form = FixForm()
    changes = _parse_fix(form, quote) if form.validate_on_submit() else None
    if changes is None:
        flash(_("This fix could not be applied: reload the page and try again."), "error")
        return redirect(url_for("ngo.quote_detail", quote_id=quote.id))
    if form.kind.data == "fewer_baskets" and form.destination_key.data == "*":
        changes = {"baskets": quotes.quote_view(quote).fewer_baskets}
    if jobs.in_background(current_app, quote.baskets):
        from storefront.ngo.progress import requote_in_background

        return requote_in_background(quote, changes)
    now = utcnow()
    with OUTCOMES.committing(url_for("ngo.quote_detail", quote_id=quote.id)):
        fresh = service.requote(
            db.session,
            quote,
            today=now.date(),
            now=now,
            created_by_id=current_user.id,
            **changes,
        )
    return redirect(url_for("ngo.quote_detail", quote_id=fresh.id))


@bp.post("/quotes/<int:quote_id>/confirm")
@organisation_required
def quote_confirm(quote_id: int) -> Response:
    quote = _own_quote(quote_id)
    if (leave := _verified_or_redirect()) is not None:
        return leave
    form = ConfirmForm()
    form.payment_method.choices = _payment_choices()
    page = url_for("ngo.quote_detail", quote_id=quote.id)
    if not form.validate_on_submit():
        flash(message("invalid_choice"), "error")
        return redirect(page)
    if quote.budget_excess_minor and not form.over_budget.data:
        flash(message("over_budget_not_acknowledged"), "error")
        return redirect(page)
    if jobs.in_background(current_app, quote.baskets):
        from storefront.ngo.progress import confirm_in_background

        return confirm_in_background(quote, form.payment_method.data or "")
    user = db.session.get(User, current_user.id)
    with OUTCOMES.committing(page):
        result = service.confirm_basket_order(
            db.session,
            quote,
            now=utcnow(),
            payment_method=form.payment_method.data or "",
            user=user,
        )
        if isinstance(result, service.Confirmed) and not _paid_by_card(result.basket_order):
            # the payment instructions and the pro-forma invoice, in the same transaction
            basket_order = result.basket_order
            notify.basket_order_placed(
                basket_order.order,
                invoice_link=url_for(
                    "ngo.order_invoice_pdf", basket_order_id=basket_order.id, _external=True
                ),
                order_link=url_for(
                    "ngo.order_detail", basket_order_id=basket_order.id, _external=True
                ),
                invoice=invoice_pdf.attachment(
                    basket_order.order,
                    organisation=g.organisation,
                    bank=getattr(payments.gateway(PaymentMethod.BANK_TRANSFER), "details", None),
                    now=utcnow(),
                ),
            )
    if isinstance(result, service.Requoted):
        flash(message("quote_changed"), "info")
        return redirect(url_for("ngo.quote_detail", quote_id=result.quote.id))
    if _paid_by_card(result.basket_order):
        return start_card_payment(result.basket_order.order)
    return placed(result.basket_order)


def _paid_by_card(basket_order: BasketOrder) -> bool:
    return basket_order.order.payment_method == PaymentMethod.CARD


def placed(basket_order: BasketOrder) -> Response:
    """Tell the organisation its order is placed, and show it."""
    flash(
        _(
            "Your order %(number)s is placed and the cooperatives have their purchase orders. "
            "Pay by bank transfer with the order number as reference.",
            number=basket_order.order.number,
        ),
        "success",
    )
    return redirect(url_for("ngo.order_detail", basket_order_id=basket_order.id))


# -- confirmed orders --------------------------------------------------------------------------
_own_order = partial(of_organisation_or_404, service.order_for)


@bp.get("/orders/<int:basket_order_id>")
@organisation_required
def order_detail(basket_order_id: int) -> str:
    basket_order = _own_order(basket_order_id)
    # a national order has 83 points and thousands of purchase orders: a page of
    # points in full, and every point summed up
    destinations = basket_order.quote.destinations
    pages = page_count(len(destinations), POINTS_PER_PAGE)
    page = min(page_number(), pages)
    shown = destinations[offset(page, POINTS_PER_PAGE) : page * POINTS_PER_PAGE]
    points = manifests.point_manifests(db.session, basket_order, {d.id for d in shown})
    return render_template(
        "ngo/order.html",
        basket_order=basket_order,
        page=page,
        pages=pages,
        per_page=POINTS_PER_PAGE,
        parts_by_point=manifests.parts_by_point(db.session, basket_order) if pages > 1 else {},
        order=basket_order.order,
        quote=basket_order.quote,
        lines={ln.key: ln for ln in quotes.lines_of(basket_order.quote.inputs)},
        points=points,
        bank=getattr(payments.gateway(PaymentMethod.BANK_TRANSFER), "details", None),
        receipts=receipts.received_by_point(basket_order),
        receivable={
            p.destination.id: receipts.receivable(
                basket_order, p.destination.id, (a.fulfilment_status for a in p.arrivals)
            )
            for p in points
        },
        receipt_form=ReceiptForm(formdata=None),
    )


def _point(basket_order: BasketOrder) -> manifests.PointManifest:
    """The distribution point of the order named by ``?point=``, else a 404."""
    wanted = request.args.get("point", type=int) or 0
    found = manifests.point_manifests(db.session, basket_order, {wanted})
    if not found:
        abort(404)
    return found[0]


@bp.get("/orders/<int:basket_order_id>/tags")
@organisation_required
def order_tags(basket_order_id: int) -> str:
    basket_order = _own_order(basket_order_id)
    point = _point(basket_order)
    total = point.destination.baskets
    pages = page_count(total, TAGS_PER_PAGE)
    page = min(page_number(), pages)
    first = offset(page, TAGS_PER_PAGE) + 1
    last = min(total, page * TAGS_PER_PAGE)
    tags = []
    for wave in point.waves:
        lo = max(first, wave.first_basket)
        hi = min(last, wave.first_basket + wave.baskets - 1)
        for number in range(lo, hi + 1):
            serial = wave.serial(number - wave.first_basket + 1)
            link = url_for("trace.basket", serial=serial, _external=True)
            # a viewBox and no size: the stylesheet gives every code the same printed size
            qr = segno.make_qr(link, error="m").svg_inline(scale=3, border=2, omitsize=True)
            tags.append((number, serial, wave, Markup(qr)))  # noqa: S704 (segno's own SVG)
    return render_template(
        "ngo/tags.html",
        basket_order=basket_order,
        point=point,
        tags=tags,
        page=page,
        pages=pages,
    )


@bp.get("/orders/<int:basket_order_id>/tags.pdf")
@organisation_required
def order_tags_pdf(basket_order_id: int) -> Response:
    """Every tag of one distribution point in one PDF of A4 label sheets."""
    basket_order = _own_order(basket_order_id)
    point = _point(basket_order)
    body = tags_pdf.tags_pdf(
        point,
        tags_pdf.tags_of(point, lambda s: url_for("trace.basket", serial=s, _external=True)),
    )
    response = Response(body, mimetype="application/pdf")
    name = f"tags-{basket_order.id}-{point.destination.province_code}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bp.get("/orders/<int:basket_order_id>/impact")
@organisation_required
def order_impact(basket_order_id: int) -> str:
    basket_order = _own_order(basket_order_id)
    return render_template(
        "ngo/impact.html",
        basket_order=basket_order,
        report=impact.impact_report(db.session, basket_order),
    )


@bp.get("/orders/<int:basket_order_id>/impact.pdf")
@organisation_required
def order_impact_pdf(basket_order_id: int) -> Response:
    basket_order = _own_order(basket_order_id)
    report = impact.impact_report(db.session, basket_order)
    return Response(
        impact_pdf(report, organisation=g.organisation.name, now=utcnow()),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=impact-{report.order_number}.pdf"},
    )


@bp.get("/orders/<int:basket_order_id>/invoice.pdf")
@organisation_required
def order_invoice_pdf(basket_order_id: int) -> Response:
    """The pro-forma invoice until the order is paid, then the consolidated invoice."""
    basket_order = _own_order(basket_order_id)
    order = basket_order.order
    name = "invoice" if invoice_pdf.is_paid(order) else "proforma"
    return Response(
        invoice_pdf.invoice_pdf(
            order,
            organisation=g.organisation,
            bank=getattr(payments.gateway(PaymentMethod.BANK_TRANSFER), "details", None),
            now=utcnow(),
        ),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}-{order.number}.pdf"'},
    )


@bp.get("/orders/<int:basket_order_id>/impact.<any(csv, xlsx):fmt>")
@organisation_required
def order_impact_table(basket_order_id: int, fmt: str) -> Response:
    basket_order = _own_order(basket_order_id)
    report = impact.impact_report(db.session, basket_order)
    lang = current_language()
    names = {r.code: r.name(lang) for r in regions.regions()}
    return downloads.table(
        f"impact-{report.order_number}",
        fmt,
        impact.CSV_HEADER,
        impact.impact_rows(report, names),
        title=_("Impact report"),
    )
