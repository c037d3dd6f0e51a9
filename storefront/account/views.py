"""Accounts. Messages never reveal whether an e-mail is registered."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from catalog.accounts.users import (
    NewUser,
    Role,
    User,
    authenticate,
    find_user,
    issue_reset_token,
    register_user,
    reset_password,
)
from catalog.db import utcnow
from catalog.errors import AccountExists
from storefront.account.forms import LoginForm, ResetForm, ResetRequestForm, SignupForm
from storefront.auth import answer_existing_account
from storefront.extensions import db
from storefront.i18n import current_language
from storefront.mailer import queue_mail
from storefront.security import safe_next

bp = Blueprint("account", __name__, url_prefix="/account")


def home_for(user: User) -> str:
    return {
        Role.COOPERATIVE: "coop.dashboard",
        Role.ORGANISATION: "ngo.dashboard",
        Role.OPERATOR: "admin.dashboard",
    }.get(user.role, "shop.home")


def _home_url(user: User) -> str:
    endpoint = home_for(user)
    try:
        return url_for(endpoint)
    except BuildError:  # that area is not installed in this app
        return url_for("shop.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            db.session, form.email.data or "", form.password.data or "", now=utcnow()
        )
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), _home_url(user)))
        flash(_("Wrong e-mail or password."), "error")
    return render_template("account/login.html", form=form)


def end_browser_session() -> None:
    """Forget everything this browser's session holds (checkout details, orders seen,
    the cart), then log out: the next person on a shared phone starts afresh."""
    session.clear()
    logout_user()  # after the clear: it marks the remember-me cookie for deletion


@bp.post("/logout")
def logout() -> Response:
    """Log out. Sessions live in signed cookies, so a copy of this one would still open
    the account: moving the epoch on makes every copy worthless (other devices of the
    account log in again too)."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.commit()
    end_browser_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("shop.home"))


@bp.post("/sessions/end")
@login_required
def end_sessions() -> Response:
    """Sign out of every device: every session and remember-me cookie of the account,
    this one included."""
    current_user.end_sessions()
    db.session.commit()
    end_browser_session()
    flash(_("You are signed out on every device. Log in again to continue."), "info")
    return redirect(url_for("account.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Response | str:
    form = SignupForm()
    if form.validate_on_submit():
        new = NewUser(
            email=form.email.data or "",
            password=form.password.data or "",
            name=form.name.data or "",
            phone=form.phone.data or "",
            language=current_language(),
            marketing_consent=bool(form.marketing_consent.data),
        )
        try:
            user = register_user(db.session, new, role=Role.SHOPPER, now=utcnow())
        except AccountExists as exc:
            return answer_existing_account(exc.data["email"])
        queue_mail(
            user.email, "welcome", language=user.language, topic="account:welcome", user=user
        )
        db.session.commit()
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(safe_next(request.args.get("next"), url_for("shop.home")))
    return render_template("account/signup.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request() -> Response | str:
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = find_user(db.session, form.email.data or "")
        if user is not None and user.active:
            token = issue_reset_token(user, now=utcnow())
            link = url_for("account.reset", token=token, _external=True)
            queue_mail(
                user.email, "reset", language=user.language, topic="account:reset", link=link
            )
            db.session.commit()
        flash(
            _("If an account uses this address, we have sent it a link to choose a new password."),
            "info",
        )
        return redirect(url_for("account.login"))
    return render_template("account/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response | str:
    form = ResetForm()
    if form.validate_on_submit():
        user = reset_password(db.session, token, form.password.data or "", now=utcnow())
        if user is None:
            flash(_("This link has expired or was already used. Ask for a new one."), "error")
            return redirect(url_for("account.reset_request"))
        db.session.commit()
        flash(_("Your password is changed. You can log in."), "success")
        return redirect(url_for("account.login"))
    return render_template("account/reset.html", form=form)


@bp.get("/")
@login_required
def profile() -> str:
    return render_template("account/profile.html")
