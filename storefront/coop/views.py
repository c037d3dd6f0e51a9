"""The cooperative back office: profile, members, listings, photos, certificates,
CSV import and export, activity.

Every view runs as :func:`storefront.auth.cooperative_required` and loads what it
shows *through* ``g.cooperative`` (filtered by its id), so an id of another
cooperative's object is a 404, never a leak.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from catalog import (
    audit,
    certificates,
    claims,
    csv_io,
    images,
    listings,
    onboarding,
    regions,
    stock,
    upsert,
)
from catalog.accounts.users import Role, User
from catalog.audit import Actor
from catalog.certificates import CertificateClaim
from catalog.db import utcnow, whole_number
from catalog.errors import (
    BelowAllocated,
    InvalidAmount,
    InvalidState,
    InvalidUpload,
    StockChanged,
)
from catalog.listings import Listing
from catalog.models import (
    Certificate,
    CertificateStatus,
    CooperativeInvitation,
    CooperativeStatus,
    Product,
    ProductImport,
    ProductStatus,
)
from catalog.money import Money
from catalog.onboarding import CooperativeProfile
from catalog.rules import problems as sale_problems
from orders import fulfilment, ledger
from orders.status import FulfilmentStatus
from storefront import labels
from storefront.auth import cooperative_required
from storefront.coop import choices
from storefront.coop.files import send_document
from storefront.coop.forms import (
    ActionForm,
    CertificateForm,
    ImportForm,
    InviteForm,
    PhotoForm,
    ProductForm,
    ProfileEditForm,
    ProfileForm,
    StockAdjustForm,
)
from storefront.extensions import db
from storefront.filters import amount_field
from storefront.filters import numbered_gettext as _
from storefront.filters import numbered_ngettext as ngettext
from storefront.i18n import current_language
from storefront.mailer import queue_mail
from storefront.media import document_store, photo_store
from storefront.messages import attach, message
from storefront.orders import messages as order_messages
from storefront.outcomes import committing, saved, saving
from storefront.paging import page_count, page_number, paginate
from storefront.tenancy import own_or_404

bp = Blueprint("coop", __name__, url_prefix="/back-office")

PER_PAGE = 50
#: how many rows of a dry run are shown (every count is, and every rejected row)
PREVIEW_ROWS = 100


@bp.context_processor
def back_office_labels() -> dict[str, Any]:
    return back_office_context()


def back_office_context() -> dict[str, Any]:
    """Names of statuses and actions for back-office and console templates."""
    return {
        "PRODUCT_STATUSES": labels.PRODUCT_STATUSES,
        "COOPERATIVE_STATUSES": labels.COOPERATIVE_STATUSES,
        "CERTIFICATE_STATUSES": labels.CERTIFICATE_STATUSES,
        "PART_STATUSES": labels.PART_STATUSES,
        "PAYMENT_METHODS": order_messages.PAYMENT_METHODS,
        "DELIVERY_OPTIONS": order_messages.DELIVERY_OPTIONS,
        "ZONES": order_messages.ZONES,
        "LEDGER_KINDS": labels.LEDGER_KINDS,
        "AUDIT_ACTIONS": labels.AUDIT_ACTIONS,
        "UNITS": choices.UNITS,
        "sale_problem": labels.sale_problem,
        "region_name": _region_name,
        "province_name": _province_name,
    }


def _region_name(code: str) -> str:
    found = regions.region(code)
    return found.name(current_language()) if found else code


def _province_name(code: str) -> str:
    found = regions.province(code)
    return found.name(current_language()) if found else code


def actor() -> Actor:
    return Actor(current_user.id, current_user.email)


def own_product(product_id: int) -> Product:
    """The cooperative's listing with its images, or a 404 page."""
    return own_or_404(Product, product_id, selectinload(Product.images))


