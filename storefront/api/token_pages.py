"""Pages where people create and revoke their personal API tokens: members of a
cooperative in its back office (:mod:`storefront.coop.tokens`), members of an
organisation and shoppers under ``/account/api-tokens``.

A new token is shown once, in the answer to the form that made it (served with
``Cache-Control: no-store``), and never again: only its digest is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from catalog.accounts import api_tokens
from catalog.accounts.users import Role
from catalog.db import utcnow
from storefront.extensions import db
from storefront.filters import numbered_gettext as _
from storefront.forms import Form

bp = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")

EXPIRY_DAYS = {"never": None, "30": 30, "90": 90, "365": 365}


class TokenForm(Form):
    name = StringField(
        _l("Name (what the token is for)"),
        validators=[InputRequired(), Length(max=api_tokens.MAX_NAME_LENGTH)],
        description=_l("For example: stock from our spreadsheet."),
    )
    expires = SelectField(
        _l("Valid for"),
        choices=[
            SelectChoice("90", _l("90 days")),
            SelectChoice("30", _l("30 days")),
            SelectChoice("365", _l("1 year")),
            SelectChoice("never", _l("Until revoked")),
        ],
        default="90",
    )


class RevokeForm(Form):
    token_id = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,12}$")])


def token_error(exc: api_tokens.TokenError) -> str:
    return {
        "name_required": _("Give the token a name."),
        "name_too_long": _("The name is too long."),
        "too_many_tokens": _(
            "You already have %(max)d active tokens: revoke one first.", max=exc.data.get("max", 0)
        ),
        "role_not_allowed": _("Operators cannot create API tokens."),
    }.get(exc.code, _("The token could not be created."))


def handle(template: str, revoke_endpoint: str, **context: Any) -> Response | str:
    """The token list and form; on a valid POST, a new token shown once."""
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        now = utcnow()
        days = EXPIRY_DAYS.get(form.expires.data or "90")
        try:
            issued = api_tokens.issue_token(
                db.session,
                current_user,
                form.name.data or "",
                now=now,
                expires_at=now + timedelta(days=days) if days else None,
            )
        except api_tokens.TokenError as exc:
            db.session.rollback()
            form.name.errors = (*form.name.errors, token_error(exc))
        else:
            db.session.commit()
            secret = issued.secret
            form = TokenForm(formdata=None)
    page = render_template(
        template,
        form=form,
        revoke=RevokeForm(),
        tokens=api_tokens.tokens_for(db.session, current_user),
        secret=secret,
        now=utcnow(),
        revoke_endpoint=revoke_endpoint,
        **context,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def revoke(back: str) -> Response:
    """Revoke the token named by the form, if it belongs to the user's party (404
    otherwise: another party's token is not even found)."""
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    token = api_tokens.find_for(db.session, current_user, int(form.token_id.data or 0))
    if token is None:
        abort(404)
    api_tokens.revoke_token(token, now=utcnow())
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for(back))


def _not_for_cooperatives_or_operators() -> None:
    if current_user.role == Role.OPERATOR:
        abort(403)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Response | str:
    if current_user.role == Role.COOPERATIVE:
        return redirect(url_for("coop.api_tokens"))
    _not_for_cooperatives_or_operators()
    return handle("api/tokens_page.html", "tokens.revoke_token")


@bp.post("/revoke")
@login_required
def revoke_token() -> Response:
    _not_for_cooperatives_or_operators()
    return revoke("tokens.index")
