"""The operator console: verify cooperatives, organisations and certificates,
suspend listings or cooperatives with a reason, categories and their rules, and the
audit log."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog import audit, moderation, onboarding, synonyms
from catalog.accounts.users import Organisation, OrganisationStatus, Role, User
from catalog.audit import Actor
from catalog.categories import CategoryDraft, save_category, sellable_in, taken_off_sale
from catalog.certificates import reject_certificate, verify_certificate
from catalog.claims import ClaimChange, ClaimStatus
from catalog.db import utcnow, whole_number
from catalog.errors import InvalidAmount
from catalog.models import (
    Category,
    Certificate,
    CertificateStatus,
    Cooperative,
    CooperativeStatus,
    Product,
    ProductStatus,
    SearchSynonym,
)
from catalog.moderation import reinstate_product, suspend_product
from catalog.money import Money
from catalog.notifications import tasks
from catalog.search import category_tree
from orders import desk, recipients
from storefront import labels, schedule
from storefront.admin.forms import CategoryForm, ReasonForm, SynonymForm
from storefront.auth import operator_required
from storefront.coop import choices
from storefront.coop.files import send_document
from storefront.coop.forms import ActionForm
from storefront.coop.notify import notify_cooperative
from storefront.coop.views import back_office_context
from storefront.extensions import db
from storefront.filters import amount_field
from storefront.filters import numbered_gettext as _
from storefront.filters import numbered_ngettext as ngettext
from storefront.i18n import current_language
from storefront.messages import message
from storefront.notifications import tell
from storefront.outcomes import committing, saving
from storefront.paging import page_count, page_number, paginate
from storefront.shop import search as search_state
from storefront.tenancy import organisation_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@bp.context_processor
def console_labels() -> dict[str, Any]:
    # organisations go through the same three states as cooperatives
    return {**back_office_context(), "ORGANISATION_STATUSES": labels.COOPERATIVE_STATUSES}


def actor() -> Actor:
    return Actor(current_user.id, current_user.email)


def _get(model: type[Any], object_id: int) -> Any:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


# -- dashboard ---------------------------------------------------------------------------
@bp.get("/")
@operator_required
def dashboard() -> str:
    pending_coops = onboarding.count_pending(db.session)
    pending_certs = db.session.scalar(
        select(func.count(Certificate.id)).where(Certificate.status == CertificateStatus.PENDING)
    )
    pending_orgs = db.session.scalar(
        select(func.count(Organisation.id)).where(Organisation.status == OrganisationStatus.PENDING)
    )
    pending_claims = db.session.scalar(
        select(func.count(ClaimChange.id)).where(ClaimChange.status == ClaimStatus.PENDING)
    )
    entries, _total = audit.entries(db.session, per_page=15)
    open_tasks, dead_messages = tasks.waiting_counts(db.session)
    now = utcnow()
    return render_template(
        "admin/dashboard.html",
        upkeep=schedule.upkeep(now),
        open_tasks=open_tasks,
        order_queues=labels.ORDER_QUEUES,
        order_counts=desk.queue_counts(db.session, now=now),
        dead_messages=dead_messages,
        pending_coops=pending_coops or 0,
        pending_certs=pending_certs or 0,
        pending_orgs=pending_orgs or 0,
        pending_claims=pending_claims or 0,
        entries=entries,
    )


# -- cooperatives ------------------------------------------------------------------------
@bp.get("/cooperatives")
@operator_required
def cooperatives() -> str:
    status = request.args.get("status", "pending")
    q = request.args.get("q", "").strip()[:100]
    stmt = select(Cooperative)
    count = select(func.count(Cooperative.id))
    if status in CooperativeStatus.__members__.values():
        stmt, count = (
            stmt.where(Cooperative.status == status),
            count.where(Cooperative.status == status),
        )
    else:
        status = ""
    if q:
        like = f"%{q}%"
        match = or_(
            Cooperative.name_fr.ilike(like),
            Cooperative.name_ar.ilike(like),
            Cooperative.ice == q,
            Cooperative.slug.ilike(like),
        )
        stmt, count = stmt.where(match), count.where(match)
    paged = paginate(stmt.order_by(Cooperative.id.desc()), count, PER_PAGE)
    return render_template(
        "admin/cooperatives.html",
        cooperatives=paged.items,
        total=paged.total,
        page=paged.page,
        pages=paged.pages,
        status=status,
        q=q,
    )


@bp.get("/cooperatives/<int:coop_id>")
@operator_required
def cooperative(coop_id: int) -> str:
    coop = db.session.scalar(
        select(Cooperative)
        .where(Cooperative.id == coop_id)
        .options(selectinload(Cooperative.certificates).selectinload(Certificate.product))
    )
    if coop is None:
        abort(404)
    counts = dict(
        db.session.execute(
            select(Product.status, func.count(Product.id))
            .where(Product.cooperative_id == coop.id)
            .group_by(Product.status)
        ).all()
    )
    on_sale = db.session.scalar(
        select(func.count(Product.id)).where(
            Product.cooperative_id == coop.id, Product.sellable.is_(True)
        )
    )
    members = db.session.scalars(
        select(User).where(User.cooperative_id == coop.id, User.role == Role.COOPERATIVE)
    ).all()
    entries, _total = audit.entries(db.session, cooperative_id=coop.id, per_page=20)
    return render_template(
        "admin/cooperative.html",
        coop=coop,
        counts=counts,
        on_sale=on_sale or 0,
        members=members,
        entries=entries,
        action=ActionForm(),
        reason_form=ReasonForm(),
    )


@bp.post("/cooperatives/<int:coop_id>/verify")
@operator_required
def cooperative_verify(coop_id: int) -> Response:
    coop = _get(Cooperative, coop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("admin.cooperative", coop_id=coop.id)
    with committing(back):
        moderation.verify(db.session, coop, actor=actor(), now=utcnow())
        notify_cooperative(coop, "cooperative_verified", topic=f"cooperative:{coop.id}:verified")
    flash(_("%(name)s is verified.", name=coop.name_fr), "success")
    return redirect(back)


@bp.post("/cooperatives/<int:coop_id>/suspend")
@operator_required
def cooperative_suspend(coop_id: int) -> Response:
    coop = _get(Cooperative, coop_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give the reason: it is sent to the cooperative."), "error")
        return redirect(url_for("admin.cooperative", coop_id=coop.id))
    back = url_for("admin.cooperative", coop_id=coop.id)
    with committing(back):
        moderation.suspend(db.session, coop, form.reason.data or "", actor=actor(), now=utcnow())
        notify_cooperative(coop, "cooperative_suspended", topic=f"cooperative:{coop.id}:suspended")
    flash(_("%(name)s is suspended.", name=coop.name_fr), "success")
    return redirect(back)


@bp.post("/cooperatives/<int:coop_id>/reinstate")
@operator_required
def cooperative_reinstate(coop_id: int) -> Response:
    coop = _get(Cooperative, coop_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("admin.cooperative", coop_id=coop.id)
    with committing(back):
        moderation.reinstate(db.session, coop, actor=actor(), now=utcnow())
        notify_cooperative(coop, "cooperative_verified", topic=f"cooperative:{coop.id}:reinstated")
    flash(_("%(name)s is reinstated.", name=coop.name_fr), "success")
    return redirect(back)


# -- certificates ------------------------------------------------------------------------
@bp.get("/certificates")
@operator_required
def certificates() -> str:
    status = request.args.get("status", "pending")
    stmt = select(Certificate).options(
        selectinload(Certificate.cooperative), selectinload(Certificate.product)
    )
    count = select(func.count(Certificate.id))
    if status in CertificateStatus.__members__.values():
        stmt = stmt.where(Certificate.status == status)
        count = count.where(Certificate.status == status)
    else:
        status = ""
    paged = paginate(stmt.order_by(Certificate.id), count, PER_PAGE)
    return render_template(
        "admin/certificates.html",
        certificates=paged.items,
        total=paged.total,
        page=paged.page,
        pages=paged.pages,
        status=status,
        action=ActionForm(),
        reason_form=ReasonForm(),
        today=utcnow().date(),
    )


@bp.get("/certificates/<int:certificate_id>/document")
@operator_required
def certificate_document(certificate_id: int) -> Response:
    return send_document(_get(Certificate, certificate_id))


def _after_certificate() -> Response:
    return redirect(request.referrer or url_for("admin.certificates"))


@bp.post("/certificates/<int:certificate_id>/verify")
@operator_required
def certificate_verify(certificate_id: int) -> Response:
    certificate = _get(Certificate, certificate_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("admin.certificates")
    with committing(back, wording={"already_expired": message("already_expired")}):
        verify_certificate(db.session, certificate, actor=actor(), now=utcnow())
        notify_cooperative(
            certificate.cooperative,
            "certificate_verified",
            topic=f"cooperative:{certificate.cooperative_id}:certificate_verified",
            certificate=certificate,
        )
    flash(_("Certificate %(number)s verified.", number=certificate.number), "success")
    return redirect(back)


@bp.post("/certificates/<int:certificate_id>/reject")
@operator_required
def certificate_reject(certificate_id: int) -> Response:
    certificate = _get(Certificate, certificate_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give the reason: it is sent to the cooperative."), "error")
        return redirect(url_for("admin.certificates"))
    back = url_for("admin.certificates")
    with committing(back):
        reject_certificate(
            db.session, certificate, form.reason.data or "", actor=actor(), now=utcnow()
        )
        notify_cooperative(
            certificate.cooperative,
            "certificate_rejected",
            topic=f"cooperative:{certificate.cooperative_id}:certificate_rejected",
            certificate=certificate,
        )
    flash(_("Certificate %(number)s rejected.", number=certificate.number), "success")
    return redirect(back)


# -- listings ----------------------------------------------------------------------------
@bp.get("/products")
@operator_required
def products() -> str:
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()[:100]
    stmt = select(Product).options(selectinload(Product.cooperative), selectinload(Product.images))
    count = select(func.count(Product.id))
    if status in ProductStatus.__members__.values():
        stmt, count = stmt.where(Product.status == status), count.where(Product.status == status)
    else:
        status = ""
    if q:
        like = f"%{q}%"
        match = or_(Product.title_fr.ilike(like), Product.title_ar.ilike(like), Product.sku == q)
        stmt, count = stmt.where(match), count.where(match)
    paged = paginate(stmt.order_by(Product.id.desc()), count, PER_PAGE)
    return render_template(
        "admin/products.html",
        products=paged.items,
        total=paged.total,
        page=paged.page,
        pages=paged.pages,
        status=status,
        q=q,
        action=ActionForm(),
        reason_form=ReasonForm(),
    )


@bp.post("/products/<int:product_id>/suspend")
@operator_required
def product_suspend(product_id: int) -> Response:
    product = _get(Product, product_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give the reason: it is sent to the cooperative."), "error")
        return redirect(url_for("admin.products"))
    back = request.referrer or url_for("admin.products")
    with committing(back):
        suspend_product(db.session, product, form.reason.data or "", actor=actor(), now=utcnow())
        notify_cooperative(
            product.cooperative,
            "product_suspended",
            topic=f"product:{product.id}:suspended",
            product=product,
            reason=form.reason.data or "",
        )
    flash(_("Product %(sku)s suspended.", sku=product.sku), "success")
    return redirect(back)


@bp.post("/products/<int:product_id>/reinstate")
@operator_required
def product_reinstate(product_id: int) -> Response:
    product = _get(Product, product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = request.referrer or url_for("admin.products")
    with committing(back):
        reinstate_product(db.session, product, actor=actor(), now=utcnow())
    flash(_("Product %(sku)s reinstated.", sku=product.sku), "success")
    return redirect(back)


# -- organisations -----------------------------------------------------------------------
@bp.get("/organisations")
@operator_required
def organisations() -> str:
    status = request.args.get("status", "pending")
    stmt = select(Organisation)
    count = select(func.count(Organisation.id))
    if status in OrganisationStatus.__members__.values():
        stmt = stmt.where(Organisation.status == status)
        count = count.where(Organisation.status == status)
    else:
        status = ""
    paged = paginate(stmt.order_by(Organisation.id.desc()), count, PER_PAGE)
    return render_template(
        "admin/organisations.html",
        organisations=paged.items,
        total=paged.total,
        page=paged.page,
        pages=paged.pages,
        status=status,
        action=ActionForm(),
        reason_form=ReasonForm(),
    )


@bp.post("/organisations/<int:org_id>/<any(verify, suspend, reinstate):decision>")
@operator_required
def organisation_decide(org_id: int, decision: str) -> Response:
    org = organisation_or_404(org_id)
    form = ReasonForm() if decision == "suspend" else ActionForm()
    if not form.validate_on_submit():
        flash(_("Give the reason: it is sent to them."), "error")
        return redirect(url_for("admin.organisations"))
    now = utcnow()
    back = url_for("admin.organisations", status=request.args.get("status", "pending"))
    with committing(back):
        party = recipients.organisation(db.session, org)
        if decision == "verify":
            moderation.verify(db.session, org, actor=actor(), now=now)
            tell(party, "organisation_verified", topic=f"organisation:{org.id}:verified", org=org)
        elif isinstance(form, ReasonForm):  # suspending
            reason = form.reason.data or ""
            moderation.suspend(db.session, org, reason, actor=actor(), now=now)
            tell(
                party,
                "organisation_suspended",
                topic=f"organisation:{org.id}:suspended",
                org=org,
                reason=reason,
            )
        else:
            moderation.reinstate(db.session, org, actor=actor(), now=now)
            tell(party, "organisation_verified", topic=f"organisation:{org.id}:reinstated", org=org)
    flash(_("%(name)s: done.", name=org.name), "success")
    return redirect(back)


# -- categories and their rules -----------------------------------------------------------
@bp.get("/categories")
@operator_required
def categories() -> str:
    tree = category_tree(db.session)
    counts = dict(
        db.session.execute(
            select(Product.category_id, func.count(Product.id)).group_by(Product.category_id)
        ).all()
    )
    return render_template(
        "admin/categories.html", categories=choices.category_choices(), tree=tree, counts=counts
    )


def _category_form(category: Category | None) -> CategoryForm:
    form = CategoryForm(obj=category)
    form.parent_id.choices = [(0, _("(top level)"))] + [
        (cid, name)
        for cid, name in choices.category_choices()
        if category is None or cid != category.id
    ]
    form.required_kinds.choices = choices.kind_choices()
    if request.method == "GET" and category is not None:
        form.parent_id.data = category.parent_id or 0
        rule = category.rule
        form.required_kinds.data = list(rule.required_kinds or []) if rule else []
        cap = rule.max_unit_price_minor if rule else None
        form.max_price.data = amount_field(cap) if cap is not None else ""
    return form


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@operator_required
def category_edit(category_id: int | None = None) -> Response | str:
    category = _get(Category, category_id) if category_id is not None else None
    form = _category_form(category)
    if form.validate_on_submit():
        cap: int | None = None
        if form.max_price.data:
            try:
                cap = Money.parse(form.max_price.data).amount_minor
            except InvalidAmount as exc:
                form.max_price.errors = (
                    *form.max_price.errors,
                    message(exc.code, {"value": form.max_price.data}),
                )
        if not form.max_price.errors:
            draft = CategoryDraft(
                slug=form.slug.data or "",
                name_fr=form.name_fr.data or "",
                name_ar=form.name_ar.data or "",
                name_en=form.name_en.data or "",
                parent_id=form.parent_id.data or None,
                position=form.position.data or 0,
                required_kinds=tuple(form.required_kinds.data or ()),
                max_unit_price_minor=cap,
            )
            before = sellable_in(db.session, category.id) if category is not None else set()
            with saving(form, {"max_unit_price_minor": "max_price"}) as attempt:
                saved, changed = save_category(
                    db.session, category, draft, actor=actor(), now=utcnow()
                )
                told = _tell_taken_off_sale(saved, before)
            if attempt.saved:
                flash(_("Category saved."), "success")
                if changed:
                    flash(_("%(num)d products changed: on sale or not.", num=changed), "info")
                if told:
                    flash(
                        ngettext(
                            "%(num)d cooperative is told which of its products left the sale.",
                            "%(num)d cooperatives are told which of their products left the sale.",
                            told,
                        ),
                        "info",
                    )
                return redirect(url_for("admin.category_edit", category_id=saved.id))
    return render_template("admin/category_form.html", form=form, category=category)


def _tell_taken_off_sale(category: Category, before: set[int]) -> int:
    """Each cooperative whose products the new rule took off sale is told which, and
    why (a certificate now required, a price above the new cap). Returns how many."""
    now = utcnow()
    off = taken_off_sale(db.session, before, now.date())
    for coop_id, products in off.items():
        notify_cooperative(
            products[0][0].cooperative,
            "category_rule_off_sale",
            topic=f"category:{category.id}:rule:{now.isoformat()}:{coop_id}",
            category=category,
            products=products,
            sale_problem=labels.sale_problem,
        )
    return len(off)


# -- search synonyms ---------------------------------------------------------------------
@bp.route("/synonyms", methods=["GET", "POST"])
@operator_required
def search_synonyms() -> Response | str:
    """The curated synonym file (read-only here, versioned with the code) and the
    operators' own groups, which apply to the next searches."""
    form = SynonymForm()
    if form.validate_on_submit():
        with saving(form) as attempt:
            synonyms.add(db.session, form.terms.data or "", actor=actor(), now=utcnow())
        if attempt.saved:
            _synonyms_changed()
            flash(_("Synonyms added: searches use them now."), "success")
            return redirect(url_for("admin.search_synonyms"))
    curated = synonyms.curated()
    own = list(db.session.scalars(select(SearchSynonym).order_by(SearchSynonym.id.desc())))
    return render_template(
        "admin/synonyms.html",
        form=form,
        version=curated.version,
        curated=[", ".join(" ".join(p) for p in group) for group in curated.groups],
        own=own,
        delete_form=ActionForm(),
    )