# -- dashboard ---------------------------------------------------------------------------
@bp.get("/")
@cooperative_required
def dashboard() -> str:
    coop = g.cooperative
    today = utcnow().date()
    counts = {
        (str(status), bool(sellable)): n
        for status, sellable, n in db.session.execute(
            select(Product.status, Product.sellable, func.count(Product.id))
            .where(Product.cooperative_id == coop.id)
            .group_by(Product.status, Product.sellable)
        )
    }
    cert_counts = dict(
        db.session.execute(
            select(Certificate.status, func.count(Certificate.id))
            .where(Certificate.cooperative_id == coop.id)
            .group_by(Certificate.status)
        ).all()
    )
    parts = fulfilment.count_parts_by_status(db.session, coop.id)
    balance = ledger.balance_of(db.session, coop.id)
    return render_template(
        "coop/dashboard.html",
        coop=coop,
        to_prepare=parts.get(FulfilmentStatus.TO_PREPARE, 0),
        shipped=parts.get(FulfilmentStatus.SHIPPED, 0),
        balance=balance,
        owed=Money(abs(balance.amount_minor), balance.currency),
        on_sale=sum(n for (_, sellable), n in counts.items() if sellable),
        total=sum(counts.values()),
        drafts=sum(n for (status, _), n in counts.items() if status == ProductStatus.DRAFT),
        published_not_sold=sum(
            n
            for (status, sellable), n in counts.items()
            if status == ProductStatus.PUBLISHED and not sellable
        ),
        low_stock=listings.low_stock(db.session, coop.id)[:20],
        expiring=certificates.expiring_soon(db.session, coop.id, today=today),
        pending_certificates=cert_counts.get(CertificateStatus.PENDING, 0),
        rejected_certificates=cert_counts.get(CertificateStatus.REJECTED, 0),
    )


# -- profile -----------------------------------------------------------------------------
def profile_form_choices(form: ProfileForm) -> None:
    form.region_code.choices = choices.region_choices()
    form.province_code.choices = choices.province_choices()
    form.sector.choices = choices.sector_choices()


def profile_from(form: ProfileForm) -> CooperativeProfile:
    return CooperativeProfile(
        name_fr=form.name_fr.data or "",
        name_ar=form.name_ar.data or "",
        registration_number=form.registration_number.data or "",
        registration_court=form.registration_court.data or "",
        ice=form.ice.data or "",
        region_code=form.region_code.data or "",
        province_code=form.province_code.data or "",
        city=form.city.data or "",
        rural=bool(form.rural.data),
        women_led=bool(form.women_led.data),
        members=form.members.data or 0,
        women_members=form.women_members.data or 0,
        sector=form.sector.data or "",
        founded_year=form.founded_year.data,
        story_fr=form.story_fr.data or "",
        story_ar=form.story_ar.data or "",
        story_en=form.story_en.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
    )


@bp.route("/profile", methods=["GET", "POST"])
@cooperative_required
def profile() -> Response | str:
    coop = g.cooperative
    form = ProfileEditForm(obj=coop)
    profile_form_choices(form)
    if form.validate_on_submit():
        before = claims.pending(db.session, coop.id)
        proposed_before = dict(before.proposed) if before is not None else None
        with saving(form) as attempt:
            diff = onboarding.update_profile(
                db.session,
                coop,
                profile_from(form),
                actor=actor(),
                now=utcnow(),
                evidence=form.evidence.data or "",
            )
            review = claims.pending(db.session, coop.id)
        if attempt.saved:
            if review is not None and review.proposed != proposed_before:
                flash(
                    _(
                        "Your changes to what buyers and donors rely on (rural, women-led, "
                        "region, members) go to the operator's review; until then your page "
                        "and your basket offers keep the verified values."
                    ),
                    "info",
                )
            else:
                saved(diff, _("Your profile is saved."))
            return redirect(url_for("coop.profile"))
    locked = coop.status != CooperativeStatus.PENDING
    if locked:
        for name in onboarding.IDENTITY_FIELDS:
            getattr(form, name).render_kw = {"readonly": True}
    return render_template(
        "coop/profile.html",
        form=form,
        coop=coop,
        locked=locked,
        review=claims.pending(db.session, coop.id),
    )


# -- members -----------------------------------------------------------------------------
#: invitations one cooperative may send per hour, and one address may get per day
INVITATIONS_PER_HOUR = 10
INVITATIONS_PER_ADDRESS_PER_DAY = 2


def _invitations_exhausted(coop_id: int, now: datetime) -> bool:
    sent = db.session.scalar(
        select(func.count(CooperativeInvitation.id)).where(
            CooperativeInvitation.cooperative_id == coop_id,
            CooperativeInvitation.created_at >= now - timedelta(hours=1),
        )
    )
    return (sent or 0) >= INVITATIONS_PER_HOUR


