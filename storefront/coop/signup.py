"""Public pages to join: a person registers their cooperative (and their own
account), or accepts a member's invitation to join one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from catalog import onboarding
from catalog.accounts.users import NewUser, Role, normalise_email, register_user
from catalog.audit import Actor
from catalog.db import utcnow
from catalog.errors import AccountExists, InvalidInput, NotFound
from storefront.auth import answer_existing_account
from storefront.coop.forms import MemberSignupForm, SignupForm
from storefront.coop.views import profile_form_choices, profile_from
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.mailer import queue_mail
from storefront.messages import attach, message

bp = Blueprint("join", __name__, url_prefix="/join")


def _already_in() -> Response | None:
    if current_user.is_authenticated:
        flash(_("You are logged in. Log out first to create another account."), "info")
        if current_user.role == Role.COOPERATIVE:
            return redirect(url_for("coop.dashboard"))
        return redirect(url_for("account.profile"))
    return None


@bp.route("/cooperative", methods=["GET", "POST"])
def cooperative() -> Response | str:
    if (leave := _already_in()) is not None:
        return leave
    form = SignupForm()
    profile_form_choices(form)
    if form.validate_on_submit():
        email = normalise_email(form.person_email.data or "")
        new = NewUser(
            email=email,
            password=form.password.data or "",
            name=form.person_name.data or "",
            phone=form.person_phone.data or "",
            language=current_language(),
        )
        now = utcnow()
        try:
            coop = onboarding.register_cooperative(
                db.session, profile_from(form), actor=Actor(None, email), now=now
            )
            user = register_user(
                db.session, new, role=Role.COOPERATIVE, cooperative_id=coop.id, now=now
            )
        except AccountExists:
            return answer_existing_account(email)
        except InvalidInput as exc:
            db.session.rollback()
            for text in attach(form, exc.problems):
                flash(text, "error")
        else:
            queue_mail(
                email,
                "cooperative_registered",
                language=user.language,
                topic=f"cooperative:{coop.id}:registered",
                coop=coop,
                user=user,
            )
            db.session.commit()
            login_user(user)
            flash(
                _(
                    "Your cooperative is registered. Prepare your products now: they go on "
                    "sale once the operator has verified your cooperative."
                ),
                "success",
            )
            return redirect(url_for("coop.dashboard"))
    return render_template("coop/signup.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Response | str | tuple[str, int]:
    now = utcnow()
    try:
        invite = onboarding.open_invitation(db.session, token, now=now)
    except NotFound:
        page = render_template("errors/error.html", code=404, message=message("invitation_invalid"))
        return page, 404
    if (leave := _already_in()) is not None:
        return leave
    form = MemberSignupForm()
    if form.validate_on_submit():
        new = NewUser(
            email=invite.email,
            password=form.password.data or "",
            name=form.name.data or "",
            phone=form.phone.data or "",
            language=current_language(),
        )
        try:
            user = register_user(
                db.session,
                new,
                role=Role.COOPERATIVE,
                cooperative_id=invite.cooperative_id,
                now=now,
            )
        except AccountExists:
            flash(
                _("This address already has an account. Ask to be invited with another one."),
                "error",
            )
        else:
            onboarding.accept_invitation(db.session, invite, user_id=user.id, now=now)
            db.session.commit()
            login_user(user)
            flash(
                _(
                    "Welcome! You are now a member of %(name)s.",
                    name=invite.cooperative.name(current_language()),
                ),
                "success",
            )
            return redirect(url_for("coop.dashboard"))
    return render_template("coop/invitation.html", form=form, invitation=invite)