@bp.post("/synonyms/<int:synonym_id>/delete")
@operator_required
def search_synonym_delete(synonym_id: int) -> Response:
    if not synonyms.remove(db.session, synonym_id, actor=actor(), now=utcnow()):
        abort(404)
    db.session.commit()
    _synonyms_changed()
    flash(_("Synonyms removed."), "success")
    return redirect(url_for("admin.search_synonyms"))


def _synonyms_changed() -> None:
    """This process searches with the new groups at once (others within a minute)."""
    for key in (search_state.SYNONYMS, search_state.VOCABULARY, "catalog_page_cache"):
        cache = current_app.extensions.get(key)
        if cache is not None:
            cache.clear()


# -- audit log ---------------------------------------------------------------------------
@bp.get("/audit")
@operator_required
def audit_log() -> str:
    """The history, newest first, of one kind of change and one cooperative when chosen
    (by name: the console's cooperative pages link here with its id)."""
    page = page_number()
    what = request.args.get("what", "")
    prefixes = labels.AUDIT_KINDS[what][1] if what in labels.AUDIT_KINDS else ()
    coop_id = whole_number(request.args.get("cooperative", ""))
    entries, total = audit.entries(
        db.session, cooperative_id=coop_id, action_prefixes=prefixes, page=page, per_page=PER_PAGE
    )
    lang = current_language()
    names = db.session.execute(select(Cooperative.id, Cooperative.name_fr, Cooperative.name_ar))
    cooperatives = sorted(
        ((row.id, (lang == "ar" and row.name_ar) or row.name_fr) for row in names),
        key=lambda pair: pair[1].casefold(),
    )
    return render_template(
        "admin/audit.html",
        entries=entries,
        page=page,
        pages=page_count(total, PER_PAGE),
        what=what if prefixes else "",
        kinds=labels.AUDIT_KINDS,
        cooperative=coop_id,
        cooperatives=cooperatives,
    )