def _address_invited_recently(email: str, now: datetime) -> bool:
    received = db.session.scalar(
        select(func.count(CooperativeInvitation.id)).where(
            CooperativeInvitation.email == email,
            CooperativeInvitation.created_at >= now - timedelta(days=1),
        )
    )
    return (received or 0) >= INVITATIONS_PER_ADDRESS_PER_DAY


@bp.route("/members", methods=["GET", "POST"])
@cooperative_required
def members() -> Response | str:
    coop = g.cooperative
    form = InviteForm()
    now = utcnow()
    if request.method == "POST" and coop.status != CooperativeStatus.VERIFIED:
        flash(_("Your cooperative can invite members once the operator has verified it."), "error")
        return redirect(url_for("coop.members"))
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        sent = _("Invitation sent to %(email)s.", email=email)
        if _invitations_exhausted(coop.id, now):
            flash(_("You have sent many invitations: try again in an hour."), "error")
            return redirect(url_for("coop.members"))
        taken = db.session.scalar(select(User.id).where(User.email == email))
        if taken is not None or _address_invited_recently(email, now):
            # the same answer whether or not the address has an account or was just
            # invited: nobody learns who is registered, nobody relays mail through us
            flash(sent, "success")
            return redirect(url_for("coop.members"))
        with saving(form) as attempt:
            invitation, token = onboarding.invite_member(
                db.session, coop, email, actor=actor(), now=now
            )
            queue_mail(
                invitation.email,
                "cooperative_invitation",
                language=current_language(),
                topic=f"cooperative:{coop.id}:invitation",
                coop=coop,
                inviter=current_user.name or current_user.email,
                link=url_for("join.invitation", token=token, _external=True),
                expires=invitation.expires_at,
            )
        if attempt.saved:
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("coop.members"))
    people = db.session.scalars(
        select(User)
        .where(User.cooperative_id == coop.id, User.role == Role.COOPERATIVE)
        .order_by(User.id)
    ).all()
    return render_template(
        "coop/members.html",
        form=form,
        people=people,
        invitations=onboarding.open_invitations(db.session, coop.id, now=now),
        action=ActionForm(),
    )


@bp.post("/members/invitations/<int:invitation_id>/cancel")
@cooperative_required
def cancel_invitation(invitation_id: int) -> Response:
    invitation = db.session.scalar(
        select(CooperativeInvitation).where(
            CooperativeInvitation.id == invitation_id,
            CooperativeInvitation.cooperative_id == g.cooperative.id,
        )
    )
    if invitation is None:
        abort(404)
    back = url_for("coop.members")
    if ActionForm().validate_on_submit():
        with committing(back, wording={"invalid_state": message("invitation_invalid")}):
            onboarding.cancel_invitation(db.session, invitation, actor=actor(), now=utcnow())
        flash(_("The invitation is cancelled."), "success")
    return redirect(back)


# -- listings ----------------------------------------------------------------------------
@bp.get("/products")
@cooperative_required
def products() -> str:
    coop = g.cooperative
    status = request.args.get("status")
    stmt = select(Product).where(Product.cooperative_id == coop.id)
    count = select(func.count(Product.id)).where(Product.cooperative_id == coop.id)
    if status in ProductStatus.__members__.values():
        stmt = stmt.where(Product.status == status)
        count = count.where(Product.status == status)
    else:
        status = None
    paged = paginate(
        stmt.options(selectinload(Product.images), selectinload(Product.category)).order_by(
            Product.id.desc()
        ),
        count,
        PER_PAGE,
    )
    return render_template(
        "coop/products.html",
        products=paged.items,
        total=paged.total,
        page=paged.page,
        pages=paged.pages,
        status=status,
    )


def product_form_choices(form: ProductForm) -> None:
    form.category_id.choices = choices.category_choices()
    form.unit.choices = choices.unit_choices()


def listing_from(form: ProductForm) -> Listing | None:
    """The listing the form describes, or None when the price cannot be read (the
    field then carries the message)."""
    try:
        price = Money.parse(form.price.data or "")
    except InvalidAmount as exc:
        form.price.errors = (*form.price.errors, message(exc.code, {"value": form.price.data}))
        return None
    return Listing(
        title_fr=form.title_fr.data or "",
        title_ar=form.title_ar.data or "",
        title_en=form.title_en.data or "",
        description_fr=form.description_fr.data or "",
        description_ar=form.description_ar.data or "",
        description_en=form.description_en.data or "",
        category_id=form.category_id.data or 0,
        price_minor=price.amount_minor,
        sku=form.sku.data or "",
        unit=form.unit.data or "",
        net_quantity=form.net_quantity.data or 0,
        shipping_weight_g=form.shipping_weight_g.data or 0,
        on_hand=form.on_hand.data or 0,
        made_to_order=bool(form.made_to_order.data),
        units_per_day=form.units_per_day.data or 0,
        lead_days=form.lead_days.data or 0,
        low_stock_threshold=form.low_stock_threshold.data or 0,
    )


PRODUCT_FIELDS = {"category": "category_id", "price": "price", "image": "title_fr"}


@bp.route("/products/new", methods=["GET", "POST"])
@cooperative_required
def product_new() -> Response | str:
    form = ProductForm()
    product_form_choices(form)
    if form.validate_on_submit():
        listing = listing_from(form)
        if listing is not None:
            with saving(form, PRODUCT_FIELDS) as attempt:
                product = listings.create_product(
                    db.session, g.cooperative, listing, actor=actor(), now=utcnow()
                )
            if attempt.saved:
                flash(_("Product saved as a draft. Add a photo, then publish it."), "success")
                return redirect(url_for("coop.product_edit", product_id=product.id))
    return render_template("coop/product_form.html", form=form, product=None)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@cooperative_required
def product_edit(product_id: int) -> Response | tuple[str, int]:
    product = own_product(product_id)
    form = ProductForm(obj=product)
    product_form_choices(form)
    if request.method == "GET":
        form.price.data = amount_field(product.price_minor)
        form.unit.data = str(product.unit)
        form.on_hand_seen.data = str(product.on_hand)
    status = 200
    if form.validate_on_submit():
        listing = listing_from(form)
        if listing is not None:
            with saving(form, PRODUCT_FIELDS) as attempt:
                diff = listings.update_product(
                    db.session, product, listing, actor=actor(), now=utcnow()
                )
                counted = _save_count(product, form)
            if attempt.saved:
                saved(bool(diff) or counted, _("Product saved."))
                return redirect(url_for("coop.product_edit", product_id=product.id))
            if isinstance(moved := attempt.refusal, StockChanged | BelowAllocated):
                # the count moved meanwhile: show the count now, to save again
                form.on_hand.errors = (*form.on_hand.errors, message(moved.code, moved.data))
                form.on_hand_seen.data = str(moved.data["on_hand"])
                status = 409
    return render_template(
        "coop/product_form.html",
        form=form,
        product=product,
        photo_form=PhotoForm(),
        adjust_form=_adjust_form(),
        action=ActionForm(),
        problems=sale_problems(product, utcnow().date()),
    ), status


def _save_count(product: Product, form: ProductForm) -> bool:
    """Set the shelf count if the person changed it, by compare-and-set on the count
    the form was opened with. True when it changed.

    :raises StockChanged: the count moved since; :raises BelowAllocated."""
    try:
        seen = int(form.on_hand_seen.data or "")
    except ValueError:
        seen = product.on_hand  # a form without the hidden count: compare with now
    wanted = form.on_hand.data or 0
    if wanted == seen:
        return False
    stock.set_on_hand(db.session, product.id, wanted, seen=seen, actor=actor(), now=utcnow())
    return True


def _adjust_form() -> StockAdjustForm:
    form = StockAdjustForm(prefix="adjust")
    form.reason.choices = choices.adjust_reason_choices()
    return form


@bp.post("/products/<int:product_id>/stock")
@cooperative_required
def product_adjust(product_id: int) -> Response:
    """Add or take away units ("+24 received", "-2 damaged") with a reason."""
    product = own_product(product_id)
    form = _adjust_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("coop.product_edit", product_id=product.id))
    back = url_for("coop.product_edit", product_id=product.id)
    with committing(back):
        level = stock.adjust_on_hand(
            db.session,
            product.id,
            form.by.data or 0,
            reason=form.reason.data or "",
            note=form.note.data or "",
            actor=actor(),
            now=utcnow(),
        )
    flash(
        _(
            "Stock changed: %(on_hand)d on the shelf, %(available)d available.",
            on_hand=level.on_hand,
            available=level.available,
        ),
        "success",
    )
    return redirect(back)


@bp.post("/products/<int:product_id>/duplicate")
@cooperative_required
def product_duplicate(product_id: int) -> Response:
    product = own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    copy = listings.duplicate_product(db.session, product, actor=actor(), now=utcnow())
    db.session.commit()
    flash(_("Copy made as a draft (%(sku)s). Change what differs.", sku=copy.sku), "success")
    return redirect(url_for("coop.product_edit", product_id=copy.id))


@bp.post("/products/<int:product_id>/publish")
@cooperative_required
def product_publish(product_id: int) -> Response:
    product = own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("coop.product_edit", product_id=product.id)
    suspended = _("The operator suspended this product: it cannot be published.")
    with committing(back, wording={"invalid_state": suspended}):
        blocking = listings.publish_product(db.session, product, actor=actor(), now=utcnow())
    if blocking:
        flash(_("Published, but not on sale yet: see why below."), "info")
    else:
        flash(_("Published: the product is on sale."), "success")
    return redirect(back)


@bp.post("/products/<int:product_id>/unpublish")
@cooperative_required
def product_unpublish(product_id: int) -> Response:
    product = own_product(product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for("coop.product_edit", product_id=product.id)
    with committing(back, wording={"invalid_state": _("The operator suspended this product.")}):
        listings.unpublish_product(db.session, product, actor=actor(), now=utcnow())
    flash(_("Unpublished: the product is no longer on sale."), "success")
    return redirect(back)


@bp.post("/products/<int:product_id>/photos")
@cooperative_required
def photo_add(product_id: int) -> Response | str:
    product = own_product(product_id)
    form = PhotoForm()
    if form.validate_on_submit():
        data = form.photo.data.read(images.MAX_PHOTO_BYTES + 1)
        try:
            stored = images.store_product_image(photo_store(), data)
        except InvalidUpload as exc:
            form.photo.errors = (*form.photo.errors, message(exc.code, exc.data))
        else:
            with saving(form) as attempt:
                listings.add_image(
                    db.session,
                    product,
                    filename=stored.filename,
                    thumbnail=stored.thumbnail,
                    width=stored.width,
                    height=stored.height,
                    actor=actor(),
                    now=utcnow(),
                )
            if attempt.saved:
                flash(_("Photo added."), "success")
                return redirect(url_for("coop.product_edit", product_id=product.id))
            images.delete_files(photo_store(), [stored.filename, stored.thumbnail])
    for error in form.photo.errors:
        flash(error, "error")
    return redirect(url_for("coop.product_edit", product_id=product.id))


@bp.post("/products/<int:product_id>/photos/<int:image_id>/delete")
@cooperative_required
def photo_delete(product_id: int, image_id: int) -> Response:
    product = own_product(product_id)
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    unused = listings.remove_image(db.session, product, image, actor=actor(), now=utcnow())
    db.session.commit()
    images.delete_files(photo_store(), unused)
    flash(_("Photo removed."), "success")
    return redirect(url_for("coop.product_edit", product_id=product.id))


# -- certificates ------------------------------------------------------------------------
@bp.get("/certificates")
@cooperative_required
def certificates_list() -> str:
    return render_template(
        "coop/certificates.html",
        certificates=certificates.certificates_of(db.session, g.cooperative.id),
        today=utcnow().date(),
    )


@bp.route("/certificates/new", methods=["GET", "POST"])
@cooperative_required
def certificate_new() -> Response | str:
    coop = g.cooperative
    form = CertificateForm()
    form.kind.choices = choices.kind_choices()
    lang = current_language()
    own = db.session.execute(
        select(Product.id, Product.sku, Product.title_fr, Product.title_ar, Product.title_en)
        .where(Product.cooperative_id == coop.id)
        .order_by(Product.sku)
    ).all()
    form.product_id.choices = [(0, _("The whole cooperative"))] + [
        (p.id, f"{p.sku} — { ({'ar': p.title_ar, 'en': p.title_en}.get(lang) or p.title_fr) }")
        for p in own
    ]
    asked = whole_number(request.args.get("product", ""))
    if request.method == "GET" and asked is not None:
        form.product_id.data = asked
    if form.validate_on_submit():
        claim = CertificateClaim(
            kind=form.kind.data or "",
            number=form.number.data or "",
            issuer=form.issuer.data or "",
            issued_on=form.issued_on.data,
            expires_on=form.expires_on.data,
            product_id=form.product_id.data or None,
        )
        problems = certificates.check_claim(db.session, coop, claim, today=utcnow().date())
        if problems:
            for text in attach(form, problems):
                flash(text, "error")
        else:
            data = form.document.data.read(images.MAX_DOCUMENT_BYTES + 1)
            try:
                name = images.store_document(document_store(), data)
            except InvalidUpload as exc:
                form.document.errors = (*form.document.errors, message(exc.code, exc.data))
            else:
                certificates.submit_certificate(
                    db.session, coop, claim, document=name, actor=actor(), now=utcnow()
                )
                db.session.commit()
                flash(_("Certificate sent. The operator will check it."), "success")
                return redirect(url_for("coop.certificates_list"))
    return render_template("coop/certificate_form.html", form=form)


@bp.get("/certificates/<int:certificate_id>/document")
@cooperative_required
def certificate_document(certificate_id: int) -> Response:
    return send_document(own_or_404(Certificate, certificate_id))


# -- CSV import and export ---------------------------------------------------------------
@bp.route("/import", methods=["GET", "POST"])
@cooperative_required
def import_upload() -> Response | str:
    coop = g.cooperative
    form = ImportForm()
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.read()
        try:
            text = csv_io.decode(data)
        except InvalidUpload as exc:
            form.file.errors = (*form.file.errors, message(exc.code, exc.data))
        else:
            record = csv_io.start_import(
                db.session, coop, storage.filename or "", text, actor=actor(), now=utcnow()
            )
            db.session.commit()
            return redirect(url_for("coop.import_plan", import_id=record.id))
    recent = db.session.scalars(
        select(ProductImport)
        .where(ProductImport.cooperative_id == coop.id)
        .order_by(ProductImport.id.desc())
        .limit(10)
    ).all()
    return render_template("coop/import.html", form=form, recent=recent, columns=csv_io.COLUMNS)


@bp.get("/import/<int:import_id>")
@cooperative_required
def import_plan(import_id: int) -> str:
    record = own_or_404(ProductImport, import_id)
    plan = csv_io.plan_import(db.session, g.cooperative, record.content)
    return _render_plan(record, plan)


def _render_plan(record: ProductImport, plan: upsert.ImportPlan) -> str:
    rejected = [r for r in plan.rows if r.action == upsert.Action.REJECT]
    changing = [r for r in plan.rows if r.action in (upsert.Action.CREATE, upsert.Action.UPDATE)]
    return render_template(
        "coop/import_plan.html",
        record=record,
        plan=plan,
        counts=plan.counts(),
        rejected=rejected,
        preview=changing[:PREVIEW_ROWS],
        more=max(0, len(changing) - PREVIEW_ROWS),
        message=message,
        action=ActionForm(),
    )


@bp.post("/import/<int:import_id>/apply")
@cooperative_required
def import_apply(import_id: int) -> Response | str:
    record = own_or_404(ProductImport, import_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = csv_io.apply_import(db.session, g.cooperative, record, actor=actor(), now=utcnow())
    except InvalidState:
        flash(message("already_applied"), "info")
        return redirect(url_for("coop.import_plan", import_id=record.id))
    except upsert.ImportRejected as exc:
        db.session.rollback()
        flash(_("Nothing was imported: correct the rows below and upload the file again."), "error")
        return _render_plan(record, exc.plan)
    db.session.commit()
    flash(
        ngettext("%(num)d product created", "%(num)d products created", result.created)
        + ", "
        + ngettext("%(num)d updated", "%(num)d updated", result.updated)
        + ", "
        + ngettext("%(num)d unchanged", "%(num)d unchanged", result.unchanged)
        + ".",
        "success",
    )
    return redirect(url_for("coop.products"))


@bp.get("/export.csv")
@cooperative_required
def export() -> Response:
    text = csv_io.export_csv(db.session, g.cooperative)
    response = Response(text.encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="products-{g.cooperative.slug}.csv"'
    )
    return response


# -- activity ----------------------------------------------------------------------------
@bp.get("/activity")
@cooperative_required
def activity() -> str:
    page = page_number()
    entries, total = audit.entries(
        db.session, cooperative_id=g.cooperative.id, page=page, per_page=PER_PAGE
    )
    return render_template(
        "coop/activity.html",
        entries=entries,
        page=page,
        pages=page_count(total, PER_PAGE),
    )
